package hw

import (
	"errors"
	"fmt"
)

var (
	// ErrUnavailable reports hardware that cannot be used here: a device
	// type this FFmpeg build was compiled without, a device that does not
	// open (no GPU, no driver, no permission), or a codec the device
	// cannot decode or encode. Callers that may fall back to software do
	// so on this error.
	ErrUnavailable = errors.New("device unavailable")
	// ErrUnknownType reports a device type name FFmpeg does not know at
	// all ("cudaa", "nvidia"): a configuration mistake, never a reason to
	// fall back silently.
	ErrUnknownType = errors.New("unknown device type")
)

// Error records a failure to use a hardware device. Err wraps
// [ErrUnavailable] or [ErrUnknownType], followed by the reason (often an
// FFmpeg error).
type Error struct {
	Op     string // "open", "decode", "encode"
	Device string // the device as asked for, e.g. "cuda" or "vaapi:/dev/dri/renderD128"
	Err    error
}

func (e *Error) Error() string { return fmt.Sprintf("hw: %s %q: %v", e.Op, e.Device, e.Err) }

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }
