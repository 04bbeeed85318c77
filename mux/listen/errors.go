package listen

import (
	"errors"

	"github.com/onair-go/onair/internal/opterr"
)

var (
	// ErrMount reports a mount path that is not a clean absolute URL path,
	// or one that is already mounted.
	ErrMount = errors.New("listen: invalid mount")
	// ErrOption reports a mount or server option out of range.
	// It wraps onair.ErrInvalidOption: errors.Is matches either.
	ErrOption = opterr.New("listen: invalid option")
	// ErrSlowListener is why a listener was disconnected when it fell
	// behind the live edge by more than [MountOptions.MaxLag] bytes, or
	// when one write to it blocked for longer than [MountOptions.Timeout].
	ErrSlowListener = errors.New("listen: listener too slow")
	// ErrServerClosed is why listeners are disconnected by
	// [Server.Close], and what Serve and Run return after it.
	ErrServerClosed = errors.New("listen: server closed")
)
