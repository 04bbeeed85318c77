package onair

import (
	"fmt"
	"math"
	"sync/atomic"

	"github.com/onair-go/onair/internal/gain"
)

// AmplifyOptions configure [Amplify]. A nil *AmplifyOptions is valid.
type AmplifyOptions struct {
	// ID names the operator. It defaults to "amplify".
	ID string
	// OverrideKey is the metadata key that overrides the factor for the
	// rest of the current track, as a linear factor ("0.5") or in decibels
	// ("-6 dB"). It defaults to "liq_amplify". Values that do not parse are
	// ignored.
	OverrideKey string
	// DisableOverride ignores the override metadata.
	DisableOverride bool
}

// Amplifier is the source returned by [Amplify]. Its factor can be changed
// while the graph runs.
type Amplifier struct {
	node   *Node
	factor atomic.Uint64 // float64 bits
}

// Node returns the operator's graph node.
func (a *Amplifier) Node() *Node { return a.node }

// SetFactor sets the linear gain applied from the next frame on. Safe
// from any goroutine.
func (a *Amplifier) SetFactor(x float64) { a.factor.Store(math.Float64bits(x)) }

// Factor returns the current linear gain. Safe from any goroutine.
func (a *Amplifier) Factor() float64 { return math.Float64frombits(a.factor.Load()) }

// Amplify returns a source that multiplies the audio of s by factor
// (linear: 0.5 is about -6 dB). A track whose metadata carries the
// override key uses that gain instead, from the metadata's position to the
// end of the track. Amplify passes data, marks and metadata through, keeps
// the fallibility of s and does not propagate errors. opts may be nil. It
// returns an error wrapping [ErrInvalidOption] when s is nil or factor is
// not finite.
func Amplify(s Source, factor float64, opts *AmplifyOptions) (*Amplifier, error) {
	o := valueOr(opts)
	id := idOr(o.ID, "amplify")
	if s == nil {
		return nil, fmt.Errorf("%w: %s: nil source", ErrInvalidOption, id)
	}
	if math.IsNaN(factor) || math.IsInf(factor, 0) {
		return nil, fmt.Errorf("%w: %s: factor %v", ErrInvalidOption, id, factor)
	}
	a := &Amplifier{}
	a.SetFactor(factor)
	g := &amplifier{a: a, src: s, key: idOr(o.OverrideKey, "liq_amplify")}
	if o.DisableOverride {
		g.key = ""
	}
	a.node = NewNode(g, &NodeOptions{ID: id, Children: []Source{s}, Fallible: s.Node().Fallible()})
	return a, nil
}

type amplifier struct {
	a        *Amplifier
	src      Source
	key      string
	override float64
	has      bool
}

func (g *amplifier) WakeUp(*Format) error { g.has = false; return nil }

func (g *amplifier) Generate(f *Frame) error {
	cn := g.src.Node()
	in := cn.Peek()
	base := f.Len()
	k := f.Append(in, 0, in.Len())
	cn.Consume(k)
	factor := float32(g.a.Factor())
	end := base + k
	for pos := base; pos <= end; {
		if markAt(f, pos) {
			g.has = false
		}
		if g.key != "" {
			for _, m := range f.meta {
				if m.Pos == pos {
					if v, ok := m.Metadata[g.key]; ok {
						if x, err := gain.Parse(v); err == nil {
							g.override, g.has = x, true
						}
					}
				}
			}
		}
		if pos == end {
			break
		}
		next := nextEvent(f, pos+1, end)
		gain := factor
		if g.has {
			gain = float32(g.override)
		}
		scaleAudio(f, pos, next, gain)
		pos = next
	}
	return nil
}

// scaleAudio multiplies the audio of f in [from, to) by g.
func scaleAudio(f *Frame, from, to int, g float32) {
	from = max(from, min(f.zero, to)) // silence scales to itself
	if g == 1 || from >= to {
		return
	}
	for ti := range f.tracks {
		t := &f.tracks[ti]
		if t.Kind != AudioTrack {
			continue
		}
		for _, a := range t.Audio {
			scale(a[from:to], g)
		}
	}
}

// scale multiplies a by g, eight samples a step (independent multiplies
// the processor runs side by side, with one bounds check per step).
func scale(a []float32, g float32) {
	i := 0
	for ; i+8 <= len(a); i += 8 {
		s := a[i : i+8 : i+8]
		s[0], s[1], s[2], s[3] = s[0]*g, s[1]*g, s[2]*g, s[3]*g
		s[4], s[5], s[6], s[7] = s[4]*g, s[5]*g, s[6]*g, s[7]*g
	}
	for ; i < len(a); i++ {
		a[i] *= g
	}
}

// markAt reports whether f has a track mark at pos.
func markAt(f *Frame, pos int) bool {
	for _, m := range f.marks {
		if m == pos {
			return true
		}
		if m > pos {
			break
		}
	}
	return false
}

// nextEvent returns the first position in [from, to) of f that holds a
// track mark or metadata, or to.
func nextEvent(f *Frame, from, to int) int {
	e := to
	for _, m := range f.marks {
		if m >= from {
			e = min(e, m)
			break
		}
	}
	for _, m := range f.meta {
		if m.Pos >= from {
			e = min(e, m.Pos)
			break
		}
	}
	return e
}
