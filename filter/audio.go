package filter

import (
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/asticode/go-astiav"
	"github.com/onair-go/onair"
	"github.com/onair-go/onair/internal/av"
)

// Audio is an operator that runs the main audio track of a source through
// an FFmpeg filter graph. Make it with [NewAudio].
//
// Timing. Each tick the operator hands the filter the samples it takes
// from its source and plays as many: its frames are on the graph's grid
// and as long as its source's. A filter that holds samples back (a
// look-ahead, a block size) makes the operator play silence until its
// first output: the stream is then delayed by the filter's delay, which
// never grows past the most the filter held at once, so there is no
// drift. Track marks, metadata and the other tracks stay at their
// positions: tracks keep their lengths, and the first samples after a
// mark are the delayed end of the previous track (FlushAtTracks changes
// this). A filter that delays its content itself (adelay) plays its own
// silence and keeps the stream's length.
//
// With Options.FlushAtTracks, at each track mark the filter is drained
// (end of stream: FFmpeg hands over what it held), the ending track's
// samples are all played before the mark, and a new filter graph starts
// the next track. The filter's samples past the ending track's length (an
// echo's decay after the end of stream) are dropped so that no track
// grows by more than the filter's delay, which is played as silence at
// its start.
type Audio struct {
	node *onair.Node
	gen  *audioGen
}

// NewAudio returns an operator that plays src's main audio track through
// the filter graph described by desc, in FFmpeg's syntax
// ("acompressor=threshold=-18dB,aecho=0.8:0.9:40:0.3"). The description
// has one input and one output; its output is converted back to the graph
// format (aformat). The graph is built at once, for Options.Format: a bad
// description is an *Error (wrapping ErrBadGraph) naming the filter and
// FFmpeg's reason. The operator keeps src's readiness and fallibility and
// does not propagate errors. opts may be nil.
func NewAudio(src onair.Source, desc string, opts *Options) (*Audio, error) {
	o, f, err := opts.withDefaults(false)
	if err != nil {
		return nil, err
	}
	if src == nil {
		return nil, fmt.Errorf("%w: nil source", ErrInvalidOption)
	}
	g := &audioGen{src: src, desc: desc, o: o}
	if err := g.rebuild(f); err != nil {
		return nil, err
	}
	a := &Audio{gen: g}
	a.node = onair.NewNode(g, &onair.NodeOptions{ID: o.ID, Children: []onair.Source{src}, Fallible: src.Node().Fallible()})
	return a, nil
}

// Node returns the operator's graph node.
func (a *Audio) Node() *onair.Node { return a.node }

// Padding returns the number of samples of silence the operator played
// because the filter held samples back: its delay, plus the delays of
// tracks started since with FlushAtTracks. Safe from any goroutine.
func (a *Audio) Padding() int64 { return a.gen.padding.Load() }

// Dropped returns the number of filtered samples dropped: past MaxBacklog,
// or past a track's end when flushing. Safe from any goroutine.
func (a *Audio) Dropped() int64 { return a.gen.dropped.Load() }

// Close frees the FFmpeg filter graph. Call it after the graph that runs
// the operator has closed. It is idempotent.
func (a *Audio) Close() error {
	a.gen.close()
	return nil
}

type audioGen struct {
	src  onair.Source
	desc string
	o    Options

	rate, channels int
	g              *graph
	frame          *astiav.Frame
	q              *fifo
	gPushed, gOut  int64 // samples into and out of the current filter graph
	draining       bool  // the fifo holds the end of a flushed track
	err            error // why there is no filter graph

	padding, dropped atomic.Int64
}

func (g *audioGen) spec() graphSpec {
	l := av.DefaultLayout(g.channels).String()
	return graphSpec{
		src:     "abuffer",
		srcArgs: fmt.Sprintf("time_base=1/%d:sample_rate=%d:sample_fmt=fltp:channel_layout=%s", g.rate, g.rate, l),
		convs:   [][2]string{{"aformat", fmt.Sprintf("sample_fmts=fltp:sample_rates=%d:channel_layouts=%s", g.rate, l)}},
		sink:    "abuffersink",
	}
}

// rebuild frees the filter graph and builds a fresh one for format f.
func (g *audioGen) rebuild(f onair.Format) error {
	g.g.close()
	g.g = nil
	if g.channels != f.Channels {
		g.q = newFifo(f.Channels)
	}
	g.rate, g.channels = f.SampleRate, f.Channels
	g.gPushed, g.gOut = 0, 0
	gr, err := build(g.desc, g.spec(), g.o.Threads, g.o.Logger)
	g.g, g.err = gr, err
	return err
}

func (g *audioGen) WakeUp(f *onair.Format) error {
	g.q.reset()
	g.draining = false
	if g.g != nil && g.rate == f.SampleRate && g.channels == f.Channels && g.gPushed == 0 {
		return nil
	}
	return g.rebuild(*f)
}

func (g *audioGen) Sleep() {
	g.g.close()
	g.g, g.err = nil, errors.New("filter: asleep")
}

func (g *audioGen) close() {
	g.g.close()
	g.g = nil
	if g.frame != nil {
		g.frame.Free()
		g.frame = nil
	}
	g.err = errors.New("filter: closed")
}

func (g *audioGen) Generate(f *onair.Frame) error {
	if g.g == nil {
		return g.err
	}
	sf := g.src.Node().Peek()
	off := 0
	defer func() { g.src.Node().Consume(off) }()
	for range sf.Len() + 2 { // each round ends a track or the tick
		if g.draining && !g.emitFifo(f) {
			return nil
		}
		if f.Free() == 0 {
			return nil
		}
		lim, flush := g.limit(sf, off, f.Free())
		start := f.Len()
		k := f.Append(sf, off, lim)
		off += k
		if err := g.filter(f, start, k); err != nil {
			return err
		}
		if !flush {
			return nil
		}
		if err := g.flush(); err != nil {
			return err
		}
	}
	return nil
}

