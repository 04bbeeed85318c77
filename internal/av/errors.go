package av

import (
	"errors"
	"fmt"
	"io"

	"github.com/asticode/go-astiav"
)

// ErrAgain is the "need more input / output not ready" condition of
// FFmpeg's send/receive API (EAGAIN), translated at the boundary.
var ErrAgain = errors.New("av: resource temporarily unavailable")

// Error is a failure of one FFmpeg operation.
type Error struct {
	Op  string // the FFmpeg operation, e.g. "avcodec_send_frame"
	Err error
}

func (e *Error) Error() string { return fmt.Sprintf("ffmpeg: %s: %v", e.Op, e.Err) }

func (e *Error) Unwrap() error { return e.Err }

// Wrap translates an astiav error: EAGAIN becomes ErrAgain, EOF becomes
// io.EOF (unwrapped), anything else an *Error recording op. nil stays nil.
func Wrap(op string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, astiav.ErrEagain):
		return ErrAgain
	case errors.Is(err, astiav.ErrEof):
		return io.EOF
	}
	return &Error{Op: op, Err: err}
}
