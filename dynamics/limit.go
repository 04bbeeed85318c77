package dynamics

import (
	"fmt"
	"io"
	"math"
	"sync/atomic"
	"time"

	"github.com/onair-go/onair"
)

// LimitOptions configure [Limit]. A nil *LimitOptions is valid; zero
// fields take the defaults.
type LimitOptions struct {
	// ID names the operator. It defaults to "limit".
	ID string
	// Ceiling is the highest true-peak level of the output in dBTP, from
	// -60 to 0 (exclusive). It defaults to -1 dBTP (EBU R 128).
	Ceiling float64
	// Lookahead is how far ahead the limiter sees peaks coming, which is
	// also how long the gain takes to go down before one (from 1ms to
	// 100ms). The audio is delayed by that much, plus 7 samples of the
	// true-peak interpolation. It defaults to 5ms.
	Lookahead time.Duration
	// Release is the time constant with which the gain comes back after a
	// peak, up to 10s. It defaults to 50ms.
	Release time.Duration
}

// Limiter is the source returned by [Limit].
type Limiter struct {
	node      *onair.Node
	reduction atomic.Uint64 // float64 bits, dB
}

// Node returns the operator's graph node.
func (l *Limiter) Node() *onair.Node { return l.node }

// Reduction returns the largest gain reduction of the last tick, in dB (0
// or negative). Safe from any goroutine.
func (l *Limiter) Reduction() float64 { return math.Float64frombits(l.reduction.Load()) }

// Limit returns a source that keeps the true peak of the main audio of src
// under a ceiling, looking ahead so that the gain is already down when a
// peak comes, with linked channels.
//
// The look-ahead delays the audio by Lookahead (plus 7 samples); track
// marks and metadata are delayed with it, so they stay on the sample they
// were on, and the output has exactly the samples of the input: the first
// frame after the limiter wakes up is shorter by the delay, and when src
// ends the held samples are played before the limiter ends (io.EOF). While
// src is unready the held samples wait for it; when the graph closes they
// are drained to the outputs. Tracks other than the main
// audio track are dropped, and a graph with video is refused when it
// starts (the video would not be delayed). Limit keeps the fallibility of
// src and does not propagate errors. opts may be nil. It returns an error
// wrapping [onair.ErrInvalidOption] when src is nil or an option is out of
// range.
func Limit(src onair.Source, opts *LimitOptions) (*Limiter, error) {
	var o LimitOptions
	if opts != nil {
		o = *opts
	}
	o.ID = orDefault(o.ID, "limit")
	if src == nil {
		return nil, fmt.Errorf("%w: %s: nil source", onair.ErrInvalidOption, o.ID)
	}
	o.Ceiling = orDefault(o.Ceiling, -1)
	o.Lookahead = orDefault(o.Lookahead, 5*time.Millisecond)
	o.Release = orDefault(o.Release, 50*time.Millisecond)
	if err := checkDB(o.ID, "ceiling", o.Ceiling, -60, 0); err != nil {
		return nil, err
	}
	if o.Lookahead < time.Millisecond || o.Lookahead > 100*time.Millisecond {
		return nil, fmt.Errorf("%w: %s: look-ahead %v (1ms to 100ms)", onair.ErrInvalidOption, o.ID, o.Lookahead)
	}
	if err := checkTime(o.ID, "release", o.Release, 10*time.Second); err != nil {
		return nil, err
	}
	l := &Limiter{}
	g := &limiter{l: l, src: src, o: o}
	l.node = onair.NewNode(g, &onair.NodeOptions{ID: o.ID, Children: []onair.Source{src}, Fallible: src.Node().Fallible()})
	return l, nil
}

// event is a track mark (meta == nil) or metadata at an absolute input
// position, waiting for its sample to leave the delay line.
type event struct {
	pos  int64
	mark bool
	meta onair.Metadata
}

// maxEvents bounds the marks and metadata waiting in the delay line; more
// (hundreds per look-ahead) are dropped, oldest first.
const maxEvents = 256

