package harbor

import "errors"

var (
	// ErrMountExists is returned by [Harbor.Mount] for a path that is
	// already mounted.
	ErrMountExists = errors.New("harbor: mount already exists")
	// ErrClosed is returned by methods of a closed harbor, and is the
	// disconnect reason of the sources it closed.
	ErrClosed = errors.New("harbor: closed")
	// ErrTimeout is the disconnect reason of a source that sent nothing
	// for [Options.Timeout].
	ErrTimeout = errors.New("harbor: source timed out")
	// ErrKicked is the disconnect reason of a source disconnected by
	// [Mount.Disconnect].
	ErrKicked = errors.New("harbor: source disconnected by the server")
)
