package encode

import (
	"fmt"

	"github.com/asticode/go-astiav"
	"github.com/onair-go/onair"
	"github.com/onair-go/onair/internal/av"
)

// VideoEncoder encodes raw pictures ([onair.Picture]) into the packets of
// one video codec. Each picture is the next frame at the encoder's frame
// rate: timestamps count frames from 0 in a time base of 1/frame rate
// (possibly changed by the codec; see Stream().TimeBase). Pictures of
// another size or pixel format than the encoded ones are converted with
// swscale.
//
// A VideoEncoder is not safe for concurrent use. Close releases its
// FFmpeg resources; its StreamInfo (Params included) stays valid as long
// as it is referenced.
type VideoEncoder struct {
	codecBase
	width, height int
	pixFmt        astiav.PixelFormat
	frame         *astiav.Frame // what the codec gets

	src    *astiav.Frame // a picture of another size or format
	sws    *astiav.SoftwareScaleContext
	swsKey [3]int // source width, height, pixel format of sws

	pts     int64
	flushed bool
	hw      *videoHW // encoding on a hardware device (see openOn)
}

// NewVideoEncoder opens a video encoder for pictures of the given size and
// frame rate. opts may be nil (libx264 at its defaults, same size and rate,
// yuv420p).
func NewVideoEncoder(width, height int, frameRate onair.Rational, opts *VideoOptions) (*VideoEncoder, error) {
	o := opts.withDefaults()
	if err := o.validate(); err != nil {
		return nil, err
	}
	if o.Width == 0 && o.Height == 0 {
		o.Width, o.Height = width, height
	}
	if o.FrameRate.Num == 0 {
		o.FrameRate = frameRate
	}
	if o.FrameRate.Den == 0 {
		o.FrameRate.Den = 1
	}
	if o.Width <= 0 || o.Height <= 0 || o.Width%2 != 0 || o.Height%2 != 0 {
		return nil, fmt.Errorf("encode: %w: video size %dx%d (want positive, even)", ErrInvalidOption, o.Width, o.Height)
	}
	if o.FrameRate.Num <= 0 || o.FrameRate.Den <= 0 {
		return nil, fmt.Errorf("encode: %w: frame rate %v", ErrInvalidOption, o.FrameRate)
	}
	e := &VideoEncoder{width: o.Width, height: o.Height}
	if err := e.openOn(&o); err != nil {
		e.Close()
		return nil, err
	}
	return e, nil
}

func (e *VideoEncoder) init(o *VideoOptions) error {
	codec, err := e.alloc(o.Codec, astiav.MediaTypeVideo, o.Logger)
	if err != nil {
		return err
	}
	e.pixFmt = astiav.FindPixelFormatByName(o.PixelFormat)
	if e.pixFmt == astiav.PixelFormatNone {
		return &OptionError{Codec: o.Codec, Option: "pix_fmt", Value: o.PixelFormat, Err: ErrInvalidOption}
	}
	if e.hw != nil {
		if err := e.hw.prepare(codec, e.width, e.height, &e.pixFmt); err != nil {
			return err
		}
	}
	setup := func(ctx *astiav.CodecContext) {
		ctx.SetWidth(e.width)
		ctx.SetHeight(e.height)
		ctx.SetPixelFormat(e.pixFmt)
		ctx.SetSampleAspectRatio(astiav.NewRational(1, 1))
		ctx.SetFramerate(astiav.NewRational(o.FrameRate.Num, o.FrameRate.Den))
		ctx.SetTimeBase(astiav.NewRational(o.FrameRate.Den, o.FrameRate.Num))
		if o.BitRate > 0 {
			ctx.SetBitRate(o.BitRate)
		}
		if o.GOP > 0 {
			ctx.SetGopSize(o.GOP)
		}
		if o.Threads > 0 {
			ctx.SetThreadCount(o.Threads)
		}
		if e.hw != nil {
			e.hw.configure(ctx)
		}
	}
	if err := e.open(codec, setup, o.codecOptions()); err != nil {
		return err
	}
	e.info.MediaType = onair.VideoTrack
	e.info.Width, e.info.Height = e.width, e.height
	e.info.FrameRate = o.FrameRate
	e.frameDur = astiav.RescaleQ(1, astiav.NewRational(o.FrameRate.Den, o.FrameRate.Num), e.ctx.TimeBase())
	e.frame = astiav.AllocFrame()
	e.frame.SetWidth(e.width)
	e.frame.SetHeight(e.height)
	e.frame.SetPixelFormat(e.pixFmt)
	if err := e.frame.AllocBuffer(0); err != nil {
		return &av.Error{Op: "av_frame_get_buffer", Err: err}
	}
	return nil
}

