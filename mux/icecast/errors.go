package icecast

import (
	"errors"
	"fmt"

	"github.com/onair-go/onair/internal/opterr"
)

var (
	// ErrOption reports options [New] cannot use: no mount, a bad URL, an
	// unknown method, a format without a known content type, a header
	// value with a line break.
	// It wraps onair.ErrInvalidOption: errors.Is matches either.
	ErrOption = opterr.New("icecast: invalid option")
	// ErrAuth reports that the server refused the credentials (HTTP 401):
	// a wrong user or password.
	ErrAuth = errors.New("icecast: authentication failed (wrong user or password)")
	// ErrRefused reports that the server refused the source (HTTP 403 and
	// other error statuses): mount in use, content type not supported, too
	// many sources. The [Error] holds the server's message.
	ErrRefused = errors.New("icecast: source refused by the server")
	// ErrMountInUse reports that another source is streaming to the mount
	// (HTTP 403 "Mountpoint in use"). It wraps [ErrRefused].
	ErrMountInUse = fmt.Errorf("%w: mount in use", ErrRefused)
	// ErrProtocol reports an answer that is not HTTP, or a redirect.
	ErrProtocol = errors.New("icecast: unexpected answer from the server")
	// ErrServerClosed reports that the server closed the connection while
	// the output was streaming (it went away or dropped the source).
	ErrServerClosed = errors.New("icecast: server closed the connection")
	// ErrClosed is returned for an output that was closed.
	ErrClosed = errors.New("icecast: output closed")
)

// Error is a failure talking to the server: Op is "dial", "request",
// "response", "write" or "metadata", URL the server's URL without the
// password, Status the HTTP status when the server answered one, Msg the
// server's message, and Err the cause ([ErrAuth], [ErrRefused], a network
// error...).
type Error struct {
	Op     string
	URL    string
	Status int
	Msg    string
	Err    error
}

func (e *Error) Error() string {
	s := "icecast: " + e.Op + " " + e.URL + ": "
	if e.Status != 0 {
		s += fmt.Sprintf("HTTP %d: ", e.Status)
	}
	if e.Msg != "" {
		s += fmt.Sprintf("%q: ", e.Msg)
	}
	return s + e.Err.Error()
}

func (e *Error) Unwrap() error { return e.Err }
