package encode

import (
	"errors"
	"fmt"

	"github.com/onair-go/onair/internal/opterr"
)

var (
	// ErrUnknownCodec reports an encoder name FFmpeg does not know, or a
	// codec of the wrong media type (a video codec for an audio stream).
	ErrUnknownCodec = errors.New("encode: unknown encoder")
	// ErrUnknownOption reports a codec option that neither the codec
	// context nor the codec's private options define.
	ErrUnknownOption = errors.New("unknown option")
	// ErrInvalidOption reports an option value the codec rejects, or an
	// invalid field of AudioOptions or VideoOptions.
	// It wraps onair.ErrInvalidOption: errors.Is matches either.
	ErrInvalidOption = opterr.New("invalid option value")
)

// OptionError reports a codec option that could not be applied. Err is
// [ErrUnknownOption] or wraps [ErrInvalidOption].
type OptionError struct {
	Codec  string // the encoder, e.g. "libmp3lame"
	Option string
	Value  string
	Err    error
}

func (e *OptionError) Error() string {
	return fmt.Sprintf("encode: %s: option %q=%q: %v", e.Codec, e.Option, e.Value, e.Err)
}

func (e *OptionError) Unwrap() error { return e.Err }

// StateError reports an operation that the [Encoder]'s lifecycle does not
// allow in its current state (see [State]). When the encoder is in
// [StateFailed], Err is the failure that put it there.
type StateError struct {
	Op    string // "add_audio", "add_video", "open", "write", "close"
	State State
	Err   error
}

func (e *StateError) Error() string {
	s := fmt.Sprintf("encode: %s not allowed in state %s", e.Op, e.State)
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *StateError) Unwrap() error { return e.Err }

// DeviceError reports a video stream that cannot be encoded on the device
// it asked for (see [VideoOptions].Device): a device type FFmpeg does not
// know (Err wraps hw.ErrUnknownType) or, with StrictDevice, hardware that
// cannot be used (Err wraps hw.ErrUnavailable and the reason).
type DeviceError struct {
	Device string
	Err    error
}

func (e *DeviceError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("encode: device %q cannot be used", e.Device)
	}
	return fmt.Sprintf("encode: device %q: %v", e.Device, e.Err)
}

// Unwrap returns the underlying error.
func (e *DeviceError) Unwrap() error { return e.Err }