// Stream describes the encoded stream. The result is shared: do not
// modify it.
func (e *VideoEncoder) Stream() *onair.StreamInfo { return &e.info }

// Frames returns how many frames were sent to the codec so far.
func (e *VideoEncoder) Frames() int64 { return e.sent }

// Encode encodes p as the next frame and hands the packets that became
// ready to emit.
func (e *VideoEncoder) Encode(p *onair.Picture, emit PacketFunc) error {
	if e.closed || e.flushed {
		return fmt.Errorf("encode: %s: encode after flush or close", e.name)
	}
	if err := e.frame.MakeWritable(); err != nil {
		return &av.Error{Op: "av_frame_make_writable", Err: err}
	}
	pf := e.pixFmt
	if p.PixelFormat != "" {
		pf = astiav.FindPixelFormatByName(p.PixelFormat)
		if pf == astiav.PixelFormatNone {
			return fmt.Errorf("encode: %w: picture pixel format %q", ErrInvalidOption, p.PixelFormat)
		}
	}
	if p.Width == e.width && p.Height == e.height && pf == e.pixFmt {
		if err := av.CopyPicture(e.frame, p); err != nil {
			return err
		}
	} else if err := e.convert(p, pf); err != nil {
		return err
	}
	e.frame.SetPts(e.pts)
	e.pts++
	return e.sendHW(e.frame, emit)
}

// convert scales p (of pixel format pf) into the codec's frame.
func (e *VideoEncoder) convert(p *onair.Picture, pf astiav.PixelFormat) error {
	if p.Width <= 0 || p.Height <= 0 {
		return fmt.Errorf("encode: %w: picture size %dx%d", ErrInvalidOption, p.Width, p.Height)
	}
	key := [3]int{p.Width, p.Height, int(pf)}
	if e.sws == nil || e.swsKey != key {
		e.freeScaler()
		sws, err := astiav.CreateSoftwareScaleContext(p.Width, p.Height, pf, e.width, e.height, e.pixFmt,
			astiav.NewSoftwareScaleContextFlags(astiav.SoftwareScaleContextFlagBicubic))
		if err != nil {
			return &av.Error{Op: "sws_getContext", Err: err}
		}
		e.sws, e.swsKey = sws, key
		e.src = astiav.AllocFrame()
		e.src.SetWidth(p.Width)
		e.src.SetHeight(p.Height)
		e.src.SetPixelFormat(pf)
		if err := e.src.AllocBuffer(0); err != nil {
			return &av.Error{Op: "av_frame_get_buffer", Err: err}
		}
	}
	if err := av.CopyPicture(e.src, p); err != nil {
		return err
	}
	if err := e.sws.ScaleFrame(e.src, e.frame); err != nil {
		return &av.Error{Op: "sws_scale_frame", Err: err}
	}
	return nil
}

func (e *VideoEncoder) freeScaler() {
	if e.sws != nil {
		e.sws.Free()
		e.sws = nil
	}
	if e.src != nil {
		e.src.Free()
		e.src = nil
	}
}

// Flush drains the codec (B-frames, lookahead) and hands the remaining
// packets to emit. After Flush the encoder accepts no more pictures.
func (e *VideoEncoder) Flush(emit PacketFunc) error {
	if e.closed || e.flushed {
		return nil
	}
	e.flushed = true
	return e.send(nil, emit)
}

// Close releases the encoder's FFmpeg resources without draining it (use
// Flush first to get the last packets). It is idempotent.
func (e *VideoEncoder) Close() error {
	e.freeScaler()
	if e.frame != nil {
		e.frame.Free()
		e.frame = nil
	}
	e.free()
	e.hw.close()
	e.hw = nil
	return nil
}
