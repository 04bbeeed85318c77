package encode

import (
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"

	"github.com/asticode/go-astiav"
	"github.com/onair-go/onair/hw"
	"github.com/onair-go/onair/internal/av"
	"github.com/onair-go/onair/internal/hwerr"
)

// hwMemo is shared by the encoders made from one VideoOptions value (a
// shared encoder's probe and each of its streams): the hardware fallback
// is logged once for all of them, and once the device itself proved
// unusable they go straight to software.
type hwMemo struct {
	mu        sync.Mutex
	logged    bool
	deviceErr error
}

func (m *hwMemo) deviceFailed() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.deviceErr != nil
}

// fallBack records a hardware failure and logs it if it is the first.
func (m *hwMemo) fallBack(err *hw.Error, device bool, log *slog.Logger, id, sw string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if device && m.deviceErr == nil {
		m.deviceErr = err
	}
	if !m.logged {
		m.logged = true
		log.Warn("hardware video encoding unavailable: encoding in software", "encoder", id, "device", err.Device, "software", sw, "reason", err.Err)
	}
}

// videoHW is the hardware side of a VideoEncoder.
type videoHW struct {
	dev    *hw.Device
	hwFmt  astiav.PixelFormat            // the codec's pixel format with frames
	frames *astiav.HardwareFramesContext // nil: the codec takes software frames
	devCtx bool                          // the codec takes the device context
	up     *astiav.Frame                 // the upload target
}

// openOn opens e for o on o.Device when it names hardware. Hardware that
// cannot be used is a *DeviceError in strict mode; otherwise the stream
// is encoded by the software encoder of the same codec and the reason is
// logged once per options value.
func (e *VideoEncoder) openOn(o *VideoOptions) error {
	if hw.IsSoftware(o.Device) {
		return e.init(o)
	}
	typ, _, err := hw.ParseDevice(o.Device)
	if err != nil {
		return &DeviceError{Device: o.Device, Err: err}
	}
	codec := astiav.FindEncoderByName(o.Codec)
	if codec == nil || codec.ID().MediaType() != astiav.MediaTypeVideo {
		return fmt.Errorf("%w: %q is not a video encoder of this FFmpeg build", ErrUnknownCodec, o.Codec)
	}
	sw, swErr := softwareEncoder(codec)
	memo := o.memo
	if memo == nil {
		memo = &hwMemo{}
	}
	if !o.StrictDevice && swErr == nil && memo.deviceFailed() {
		return e.initSoftware(o, sw)
	}
	device, err := e.initHW(o, codec, typ)
	if err == nil {
		o.Logger.Debug("encoding on hardware", "encoder", o.ID, "codec", e.name, "device", o.Device)
		return nil
	}
	e.reset()
	he := hwerr.Unavailable("encode", o.Device, err)
	if o.StrictDevice {
		return &DeviceError{Device: o.Device, Err: he}
	}
	if swErr != nil {
		return &DeviceError{Device: o.Device, Err: errors.Join(he, swErr)}
	}
	memo.fallBack(he, device, o.Logger, o.ID, sw)
	return e.initSoftware(o, sw)
}

func (e *VideoEncoder) initSoftware(o *VideoOptions, sw string) error {
	so := *o
	so.Codec = sw
	return e.init(&so)
}

// initHW opens the device and the device's encoder for codec's family.
// device reports whether the failure is the device's or the build's (as
// opposed to the encoder refusing these settings).
func (e *VideoEncoder) initHW(o *VideoOptions, codec *astiav.Codec, typ string) (device bool, err error) {
	name, err := hardwareEncoder(codec, typ)
	if err != nil {
		return true, err
	}
	dev, err := hw.Open(o.Device)
	if err != nil {
		return true, err
	}
	e.hw = &videoHW{dev: dev}
	ho := *o
	ho.Codec = name
	return false, e.init(&ho)
}

// reset frees what a failed open left and makes e new again.
func (e *VideoEncoder) reset() {
	w, h := e.width, e.height
	e.Close()
	*e = VideoEncoder{width: w, height: h}
}

// hwSuffixes end the names of FFmpeg's hardware encoders.
var hwSuffixes = []string{"_nvenc", "_vaapi", "_qsv", "_videotoolbox", "_vulkan", "_amf", "_mf", "_v4l2m2m", "_mediacodec", "_d3d12va", "_omx", "_rkmpp"}

func isHardware(c *astiav.Codec) bool {
	return len(c.HardwareConfigs()) > 0 || slices.ContainsFunc(hwSuffixes, func(s string) bool { return strings.HasSuffix(c.Name(), s) })
}

