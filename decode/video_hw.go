package decode

import (
	"errors"
	"fmt"
	"log/slog"

	"github.com/asticode/go-astiav"
	"github.com/onair-go/onair"
	"github.com/onair-go/onair/hw"
)

// setupHW makes v.cc decode on the device of v.o: it hands the codec the
// device context and a get_format callback choosing the device's pixel
// format. Frames then come out on the device and are downloaded by push.
// It returns an error (to pass to videoOptions.fallback) when the codec
// cannot decode on the device.
func (v *video) setupHW(codec *astiav.Codec) error {
	dev := v.o.dev
	hwFmt := dev.CodecFormat(codec, astiav.CodecHardwareConfigMethodFlagHwDeviceCtx)
	if hwFmt == astiav.PixelFormatNone {
		return fmt.Errorf("the %s decoder cannot decode on %s devices", codec.Name(), dev.Type())
	}
	ctx := dev.Context()
	if ctx == nil {
		return fmt.Errorf("the %s device is closed", dev.Type())
	}
	v.cc.SetHardwareDeviceContext(ctx)
	strict := v.o.strict
	v.cc.SetPixelFormatCallback(func(pfs []astiav.PixelFormat) astiav.PixelFormat {
		for _, pf := range pfs {
			if pf == hwFmt {
				return pf
			}
		}
		if strict {
			return astiav.PixelFormatNone // fails the decoder: the video stops, logged
		}
		// The device cannot take this stream (profile, size): the first
		// software format, as FFmpeg's default get_format does.
		for _, pf := range pfs {
			if d := pf.Descriptor(); d != nil && !d.Flags().Has(astiav.PixelFormatDescriptorFlagHwAccel) {
				return pf
			}
		}
		return astiav.PixelFormatNone
	})
	v.hwFmt = hwFmt
	return nil
}

// fileVideo returns the video options of a File source. With a hardware
// Device it opens the device and checks, by opening the file's video
// decoder on it, that it can decode the file: strict mode fails here, on
// the caller's goroutine, rather than later on the helper goroutine.
// Otherwise the reason is logged once and the file decodes in software.
func fileVideo(path string, o *FileOptions) (*videoOptions, error) {
	vo := &videoOptions{id: o.ID, log: o.Logger, spec: o.Device, strict: o.StrictDevice}
	if vo.log == nil {
		vo.log = slog.New(slog.DiscardHandler)
	}
	if hw.IsSoftware(o.Device) {
		return vo, nil
	}
	if _, _, err := hw.ParseDevice(o.Device); err != nil {
		return nil, &PathError{Op: "open video device", Path: path, Err: err}
	}
	dev, err := hw.Open(o.Device)
	if err != nil {
		if err := vo.fallback("decode", err); err != nil {
			return nil, &PathError{Op: "open video device", Path: path, Err: err}
		}
		return vo, nil
	}
	vo.dev = dev
	f := &onair.Format{SampleRate: 48000, Channels: 2, Video: &onair.VideoFormat{Width: 64, Height: 64, FrameRate: onair.Rational{Num: 25, Den: 1}, PixelFormat: "yuv420p"}}
	d, err := openDecoderWith(path, f, nil, vo)
	if err != nil {
		vo.closeDevice()
		var he *hw.Error
		if errors.As(err, &he) {
			return nil, err
		}
		return vo, nil // not a device problem: File's probe reports it
	}
	d.close()
	if vo.warned.Load() {
		vo.closeDevice() // it cannot decode this file: software from now on
	}
	return vo, nil
}

// closeDevice releases the hardware device, if any.
func (o *videoOptions) closeDevice() {
	if o != nil && o.dev != nil {
		o.dev.Close()
		o.dev = nil
	}
}
