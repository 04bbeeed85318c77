package hw

import (
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/asticode/go-astiav"
	"github.com/onair-go/onair/internal/av"
)

// Types returns the hardware device types the linked FFmpeg build
// supports, by FFmpeg name ("cuda", "vaapi", "qsv", "videotoolbox",
// "vulkan", ...), in FFmpeg's order. It is what "ffmpeg -hwaccels"
// prints. A type listed here may still fail to open on a machine without
// the device.
func Types() []string {
	ts := buildTypes()
	names := make([]string, len(ts))
	for i, t := range ts {
		names[i] = t.Name()
	}
	return names
}

// Supported reports whether typ is one of [Types].
func Supported(typ string) bool { return slices.Contains(Types(), typ) }

// IsSoftware reports whether spec asks for no hardware: "" or "cpu".
func IsSoftware(spec string) bool {
	s := strings.TrimSpace(spec)
	return s == "" || strings.EqualFold(s, "cpu")
}

// ParseDevice splits a device spec "type[:device]" into an FFmpeg device
// type and a device string, as in "cuda", "cuda:1",
// "vaapi:/dev/dri/renderD128" or "qsv:hw". The device string is passed to
// FFmpeg as is (av_hwdevice_ctx_create); empty means the type's default
// device. "" and "cpu" mean software and return typ "". A type name FFmpeg
// does not know is an *Error wrapping [ErrUnknownType]; a known type this
// build lacks is not an error here (see [Open]).
func ParseDevice(spec string) (typ, device string, err error) {
	if IsSoftware(spec) {
		return "", "", nil
	}
	typ, device, _ = strings.Cut(strings.TrimSpace(spec), ":")
	typ = strings.ToLower(typ)
	if typ == "" || astiav.FindHardwareDeviceTypeByName(typ) == astiav.HardwareDeviceTypeNone {
		return "", "", &Error{Op: "parse", Device: spec,
			Err: fmt.Errorf("%w %q (FFmpeg types: %s; this build: %s)", ErrUnknownType, typ, strings.Join(knownTypes(), ", "), typesOrNone())}
	}
	return typ, device, nil
}

func typesOrNone() string {
	if t := Types(); len(t) > 0 {
		return strings.Join(t, ", ")
	}
	return "none"
}

// Device is an open hardware device context (an FFmpeg AVHWDeviceContext).
// Codecs opened on it hold their own reference, so a Device may be closed
// while they still run. A Device is safe for concurrent use.
type Device struct {
	spec, typ, name string
	t               astiav.HardwareDeviceType

	mu  sync.Mutex
	ctx *astiav.HardwareDeviceContext
}

// Open opens the hardware device given by spec (see [ParseDevice]). It
// returns an *Error wrapping [ErrUnknownType] for a name FFmpeg does not
// know, and one wrapping [ErrUnavailable] when this build lacks the type
// or the device does not open. Close the Device when done.
func Open(spec string) (*Device, error) {
	typ, name, err := ParseDevice(spec)
	if err != nil {
		return nil, err
	}
	if typ == "" {
		return nil, &Error{Op: "open", Device: spec, Err: fmt.Errorf("%w: %q is software, not a hardware device", ErrUnknownType, spec)}
	}
	if !Supported(typ) {
		return nil, &Error{Op: "open", Device: spec,
			Err: fmt.Errorf("%w: this FFmpeg build has no %s support (it has: %s)", ErrUnavailable, typ, typesOrNone())}
	}
	t := astiav.FindHardwareDeviceTypeByName(typ)
	ctx, err := astiav.CreateHardwareDeviceContext(t, name, nil, 0)
	if err != nil {
		return nil, &Error{Op: "open", Device: spec, Err: fmt.Errorf("%w: %w", ErrUnavailable, av.Wrap("av_hwdevice_ctx_create", err))}
	}
	return &Device{spec: spec, typ: typ, name: name, t: t, ctx: ctx}, nil
}

// Spec returns the spec the device was opened with.
func (d *Device) Spec() string { return d.spec }

// Type returns the device type's FFmpeg name, e.g. "cuda".
func (d *Device) Type() string { return d.typ }

// HardwareType returns the device type as go-astiav knows it.
func (d *Device) HardwareType() astiav.HardwareDeviceType { return d.t }

// Context returns the FFmpeg device context, for code built on go-astiav
// (the decode and encode packages): give it to a codec with
// CodecContext.SetHardwareDeviceContext or AllocHardwareFramesContext,
// which take their own references. It is nil after Close.
func (d *Device) Context() *astiav.HardwareDeviceContext {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.ctx
}

// CodecFormat returns the hardware pixel format through which codec (a
// decoder or an encoder) works on devices of d's type with method
// (astiav.CodecHardwareConfigMethodFlagHwDeviceCtx or ...HwFramesCtx),
// or astiav.PixelFormatNone when it cannot.
func (d *Device) CodecFormat(codec *astiav.Codec, method astiav.CodecHardwareConfigMethodFlag) astiav.PixelFormat {
	for _, c := range codec.HardwareConfigs() {
		if c.HardwareDeviceType() == d.t && c.MethodFlags().Has(method) {
			return c.PixelFormat()
		}
	}
	return astiav.PixelFormatNone
}

// Close releases the Device's reference to the device context. It is
// idempotent.
func (d *Device) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.ctx != nil {
		d.ctx.Free()
		d.ctx = nil
	}
	return nil
}
