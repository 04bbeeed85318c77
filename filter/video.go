package filter

import (
	"errors"
	"fmt"

	"github.com/asticode/go-astiav"
	"github.com/onair-go/onair"
	"github.com/onair-go/onair/internal/av"
)

// Video is an operator that runs the main video track of a source through
// an FFmpeg filter graph. Make it with [NewVideo].
//
// Timing. Each picture the source gives is sent to the filter with its
// position as timestamp (in a time base of one sample of the main rate,
// so the filters' t and pts count stream time), and replaced by the
// filter's next picture at the same position: the video stays on the
// graph's grid, with one picture per picture in. When the filter has no
// picture ready (a filter with a delay, or one that drops pictures), the
// last filtered picture is repeated (the source's picture before the
// first); a filter that makes more pictures than it gets has the extra
// ones dropped past Options.MaxBacklog. Audio, other tracks, track marks
// and metadata pass through at their positions; in a graph without video
// the operator passes everything through.
//
// Now-playing text. Every picture sent to the filter carries the
// source's current metadata (the last metadata the source gave, as
// key=value frame metadata), so that drawtext's expansion
// text='%{metadata\:title}' shows the title of the track playing and
// changes with it, on the first picture at or after the metadata's
// position. Keys may hold any text: drawtext draws them as they are.
//
// With Options.FlushAtTracks the filter is drained at each track mark
// (its held pictures are used for the next positions) and a new filter
// graph starts the next track, so that a filter's state (tmix's history,
// a fade's clock) starts afresh with each track.
type Video struct {
	node *onair.Node
	gen  *videoGen
}

// NewVideo returns an operator that plays src's main video track through
// the filter graph described by desc, in FFmpeg's syntax
// ("drawtext=text='%{metadata\:title}':fontsize=48,scale=1280:720"). The
// description has one input and one output; its output is scaled and
// converted back to the graph's video format. The graph is built at once
// for Options.Format: a bad description is an *Error (wrapping
// ErrBadGraph) naming the filter and FFmpeg's reason. The operator keeps
// src's readiness and fallibility and does not propagate errors. opts may
// be nil.
func NewVideo(src onair.Source, desc string, opts *Options) (*Video, error) {
	o, f, err := opts.withDefaults(true)
	if err != nil {
		return nil, err
	}
	if src == nil {
		return nil, fmt.Errorf("%w: nil source", ErrInvalidOption)
	}
	return newVideo(src, desc, nil, o, f)
}

func newVideo(src onair.Source, desc string, fopts []filterOpt, o Options, f onair.Format) (*Video, error) {
	g := &videoGen{src: src, desc: desc, fopts: fopts, o: o}
	if err := g.rebuild(f); err != nil {
		return nil, err
	}
	v := &Video{gen: g}
	v.node = onair.NewNode(g, &onair.NodeOptions{ID: o.ID, Children: []onair.Source{src}, Fallible: src.Node().Fallible()})
	return v, nil
}

// Node returns the operator's graph node.
func (v *Video) Node() *onair.Node { return v.node }

// Close frees the FFmpeg filter graph. Call it after the graph that runs
// the operator has closed. It is idempotent.
func (v *Video) Close() error {
	v.gen.close()
	return nil
}

type videoGen struct {
	src   onair.Source
	desc  string
	fopts []filterOpt
	o     Options

	vf      onair.VideoFormat
	rate    int
	layout  av.PlaneLayout
	g       *graph
	frame   *astiav.Frame
	queue   []onair.Picture
	last    onair.Picture
	hasLast bool
	pos     int64 // samples appended by Generate so far: the position of f's start
	pushed  int   // pictures sent to the current filter graph
	meta    onair.Metadata
	err     error
	// passthrough is set in a graph without video.
	passthrough bool
}

func (g *videoGen) spec() graphSpec {
	v := g.vf
	return graphSpec{
		src:  "buffer",
		opts: g.fopts,
		srcArgs: fmt.Sprintf("video_size=%dx%d:pix_fmt=%s:time_base=1/%d:pixel_aspect=1/1:frame_rate=%d/%d",
			v.Width, v.Height, v.PixelFormat, g.rate, v.FrameRate.Num, v.FrameRate.Den),
		convs: [][2]string{
			{"scale", fmt.Sprintf("w=%d:h=%d", v.Width, v.Height)},
			{"format", "pix_fmts=" + v.PixelFormat},
		},
		sink: "buffersink",
	}
}

func (g *videoGen) rebuild(f onair.Format) error {
	g.g.close()
	g.g = nil
	pf := astiav.FindPixelFormatByName(f.Video.PixelFormat)
	if pf == astiav.PixelFormatNone {
		return fmt.Errorf("%w: unknown pixel format %q", ErrInvalidOption, f.Video.PixelFormat)
	}
	l, err := av.ImageLayout(pf, f.Video.Width, f.Video.Height)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidOption, err)
	}
	g.vf, g.rate, g.layout, g.pushed = *f.Video, f.SampleRate, l, 0
	gr, err := build(g.desc, g.spec(), g.o.Threads, g.o.Logger)
	g.g, g.err = gr, err
	return err
}

