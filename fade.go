package onair

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// FadeCurve is the shape of a fade: how the gain goes from 0 to 1.
type FadeCurve int

const (
	// CurveLinear raises the gain linearly (Liquidsoap's "lin").
	CurveLinear FadeCurve = iota
	// CurveSin follows half a sine period: slow at both ends ("sin").
	CurveSin
	// CurveLog rises fast then slowly ("log").
	CurveLog
	// CurveExp rises slowly then fast ("exp").
	CurveExp
)

// String returns the curve's Liquidsoap name.
func (c FadeCurve) String() string {
	switch c {
	case CurveLinear:
		return "lin"
	case CurveSin:
		return "sin"
	case CurveLog:
		return "log"
	case CurveExp:
		return "exp"
	}
	return "FadeCurve(" + strconv.Itoa(int(c)) + ")"
}

// gain returns the gain of the curve at x, the fraction of the fade done
// (clamped to [0, 1]). gain(0) is 0 and gain(1) is 1 for every curve.
// steepness shapes CurveLog and CurveExp (Liquidsoap's curve parameter,
// 10 when 0 or less).
func (c FadeCurve) gain(x, steepness float64) float64 {
	x = min(max(x, 0), 1)
	if steepness <= 1 {
		steepness = 10
	}
	switch c {
	case CurveSin:
		return (1 + math.Sin((x-0.5)*math.Pi)) / 2
	case CurveLog:
		return math.Log1p((steepness-1)*x) / math.Log(steepness)
	case CurveExp:
		return (math.Pow(steepness, x) - 1) / (steepness - 1)
	}
	return x
}

// FadeOptions configure [FadeIn] and [FadeOut]. A nil *FadeOptions is
// valid.
type FadeOptions struct {
	// ID names the operator. It defaults to "fade_in" or "fade_out".
	ID string
	// Duration is the length of the fade. It defaults to 3s.
	Duration time.Duration
	// Curve is the fade's shape. It defaults to CurveLinear.
	Curve FadeCurve
	// Steepness shapes CurveLog and CurveExp. It defaults to 10.
	Steepness float64
	// DurationKey is the metadata key that overrides Duration for one
	// track, in seconds ("2.5"; "0" disables the fade). It defaults to
	// "liq_fade_in" for FadeIn and "liq_fade_out" for FadeOut. FadeIn reads
	// it at the start of the track; FadeOut anywhere in the track before
	// the fade.
	DurationKey string
	// DisableOverride ignores the duration metadata.
	DisableOverride bool
}

// FadeIn returns a source that fades in every track of s (and the start
// of the stream) over the fade duration, sample-exactly across frames. It
// passes data, marks and metadata through, keeps the fallibility of s and
// does not propagate errors. opts may be nil. It returns an error wrapping
// [ErrInvalidOption] when s is nil or an option is out of range.
func FadeIn(s Source, opts *FadeOptions) (*Node, error) {
	return newFade(s, opts, true)
}

// FadeOut returns a source that fades out the end of every track of s
// over the fade duration. It needs to know how much of the track is left
// ([Node.Remaining]): tracks whose end is unknown are not faded until
// their end is in sight (a track mark within the current frame). It
// passes data, marks and metadata through, keeps the fallibility of s and
// does not propagate errors. opts may be nil. It returns an error wrapping
// [ErrInvalidOption] when s is nil or an option is out of range.
func FadeOut(s Source, opts *FadeOptions) (*Node, error) {
	return newFade(s, opts, false)
}

