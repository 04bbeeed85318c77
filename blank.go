package onair

import (
	"fmt"
	"math"
	"time"
)

// BlankOptions configure [DetectBlank], [Strip] and [SkipBlank]. A nil
// *BlankOptions is valid.
type BlankOptions struct {
	// ID names the operator. It defaults to "blank_detect", "blank_strip"
	// or "blank_skip".
	ID string
	// Threshold is the level in dB below which audio counts as blank. It
	// defaults to -40 (a 0 value means the default; use -0.001 for 0 dB).
	Threshold float64
	// MaxBlank is how long the audio must stay blank before it is declared
	// blank. It defaults to 20s.
	MaxBlank time.Duration
	// MinNoise is how long the audio must stay above the threshold, once
	// blank, before it is declared noisy again. It defaults to 0: the
	// first frame of noise.
	MinNoise time.Duration
	// OnBlank and OnNoise are called when the audio becomes blank and when
	// it becomes noisy again. They run like [Node.OnTrack] callbacks (off
	// the clock goroutine unless the graph uses synchronous callbacks).
	OnBlank, OnNoise func()
}

// blankDetector measures the level of each chunk of audio (the part of a
// frame an operator passes on) and tracks blank and noise durations. The
// blank count restarts at each track mark.
type blankDetector struct {
	node             *Node
	thr              float64 // linear RMS threshold
	maxBlank         time.Duration
	minNoise         time.Duration
	maxN, minN       int
	blank            bool // declared blank
	run              int  // samples of the current blank (or, when blank, noise) run
	onBlank, onNoise func()
}

func newBlankDetector(o BlankOptions) (*blankDetector, error) {
	if o.Threshold == 0 {
		o.Threshold = -40
	}
	if o.MaxBlank == 0 {
		o.MaxBlank = 20 * time.Second
	}
	if o.Threshold > 0 || math.IsNaN(o.Threshold) || o.MaxBlank < 0 || o.MinNoise < 0 {
		return nil, fmt.Errorf("%w: blank detection: threshold %v dB, max blank %v, min noise %v", ErrInvalidOption, o.Threshold, o.MaxBlank, o.MinNoise)
	}
	return &blankDetector{thr: math.Pow(10, o.Threshold/20), maxBlank: o.MaxBlank, minNoise: o.MinNoise, onBlank: o.OnBlank, onNoise: o.OnNoise}, nil
}

func (d *blankDetector) wakeUp(f *Format) {
	d.maxN, d.minN = max(1, f.Samples(d.maxBlank)), f.Samples(d.minNoise)
	d.blank, d.run = false, 0
}

// feed analyses f's audio in [from, to) and reports changes of state.
func (d *blankDetector) feed(f *Frame, from, to int) (becameBlank, becameNoisy bool) {
	if to <= from {
		return false, false
	}
	if !d.blank && nextMark(f, from, to) < to {
		d.run = 0
	}
	sum, n := 0.0, 0
	for _, a := range f.Audio() {
		for _, x := range a[from:to] {
			sum += float64(x) * float64(x)
		}
		n += to - from
	}
	quiet := n == 0 || math.Sqrt(sum/float64(n)) < d.thr
	switch {
	case !d.blank && quiet:
		d.run += to - from
		if d.run >= d.maxN {
			d.blank, d.run = true, 0
			d.fire(d.onBlank)
			return true, false
		}
	case !d.blank:
		d.run = 0
	case d.blank && !quiet:
		d.run += to - from
		if d.run >= d.minN {
			d.blank, d.run = false, 0
			d.fire(d.onNoise)
			return false, true
		}
	default:
		d.run = 0
	}
	return false, false
}

func (d *blankDetector) fire(fn func()) {
	if fn == nil {
		return
	}
	n := d.node
	if n.graph == nil || n.graph.syncCallbacks {
		fn()
		return
	}
	n.graph.dispatch(n, func(Metadata) { fn() }, nil)
}

// DetectBlank returns a source that plays s unchanged and calls
// [BlankOptions.OnBlank] when s has been blank (below the threshold) for
// MaxBlank, and [BlankOptions.OnNoise] when it has been above it again for
// MinNoise. It keeps the fallibility of s and does not propagate errors.
// opts may be nil. It returns an error wrapping [ErrInvalidOption] when s
// is nil or an option is out of range.
func DetectBlank(s Source, opts *BlankOptions) (*Node, error) {
	return newBlankOp(s, opts, "blank_detect", blankDetect)
}

// Strip returns a source that plays s but is unavailable while s is
// blank: from MaxBlank of blank audio until MinNoise of noise. While it is
// unavailable it still pulls s whenever asked whether it is ready, and
// drops that audio. Use it in a [Fallback] to replace a silent live input.
// Strip is fallible and does not propagate errors. opts may be nil.
func Strip(s Source, opts *BlankOptions) (*Node, error) {
	return newBlankOp(s, opts, "blank_strip", blankStrip)
}

// SkipBlank returns a source that plays s and skips the current track of
// s ([Node.Skip]) when it has been blank for MaxBlank. It keeps the
// fallibility of s and does not propagate errors. opts may be nil.
func SkipBlank(s Source, opts *BlankOptions) (*Node, error) {
	return newBlankOp(s, opts, "blank_skip", blankSkip)
}

type blankMode int

const (
	blankDetect blankMode = iota
	blankStrip
	blankSkip
)

func newBlankOp(s Source, opts *BlankOptions, name string, mode blankMode) (*Node, error) {
	o := valueOr(opts)
	id := idOr(o.ID, name)
	if s == nil {
		return nil, fmt.Errorf("%w: %s: nil source", ErrInvalidOption, id)
	}
	d, err := newBlankDetector(o)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", id, err)
	}
	g := &blankOp{src: s, det: d, mode: mode}
	fallible := s.Node().Fallible() || mode == blankStrip
	d.node = NewNode(g, &NodeOptions{ID: id, Children: []Source{s}, Fallible: fallible})
	return d.node, nil
}

type blankOp struct {
	src  Source
	det  *blankDetector
	mode blankMode
}

func (g *blankOp) WakeUp(f *Format) error { g.det.wakeUp(f); return nil }

func (g *blankOp) Ready() bool {
	cn := g.src.Node()
	if !cn.Ready() {
		return false
	}
	if g.mode != blankStrip || !g.det.blank {
		return true
	}
	// Stripping: look at the audio now, drop it while still blank.
	in := cn.Peek()
	_, noisy := g.det.feed(in, 0, in.Len())
	if noisy {
		return true // played from the start of this frame
	}
	cn.Consume(in.Len())
	return false
}

func (g *blankOp) Generate(f *Frame) error {
	cn := g.src.Node()
	in := cn.Peek()
	base := f.Len()
	k := f.Append(in, 0, in.Len())
	cn.Consume(k)
	blank, _ := g.det.feed(f, base, base+k)
	if blank && g.mode == blankSkip {
		cn.Skip()
		g.det.blank, g.det.run = false, 0
	}
	return nil
}
