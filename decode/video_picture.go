package decode

import (
	"errors"
	"fmt"

	"github.com/asticode/go-astiav"
	"github.com/onair-go/onair"
	"github.com/onair-go/onair/internal/av"
)

// scaler converts decoded frames of any size and pixel format to pictures
// of the graph's video format, in fresh Go memory: a picture is shared by
// every consumer of a frame and may be kept by them (a Buffer, an
// encoder's queue), so its planes are never reused.
type scaler struct {
	width, height int
	pf            astiav.PixelFormat
	name          string
	layout        av.PlaneLayout

	sws *astiav.SoftwareScaleContext
	key [3]int // source width, height, pixel format of sws
	out *astiav.Frame
}

func newScaler(vf *onair.VideoFormat) (*scaler, error) {
	pf := astiav.FindPixelFormatByName(vf.PixelFormat)
	if pf == astiav.PixelFormatNone {
		return nil, fmt.Errorf("%w: unknown pixel format %q", onair.ErrInvalidFormat, vf.PixelFormat)
	}
	l, err := av.ImageLayout(pf, vf.Width, vf.Height)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", onair.ErrInvalidFormat, err)
	}
	return &scaler{width: vf.Width, height: vf.Height, pf: pf, name: vf.PixelFormat, layout: l}, nil
}

// scale converts f to a new picture (Pos 0).
func (s *scaler) scale(f *astiav.Frame) (onair.Picture, error) {
	if f.Width() <= 0 || f.Height() <= 0 {
		return onair.Picture{}, fmt.Errorf("decoded picture of size %dx%d", f.Width(), f.Height())
	}
	key := [3]int{f.Width(), f.Height(), int(f.PixelFormat())}
	if s.sws == nil || s.key != key {
		s.freeSws()
		sws, err := astiav.CreateSoftwareScaleContext(f.Width(), f.Height(), f.PixelFormat(), s.width, s.height, s.pf,
			astiav.NewSoftwareScaleContextFlags(astiav.SoftwareScaleContextFlagBicubic))
		if err != nil {
			return onair.Picture{}, av.Wrap("sws_getContext", err)
		}
		s.sws, s.key = sws, key
	}
	if s.out == nil {
		s.out = astiav.AllocFrame()
		s.out.SetWidth(s.width)
		s.out.SetHeight(s.height)
		s.out.SetPixelFormat(s.pf)
		if err := s.out.AllocBuffer(0); err != nil {
			return onair.Picture{}, av.Wrap("av_frame_get_buffer", err)
		}
	}
	if err := s.sws.ScaleFrame(f, s.out); err != nil {
		return onair.Picture{}, av.Wrap("sws_scale_frame", err)
	}
	return s.copyOut(s.out)
}

// copyOut copies f (of the graph's size and format) into Go memory.
func (s *scaler) copyOut(f *astiav.Frame) (onair.Picture, error) {
	return av.PictureFromFrame(f, s.name, s.layout)
}

// black returns a black picture of the graph's format.
func (s *scaler) black() (onair.Picture, error) {
	f := astiav.AllocFrame()
	if f == nil {
		return onair.Picture{}, errors.New("cannot allocate a frame")
	}
	defer f.Free()
	f.SetWidth(s.width)
	f.SetHeight(s.height)
	f.SetPixelFormat(s.pf)
	if err := f.AllocBuffer(0); err != nil {
		return onair.Picture{}, av.Wrap("av_frame_get_buffer", err)
	}
	if err := f.ImageFillBlack(); err != nil {
		return onair.Picture{}, av.Wrap("av_image_fill_black", err)
	}
	return s.copyOut(f)
}

func (s *scaler) freeSws() {
	if s.sws != nil {
		s.sws.Free()
		s.sws = nil
	}
}

// close frees the scaler's FFmpeg objects. It is idempotent.
func (s *scaler) close() {
	if s == nil {
		return
	}
	s.freeSws()
	if s.out != nil {
		s.out.Free()
		s.out = nil
	}
}