func (g *videoGen) WakeUp(f *onair.Format) error {
	g.queue, g.hasLast, g.meta, g.pos = g.queue[:0], false, nil, 0
	g.passthrough = f.Video == nil
	if g.passthrough {
		return nil // nothing to filter: Generate passes everything through
	}
	if g.g != nil && g.pushed == 0 && *f.Video == g.vf && f.SampleRate == g.rate {
		return nil
	}
	return g.rebuild(*f)
}

func (g *videoGen) Sleep() {
	g.g.close()
	g.g, g.err = nil, errors.New("filter: asleep")
}

func (g *videoGen) close() {
	g.g.close()
	g.g = nil
	if g.frame != nil {
		g.frame.Free()
		g.frame = nil
	}
	g.err = errors.New("filter: closed")
}

func (g *videoGen) format() onair.Format {
	vf := g.vf
	return onair.Format{SampleRate: g.rate, Video: &vf}
}

func (g *videoGen) Generate(f *onair.Frame) error {
	if g.passthrough {
		g.src.Node().Pull(f)
		return nil
	}
	if g.g == nil {
		return g.err
	}
	start := f.Len()
	n := g.src.Node().Pull(f)
	base := g.pos - int64(start)
	g.pos += int64(n)
	t := f.Track(onair.MainVideo)
	if n == 0 || t == nil {
		return nil
	}
	marks, metas := f.Marks(), f.Metadata()
	for i := range t.Pictures {
		p := &t.Pictures[i]
		if p.Pos < start {
			continue
		}
		for len(marks) > 0 && marks[0] <= p.Pos {
			if marks[0] >= start && g.o.FlushAtTracks && g.pushed > 0 {
				if err := g.flush(); err != nil {
					return err
				}
			}
			marks = marks[1:]
		}
		for len(metas) > 0 && metas[0].Pos <= p.Pos {
			if metas[0].Pos >= start {
				g.meta = metas[0].Metadata
			}
			metas = metas[1:]
		}
		if err := g.push(p, base+int64(p.Pos)); err != nil {
			return err
		}
		g.replace(p)
	}
	for _, m := range metas {
		if m.Pos >= start {
			g.meta = m.Metadata
		}
	}
	return nil
}

// push sends picture p at absolute position pos to the filter, with the
// current metadata, and queues what the filter makes.
func (g *videoGen) push(p *onair.Picture, pos int64) error {
	if g.frame == nil {
		g.frame = astiav.AllocFrame()
	}
	fr := g.frame
	pf := astiav.FindPixelFormatByName(p.PixelFormat)
	if p.PixelFormat == "" {
		pf = astiav.FindPixelFormatByName(g.vf.PixelFormat)
	}
	fr.SetWidth(p.Width)
	fr.SetHeight(p.Height)
	fr.SetPixelFormat(pf)
	fr.SetSampleAspectRatio(astiav.NewRational(1, 1))
	if err := fr.AllocBuffer(0); err != nil {
		return av.Wrap("av_frame_get_buffer", err)
	}
	if err := av.CopyPicture(fr, p); err != nil {
		fr.Unref()
		return fmt.Errorf("filter: %w", err)
	}
	if len(g.meta) > 0 {
		d := astiav.NewDictionary()
		for k, v := range g.meta {
			if err := d.Set(k, v, 0); err != nil {
				d.Free()
				fr.Unref()
				return av.Wrap("av_dict_set", err)
			}
		}
		fr.SetMetadata(d) // the frame owns it now
	}
	fr.SetPts(pos)
	err := g.g.push(fr)
	fr.Unref()
	if err != nil {
		return av.Wrap("av_buffersrc_add_frame", err)
	}
	g.pushed++
	return g.receive()
}

func (g *videoGen) receive() error {
	for {
		err := g.g.pull(g.frame)
		if err != nil {
			if errors.Is(err, astiav.ErrEagain) || errors.Is(err, astiav.ErrEof) {
				return nil
			}
			return av.Wrap("av_buffersink_get_frame", err)
		}
		p, err := av.PictureFromFrame(g.frame, g.vf.PixelFormat, g.layout)
		g.frame.Unref()
		if err != nil {
			return fmt.Errorf("filter: %w", err)
		}
		g.queue = append(g.queue, p)
	}
}

// replace puts the filter's next picture in p's place (keeping its
// position), or the last one when the filter has none ready.
func (g *videoGen) replace(p *onair.Picture) {
	if max := g.backlog(); len(g.queue) > max {
		g.queue = g.queue[len(g.queue)-max:]
	}
	pos := p.Pos
	switch {
	case len(g.queue) > 0:
		g.last, g.hasLast = g.queue[0], true
		g.queue = g.queue[1:]
		*p = g.last
	case g.hasLast:
		*p = g.last
	}
	p.Pos = pos
}

func (g *videoGen) backlog() int {
	n := int(g.o.MaxBacklog.Seconds() * float64(g.vf.FrameRate.Num) / float64(g.vf.FrameRate.Den))
	return max(n, 1)
}

// flush drains the filter into the queue and starts a new filter graph.
func (g *videoGen) flush() error {
	if err := g.g.push(nil); err != nil {
		return av.Wrap("av_buffersrc_add_frame", err)
	}
	if err := g.receive(); err != nil {
		return err
	}
	return g.rebuild(g.format())
}