// hardwareEncoder returns the encoder of codec's family for devices of
// type typ (h264 on cuda: h264_nvenc), or codec itself when it is a
// hardware encoder already.
func hardwareEncoder(codec *astiav.Codec, typ string) (string, error) {
	if isHardware(codec) {
		return codec.Name(), nil
	}
	family := codec.ID().Name()
	if family == "mpeg2video" {
		family = "mpeg2"
	}
	suffix := typ
	if typ == "cuda" {
		suffix = "nvenc"
	}
	name := family + "_" + suffix
	if c := astiav.FindEncoderByName(name); c == nil || c.ID() != codec.ID() {
		return "", fmt.Errorf("this FFmpeg build has no %s encoder (for %s on %s)", name, family, typ)
	}
	return name, nil
}

// softwareEncoder returns the software encoder of codec's family: codec
// itself, or, for a hardware encoder, FFmpeg's default encoder of the
// codec, or the first software one.
func softwareEncoder(codec *astiav.Codec) (string, error) {
	if !isHardware(codec) {
		return codec.Name(), nil
	}
	if c := astiav.FindEncoder(codec.ID()); c != nil && !isHardware(c) {
		return c.Name(), nil
	}
	for _, c := range astiav.Codecs() {
		if c.IsEncoder() && c.ID() == codec.ID() && !isHardware(c) {
			return c.Name(), nil
		}
	}
	return "", fmt.Errorf("%w: this FFmpeg build has no software %s encoder to fall back to", ErrUnknownCodec, codec.ID().Name())
}

// prepare chooses how the codec takes pictures on the device: through a
// hardware frames context (uploading each picture) when it can, else with
// the device context and software frames, else (no hardware config: the
// encoder handles its device itself) plain software frames. *pf, the
// format pictures are converted to, becomes a software format the device
// takes: *pf itself when it can, else nv12, else the device's first.
func (h *videoHW) prepare(codec *astiav.Codec, width, height int, pf *astiav.PixelFormat) error {
	ctx := h.dev.Context()
	if ctx == nil {
		return errors.New("the device is closed")
	}
	if f := h.dev.CodecFormat(codec, astiav.CodecHardwareConfigMethodFlagHwFramesCtx); f != astiav.PixelFormatNone {
		sw := astiav.PixelFormatNv12
		if cons := ctx.HardwareFramesConstraints(); cons != nil {
			valid := cons.ValidSoftwarePixelFormats()
			cons.Free()
			switch {
			case slices.Contains(valid, *pf):
				sw = *pf
			case slices.Contains(valid, astiav.PixelFormatNv12):
			case len(valid) > 0:
				sw = valid[0]
			}
		}
		frames := astiav.AllocHardwareFramesContext(ctx)
		if frames == nil {
			return errors.New("cannot allocate a hardware frames context")
		}
		frames.SetHardwarePixelFormat(f)
		frames.SetSoftwarePixelFormat(sw)
		frames.SetWidth(width)
		frames.SetHeight(height)
		frames.SetInitialPoolSize(20)
		if err := frames.Initialize(); err != nil {
			frames.Free()
			return av.Wrap("av_hwframe_ctx_init", err)
		}
		h.frames, h.hwFmt, *pf = frames, f, sw
		h.up = astiav.AllocFrame()
		return nil
	}
	h.devCtx = h.dev.CodecFormat(codec, astiav.CodecHardwareConfigMethodFlagHwDeviceCtx) != astiav.PixelFormatNone
	return nil
}

// configure gives the codec context its hardware contexts (after the
// software settings).
func (h *videoHW) configure(ctx *astiav.CodecContext) {
	switch {
	case h.frames != nil:
		ctx.SetPixelFormat(h.hwFmt)
		ctx.SetHardwareFramesContext(h.frames)
	case h.devCtx:
		ctx.SetHardwareDeviceContext(h.dev.Context())
	}
}

// sendHW sends f (a software frame with its pts), uploading it first when
// the codec takes hardware frames. The upload is unreferenced after the
// send, so that its surface returns to the pool once the codec is done.
func (e *VideoEncoder) sendHW(f *astiav.Frame, emit PacketFunc) error {
	if e.hw == nil || e.hw.frames == nil {
		return e.send(f, emit)
	}
	up := e.hw.up
	up.Unref()
	if err := up.AllocHardwareBuffer(e.hw.frames); err != nil {
		return &av.Error{Op: "av_hwframe_get_buffer", Err: err}
	}
	if err := f.TransferHardwareData(up); err != nil {
		up.Unref()
		return &av.Error{Op: "av_hwframe_transfer_data", Err: err}
	}
	up.SetPts(f.Pts())
	err := e.send(up, emit)
	up.Unref()
	return err
}

// close frees the hardware side. It is idempotent and nil-safe.
func (h *videoHW) close() {
	if h == nil {
		return
	}
	if h.up != nil {
		h.up.Free()
		h.up = nil
	}
	if h.frames != nil {
		h.frames.Free()
		h.frames = nil
	}
	if h.dev != nil {
		h.dev.Close()
		h.dev = nil
	}
}