func newFade(s Source, opts *FadeOptions, in bool) (*Node, error) {
	o := valueOr(opts)
	name, key := "fade_out", "liq_fade_out"
	if in {
		name, key = "fade_in", "liq_fade_in"
	}
	id := idOr(o.ID, name)
	switch {
	case s == nil:
		return nil, fmt.Errorf("%w: %s: nil source", ErrInvalidOption, id)
	case o.Duration < 0:
		return nil, fmt.Errorf("%w: %s: negative duration %v", ErrInvalidOption, id, o.Duration)
	case o.Curve < CurveLinear || o.Curve > CurveExp:
		return nil, fmt.Errorf("%w: %s: unknown curve %v", ErrInvalidOption, id, o.Curve)
	}
	if o.Duration == 0 {
		o.Duration = 3 * time.Second
	}
	g := &fader{src: s, in: in, dur: o.Duration, curve: o.Curve, steep: o.Steepness, key: idOr(o.DurationKey, key)}
	if o.DisableOverride {
		g.key = ""
	}
	return NewNode(g, &NodeOptions{ID: id, Children: []Source{s}, Fallible: s.Node().Fallible()}), nil
}

type fader struct {
	src   Source
	in    bool
	dur   time.Duration
	curve FadeCurve
	steep float64
	key   string

	def int // default fade length, samples
	d   int // fade length of the current track
	t   int // FadeIn: position in the current track
}

func (g *fader) WakeUp(f *Format) error {
	g.def = f.Samples(g.dur)
	g.d, g.t = g.def, 0
	return nil
}

// override reads the duration metadata at pos, if any.
func (g *fader) override(f *Frame, pos int) {
	if g.key == "" {
		return
	}
	for _, m := range f.meta {
		if m.Pos != pos {
			continue
		}
		v, ok := m.Metadata[g.key]
		if !ok {
			continue
		}
		if x, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil && x >= 0 && x < 1e6 {
			g.d = f.format.Samples(time.Duration(x * float64(time.Second)))
		}
	}
}

func (g *fader) Generate(f *Frame) error {
	cn := g.src.Node()
	in := cn.Peek()
	base := f.Len()
	k := f.Append(in, 0, in.Len())
	cn.Consume(k)
	end := base + k
	left := -1 // FadeOut: samples left in the track after end
	if !g.in {
		left = cn.Remaining()
	}
	for pos := base; pos <= end; {
		if markAt(f, pos) {
			g.d, g.t = g.def, 0
		}
		if g.in && g.t == 0 || !g.in {
			g.override(f, pos)
		}
		if pos == end {
			break
		}
		next := nextEvent(f, pos+1, end)
		if g.in {
			g.fadeIn(f, pos, next)
		} else {
			trackEnd := -1 // position where the track ends, if known
			if nm := nextMark(f, pos+1, end); nm < end {
				trackEnd = nm
			} else if left >= 0 {
				trackEnd = end + left
			}
			if trackEnd >= 0 {
				g.fadeOut(f, pos, next, trackEnd)
			}
		}
		pos = next
	}
	return nil
}

func (g *fader) fadeIn(f *Frame, from, to int) {
	if g.t >= g.d {
		return
	}
	n := min(to-from, g.d-g.t)
	for i := range n {
		applyGain(f, from+i, float32(g.curve.gain(float64(g.t+i)/float64(g.d), g.steep)))
	}
	g.t += to - from
}

// fadeOut scales [from, to) for a track that ends at trackEnd.
func (g *fader) fadeOut(f *Frame, from, to, trackEnd int) {
	for i := max(from, trackEnd-g.d); i < to; i++ {
		rem := trackEnd - i - 1 // samples after i in the track
		applyGain(f, i, float32(g.curve.gain(float64(rem)/float64(g.d), g.steep)))
	}
}

// applyGain scales the audio sample at position i on every channel.
func applyGain(f *Frame, i int, g float32) {
	for ti := range f.tracks {
		t := &f.tracks[ti]
		if t.Kind != AudioTrack {
			continue
		}
		for _, a := range t.Audio {
			a[i] *= g
		}
	}
}

// nextMark returns the first track mark of f in [from, to), or to.
func nextMark(f *Frame, from, to int) int {
	for _, m := range f.marks {
		if m >= from {
			return min(m, to)
		}
	}
	return to
}