// limit returns where in sf to stop taking samples this round: at f's
// room, or at the next track mark when flushing (flush is then true).
func (g *audioGen) limit(sf *onair.Frame, off, free int) (int, bool) {
	end := min(sf.Len(), off+free)
	if !g.o.FlushAtTracks {
		return end, false
	}
	for _, m := range sf.Marks() {
		switch {
		case m < off:
			continue
		case m == off:
			if g.gPushed > 0 {
				return off, true
			}
			continue
		case m > end:
			return end, false
		case m == sf.Len() && m-1 > off:
			// Append would take the mark with the samples before it: take
			// one sample less, the mark is seen at 1 next tick.
			return m - 1, false
		}
		return m, true
	}
	return end, false
}

// filter runs f's audio in [start, start+k) through the filter and
// replaces it with as much filtered audio, silence first when the filter
// has not made enough yet.
func (g *audioGen) filter(f *onair.Frame, start, k int) error {
	audio := f.Audio()
	if k == 0 || audio == nil {
		return nil
	}
	if err := g.push(audio, start, k); err != nil {
		return err
	}
	have := g.q.len()
	pad := max(0, k-have)
	for _, ch := range audio {
		clear(ch[start : start+pad])
	}
	g.q.pop(audio, start+pad, k-pad)
	g.padding.Add(int64(pad))
	if over := g.q.len() - g.backlog(); over > 0 {
		g.q.drop(over)
		g.dropped.Add(int64(over))
	}
	return nil
}

func (g *audioGen) backlog() int {
	return int(g.o.MaxBacklog.Seconds()*float64(g.rate) + 0.5)
}

// push sends audio[ch][start:start+k] to the filter and receives what it
// makes.
func (g *audioGen) push(audio [][]float32, start, k int) error {
	if g.frame == nil {
		g.frame = astiav.AllocFrame()
	}
	fr := g.frame
	fr.SetSampleFormat(astiav.SampleFormatFltp)
	fr.SetSampleRate(g.rate)
	fr.SetChannelLayout(av.DefaultLayout(g.channels))
	fr.SetNbSamples(k)
	if err := fr.AllocBuffer(0); err != nil {
		return av.Wrap("av_frame_get_buffer", err)
	}
	for ch := range g.channels {
		copy(av.Float32Plane(fr, ch), audio[ch][start:start+k])
	}
	fr.SetPts(g.gPushed)
	err := g.g.push(fr)
	fr.Unref()
	if err != nil {
		return av.Wrap("av_buffersrc_add_frame", err)
	}
	g.gPushed += int64(k)
	return g.receive()
}

// receive moves the filter's output frames into the fifo.
func (g *audioGen) receive() error {
	for {
		err := g.g.pull(g.frame)
		if err != nil {
			if errors.Is(err, astiav.ErrEagain) || errors.Is(err, astiav.ErrEof) {
				return nil
			}
			return av.Wrap("av_buffersink_get_frame", err)
		}
		n := g.frame.NbSamples()
		g.q.compact()
		for ch := range g.channels {
			g.q.add(ch, av.Float32Plane(g.frame, ch)[:n])
		}
		g.gOut += int64(n)
		g.frame.Unref()
	}
}

// flush ends the filter's stream, keeps exactly the samples of what it was
// given, and starts a new filter graph.
func (g *audioGen) flush() error {
	if err := g.g.push(nil); err != nil {
		return av.Wrap("av_buffersrc_add_frame", err)
	}
	if err := g.receive(); err != nil {
		return err
	}
	switch d := g.gOut - g.gPushed; {
	case d > 0:
		g.q.trim(int(d))
		g.dropped.Add(d)
	case d < 0:
		g.q.addSilence(int(-d))
	}
	g.draining = g.q.len() > 0
	return g.rebuild(onair.Format{SampleRate: g.rate, Channels: g.channels})
}

// emitFifo plays what the fifo holds after a flush; it reports whether the
// fifo is empty.
func (g *audioGen) emitFifo(f *onair.Frame) bool {
	start := f.Len()
	n := f.Extend(g.q.len())
	if audio := f.Audio(); audio != nil {
		g.q.pop(audio, start, n)
	} else {
		g.q.drop(n)
	}
	g.draining = g.q.len() > 0
	return !g.draining
}

// Remaining is the source's remaining samples, plus, when flushing, what
// the filter and the fifo hold of the current track.
func (g *audioGen) Remaining() int {
	if g.draining {
		return g.q.len()
	}
	r := g.src.Node().Remaining()
	if !g.o.FlushAtTracks || r < 0 {
		return r
	}
	return r + g.q.len() + int(g.gPushed-g.gOut)
}

// Skip ends the source's track; when flushing, what the filter holds of
// the skipped track is dropped with it.
func (g *audioGen) Skip() {
	if g.o.FlushAtTracks && g.g != nil {
		g.q.reset()
		g.draining = false
		if g.gPushed > 0 {
			_ = g.rebuild(onair.Format{SampleRate: g.rate, Channels: g.channels})
		}
	}
	g.src.Node().Skip()
}

// Drain hands over what the filter holds when the graph stops.
func (g *audioGen) Drain(f *onair.Frame) error {
	if g.g == nil {
		return nil
	}
	if err := g.g.push(nil); err != nil {
		return av.Wrap("av_buffersrc_add_frame", err)
	}
	if err := g.receive(); err != nil {
		return err
	}
	g.emitFifo(f)
	g.g.close()
	g.g, g.err = nil, errors.New("filter: drained")
	return nil
}
