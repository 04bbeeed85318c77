package onair

import (
	"fmt"
	"io"
	"maps"
	"time"
)

// MaxDuration returns a source that plays s for at most d and then ends
// (io.EOF: it is never ready again until put to sleep and woken up). It
// passes data, marks and metadata through, is fallible, and does not
// propagate errors. It returns an error wrapping [ErrInvalidOption] when s
// is nil or d is not positive.
func MaxDuration(s Source, d time.Duration) (*Node, error) {
	if s == nil || d <= 0 {
		return nil, fmt.Errorf("%w: max_duration: nil source or duration %v", ErrInvalidOption, d)
	}
	return NewNode(&maxDur{src: s, d: d}, &NodeOptions{ID: "max_duration", Children: []Source{s}, Fallible: true}), nil
}

type maxDur struct {
	src  Source
	d    time.Duration
	left int
}

func (g *maxDur) WakeUp(f *Format) error { g.left = max(1, f.Samples(g.d)); return nil }

func (g *maxDur) Ready() bool { return g.left > 0 && g.src.Node().Ready() }

func (g *maxDur) Remaining() int {
	r := g.src.Node().Remaining()
	if r < 0 || r > g.left {
		return g.left
	}
	return r
}

func (g *maxDur) Generate(f *Frame) error {
	cn := g.src.Node()
	in := cn.Peek()
	k := f.Append(in, 0, min(in.Len(), g.left))
	cn.Consume(k)
	g.left -= k
	if g.left <= 0 {
		return io.EOF
	}
	return nil
}

// DelayOptions configure [Delay]. A nil *DelayOptions is valid.
type DelayOptions struct {
	// ID names the operator. It defaults to "delay".
	ID string
	// Initial makes the source unavailable for d from the start too.
	Initial bool
}

// Delay returns a source that plays s but is unavailable for d after the
// end of each track (so that a jingle inside a fallback plays at most once
// every d). The delay is counted in stream time, in whole frames. Delay is
// fallible and does not propagate errors. opts may be nil. It returns an
// error wrapping [ErrInvalidOption] when s is nil or d is negative.
func Delay(s Source, d time.Duration, opts *DelayOptions) (*Node, error) {
	o := valueOr(opts)
	id := idOr(o.ID, "delay")
	if s == nil || d < 0 {
		return nil, fmt.Errorf("%w: %s: nil source or duration %v", ErrInvalidOption, id, d)
	}
	g := &delayer{src: s, d: d, initial: o.Initial}
	g.node = NewNode(g, &NodeOptions{ID: id, Children: []Source{s}, Fallible: true})
	return g.node, nil
}

type delayer struct {
	node    *Node
	src     Source
	d       time.Duration
	initial bool
	until   uint64 // first tick at which the source may play again
	played  bool   // data of the current track was played
}

func (g *delayer) WakeUp(f *Format) error {
	g.played, g.until = false, 0
	if g.initial {
		g.startDelay(f)
	}
	return nil
}

func (g *delayer) startDelay(f *Format) {
	n := f.Samples(g.d)
	size := f.FrameSize()
	g.until = g.node.clock.Ticks() + uint64((n+size-1)/size) + 1
}

func (g *delayer) Ready() bool {
	return g.node.clock.Ticks() >= g.until && g.src.Node().Ready()
}

func (g *delayer) Generate(f *Frame) error {
	cn := g.src.Node()
	in := cn.Peek()
	end := in.Len()
	for _, m := range in.Marks() {
		if m > 0 || g.played {
			end = m
			break
		}
	}
	k := f.Append(in, 0, end)
	cn.Consume(k)
	if k > 0 {
		g.played = true
	}
	if k == end && end < in.Len() {
		// The track ended at a mark: wait before the next one.
		g.played = false
		g.startDelay(f.format)
	}
	return nil
}

// ChopOptions configure [Chop]. A nil *ChopOptions is valid.
type ChopOptions struct {
	// ID names the operator. It defaults to "chop".
	ID string
	// Metadata is added at every track mark Chop inserts.
	Metadata Metadata
}

// Chop returns a source that inserts a track mark every d of s's data:
// d after the last track mark, whether s made it or Chop. It passes data,
// marks and metadata through, keeps the fallibility of s and does not
// propagate errors. opts may be nil. It returns an error wrapping
// [ErrInvalidOption] when s is nil or d is not positive.
func Chop(s Source, d time.Duration, opts *ChopOptions) (*Node, error) {
	o := valueOr(opts)
	id := idOr(o.ID, "chop")
	if s == nil || d <= 0 {
		return nil, fmt.Errorf("%w: %s: nil source or duration %v", ErrInvalidOption, id, d)
	}
	g := &chopper{src: s, d: d, meta: maps.Clone(o.Metadata)}
	return NewNode(g, &NodeOptions{ID: id, Children: []Source{s}, Fallible: s.Node().Fallible()}), nil
}

type chopper struct {
	src   Source
	d     time.Duration
	meta  Metadata
	every int
	n     int // samples since the last mark
}

func (g *chopper) WakeUp(f *Format) error { g.every, g.n = max(1, f.Samples(g.d)), 0; return nil }

func (g *chopper) Remaining() int {
	r, c := g.src.Node().Remaining(), g.every-g.n
	if r < 0 || c < r {
		return c
	}
	return r
}

func (g *chopper) Generate(f *Frame) error {
	cn := g.src.Node()
	in := cn.Peek()
	base := f.Len()
	k := f.Append(in, 0, in.Len())
	cn.Consume(k)
	end := base + k
	for pos := base; pos < end; {
		switch {
		case markAt(f, pos):
			g.n = 0
		case g.n >= g.every:
			f.AddMark(pos)
			if g.meta != nil {
				f.AddMetadata(pos, g.meta)
			}
			g.n = 0
		}
		step := min(nextMark(f, pos+1, end)-pos, g.every-g.n)
		pos += step
		g.n += step
	}
	return nil
}
