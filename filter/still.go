package filter

import (
	"errors"
	"fmt"

	"github.com/asticode/go-astiav"
	"github.com/onair-go/onair"
	"github.com/onair-go/onair/internal/av"
)

// Still is an infallible source that shows one picture: on the main video
// track at every picture slot of the graph's frame rate (one picture every
// 1/rate from the stream's start), with silence on the audio track. It
// has one endless track. In a graph without video it plays silence. Make
// it with [Image] or [Colour].
type Still struct {
	node *onair.Node
	gen  *stillGen
}

// Image returns a Still showing the first picture of the file at path,
// in any format FFmpeg reads (PNG, JPEG, the first frame of a video),
// scaled to the graph's video size (its aspect ratio is not kept: give a
// picture of the right shape, or pad it with NewVideo). The picture is
// made at once for Options.Format, and again when the operator wakes up in
// a graph of another format. A file FFmpeg cannot read is an *Error naming
// the path. opts may be nil; FlushAtTracks and MaxBacklog are not used.
func Image(path string, opts *Options) (*Still, error) {
	return newStill("movie", []filterOpt{{0, "filename", path}}, opts)
}

// Colour returns a Still showing a picture of one colour, given in
// FFmpeg's syntax ("black", "DarkSlateBlue", "#1e90ff", "0x1e90ff"). A
// colour FFmpeg does not know is an *Error. opts may be nil.
func Colour(colour string, opts *Options) (*Still, error) {
	return newStill("color", []filterOpt{{0, "color", colour}}, opts)
}

func newStill(desc string, fopts []filterOpt, opts *Options) (*Still, error) {
	o, f, err := opts.withDefaults(true)
	if err != nil {
		return nil, err
	}
	g := &stillGen{desc: desc, fopts: fopts, o: o}
	if err := g.render(f); err != nil {
		return nil, err
	}
	if o.ID == "filter" {
		o.ID = desc
	}
	return &Still{node: onair.NewNode(g, &onair.NodeOptions{ID: o.ID}), gen: g}, nil
}

// Node returns the source's graph node.
func (s *Still) Node() *onair.Node { return s.node }

// Picture returns the picture shown. Its planes must not be modified.
func (s *Still) Picture() onair.Picture { return s.gen.pic }

type stillGen struct {
	desc  string
	fopts []filterOpt
	o     Options

	vf     onair.VideoFormat
	rate   int
	pic    onair.Picture
	pos    int64 // samples generated
	slot   int64 // next picture slot
	silent bool  // the graph has no video
}

// render makes the picture for format f by pulling the first frame of a
// source filter graph.
func (g *stillGen) render(f onair.Format) error {
	v := *f.Video
	pf := astiav.FindPixelFormatByName(v.PixelFormat)
	if pf == astiav.PixelFormatNone {
		return fmt.Errorf("%w: unknown pixel format %q", ErrInvalidOption, v.PixelFormat)
	}
	l, err := av.ImageLayout(pf, v.Width, v.Height)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidOption, err)
	}
	fopts := g.fopts
	if g.desc == "color" {
		fopts = append(fopts[:len(fopts):len(fopts)], filterOpt{0, "size", fmt.Sprintf("%dx%d", v.Width, v.Height)})
	}
	sp := graphSpec{opts: fopts, convs: [][2]string{
		{"scale", fmt.Sprintf("w=%d:h=%d", v.Width, v.Height)},
		{"format", "pix_fmts=" + v.PixelFormat},
	}, sink: "buffersink"}
	gr, err := build(g.desc, sp, 1, g.o.Logger)
	if err != nil {
		return err
	}
	defer gr.close()
	fr := astiav.AllocFrame()
	defer fr.Free()
	if err := gr.pull(fr); err != nil {
		if errors.Is(err, astiav.ErrEof) || errors.Is(err, astiav.ErrEagain) {
			return &Error{Description: g.desc, Filter: g.desc, Stage: "configure", Reason: "no picture", Err: err}
		}
		return av.Wrap("av_buffersink_get_frame", err)
	}
	p, err := av.PictureFromFrame(fr, v.PixelFormat, l)
	if err != nil {
		return fmt.Errorf("filter: %w", err)
	}
	g.pic, g.vf, g.rate = p, v, f.SampleRate
	return nil
}

func (g *stillGen) WakeUp(f *onair.Format) error {
	g.pos, g.slot, g.silent = 0, 0, f.Video == nil
	if g.silent || *f.Video == g.vf && f.SampleRate == g.rate {
		return nil
	}
	return g.render(*f)
}

func (g *stillGen) slotPos(k int64) int64 {
	return k * int64(g.rate) * int64(g.vf.FrameRate.Den) / int64(g.vf.FrameRate.Num)
}

func (g *stillGen) Generate(f *onair.Frame) error {
	start := f.Len()
	n := f.Extend(f.Free())
	if g.silent {
		return nil
	}
	end := g.pos + int64(n)
	for sp := g.slotPos(g.slot); sp < end; sp = g.slotPos(g.slot) {
		p := g.pic
		p.Pos = start + int(sp-g.pos)
		f.AddPicture(onair.MainVideo, p)
		g.slot++
	}
	g.pos = end
	return nil
}
