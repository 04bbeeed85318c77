package whip

import (
	"errors"

	"github.com/onair-go/onair/internal/opterr"
)

var (
	// ErrMount reports a mount path that is not a clean absolute URL path,
	// or one already mounted.
	ErrMount = errors.New("whip: invalid mount")
	// ErrOption reports an option out of range.
	// It wraps onair.ErrInvalidOption: errors.Is matches either.
	ErrOption = opterr.New("whip: invalid option")
	// ErrClosed is why publishers are disconnected by [Server.Close].
	ErrClosed = errors.New("whip: server closed")
	// ErrDeleted is why a publisher that sent DELETE was disconnected.
	ErrDeleted = errors.New("whip: session deleted by the publisher")
	// ErrKicked is why a publisher was disconnected by [Mount.Disconnect].
	ErrKicked = errors.New("whip: publisher disconnected by the server")
	// ErrConnect is why a publisher whose peer connection did not connect
	// within [Options.ConnectTimeout], or failed, was disconnected.
	ErrConnect = errors.New("whip: peer connection failed")
	// ErrNoMedia is why a publisher that sent no audio for
	// [Options.MediaTimeout] was disconnected (the watchdog).
	ErrNoMedia = errors.New("whip: publisher sent no audio")
	// ErrInactive is why a publisher was refused (503) while the mount's
	// graph is not running.
	ErrInactive = errors.New("whip: the mount's graph is not running")
)
