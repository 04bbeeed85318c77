package whep

import (
	"errors"

	"github.com/onair-go/onair/internal/opterr"
)

var (
	// ErrMount reports a mount path that is not a clean absolute URL path,
	// or one already mounted.
	ErrMount = errors.New("whep: invalid mount")
	// ErrOption reports an option out of range.
	// It wraps onair.ErrInvalidOption: errors.Is matches either.
	ErrOption = opterr.New("whep: invalid option")
	// ErrSlowListener is why a listener whose queue filled up (a peer that
	// cannot keep up, or has gone) was dropped.
	ErrSlowListener = errors.New("whep: listener too slow")
	// ErrServerClosed is why listeners are disconnected by [Server.Close].
	ErrServerClosed = errors.New("whep: server closed")
	// ErrEnded is why listeners are disconnected when the graph closes
	// the mount (the end of the station).
	ErrEnded = errors.New("whep: stream ended")
	// ErrDeleted is why a listener that sent DELETE was disconnected.
	ErrDeleted = errors.New("whep: session deleted by the client")
	// ErrConnect is why a listener that did not connect within
	// [Options.ConnectTimeout], or whose connection failed, was dropped.
	ErrConnect = errors.New("whep: peer connection failed")
	// ErrCodec reports a packet track that is not Opus.
	ErrCodec = errors.New("whep: the track is not Opus")
)