type limiter struct {
	l      *Limiter
	src    onair.Source
	o      LimitOptions
	core   *limitCore
	inPos  int64 // input samples taken
	outPos int64 // output samples given
	ev     []event
	done   bool
}

func (g *limiter) WakeUp(f *onair.Format) error {
	if f.Video != nil {
		return fmt.Errorf("%w: %s: the limiter delays audio only and cannot be used in a graph with video", onair.ErrInvalidOption, g.o.ID)
	}
	la := max(1, f.Samples(g.o.Lookahead))
	if g.core == nil || len(g.core.line) != f.Channels || g.core.la != la {
		g.core = newLimitCore(f.Channels, la, dbToLin(g.o.Ceiling), coef(g.o.Release, f.SampleRate))
		g.ev = make([]event, 0, maxEvents)
	} else {
		g.core.reset()
	}
	g.inPos, g.outPos, g.ev, g.done = 0, 0, g.ev[:0], false
	return nil
}

func (g *limiter) Ready() bool {
	cn := g.src.Node()
	return !g.done && (cn.Ready() || (cn.Ended() && g.inPos > g.outPos))
}

func (g *limiter) Remaining() int {
	r := g.src.Node().Remaining()
	if r < 0 {
		return r
	}
	return r + int(g.inPos-g.outPos)
}

func (g *limiter) Generate(f *onair.Frame) error { return g.generate(f, false) }

// Drain hands over the samples the look-ahead holds when the graph stops
// (after what the source itself drains), so that outputs write them.
func (g *limiter) Drain(f *onair.Frame) error { return g.generate(f, true) }

func (g *limiter) generate(f *onair.Frame, drain bool) error {
	cn := g.src.Node()
	base, free := f.Len(), f.Free()
	out := 0
	if cn.Ready() {
		in := cn.Peek()
		held := g.core.held()
		// Take as much as fits once the delay line is full.
		k := min(in.Len(), free+g.core.delay-held)
		g.queue(in, k)
		f.Extend(max(0, k-(g.core.delay-held)))
		out = g.core.run(in.Audio(), 0, k, f.Audio(), base)
		cn.Consume(k)
	}
	if drain || (cn.Ended() && !cn.Ready()) {
		// Play what the delay line holds.
		left := int(g.inPos - g.outPos - int64(out))
		n := f.Extend(min(left, f.Free()))
		out += g.core.run(nil, 0, n, f.Audio(), base+out)
	}
	g.emit(f, base, out)
	g.outPos += int64(out)
	g.l.reduction.Store(math.Float64bits(g.core.takeMin()))
	if cn.Ended() && !cn.Ready() && g.outPos == g.inPos {
		g.done = true
		return io.EOF
	}
	return nil
}

// queue records the marks and metadata of in's first k samples (and at k,
// when that is the end of in) and counts the samples taken.
func (g *limiter) queue(in *onair.Frame, k int) {
	last := k
	if k < in.Len() {
		last = k - 1
	}
	for _, m := range in.Marks() {
		if m <= last {
			g.add(event{pos: g.inPos + int64(m), mark: true})
		}
	}
	for _, m := range in.Metadata() {
		if m.Pos <= last {
			g.add(event{pos: g.inPos + int64(m.Pos), meta: m.Metadata})
		}
	}
	g.inPos += int64(k)
}

func (g *limiter) add(e event) {
	if len(g.ev) == cap(g.ev) {
		copy(g.ev, g.ev[1:])
		g.ev = g.ev[:len(g.ev)-1]
	}
	g.ev = append(g.ev, e)
}

// emit places the waiting marks and metadata whose samples were just
// given, at f positions base.. base+n (the end only once the input ended).
func (g *limiter) emit(f *onair.Frame, base, n int) {
	end := g.outPos + int64(n)
	final := g.src.Node().Ended() && end == g.inPos
	i := 0
	for _, e := range g.ev {
		if e.pos < end || (final && e.pos == end) {
			pos := base + int(e.pos-g.outPos)
			if e.mark {
				f.AddMark(pos)
			} else {
				f.AddMetadata(pos, e.meta)
			}
			continue
		}
		g.ev[i] = e
		i++
	}
	g.ev = g.ev[:i]
}
