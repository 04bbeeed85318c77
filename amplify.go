package onair

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync/atomic"
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
						if x, err := ParseGain(v); err == nil {
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

// ParseGain parses a gain given as a linear factor ("0.5") or in decibels
// ("-6 dB", "+3dB"), and returns it as a linear factor.
func ParseGain(s string) (float64, error) {
	s = strings.TrimSpace(s)
	db := false
	if len(s) >= 2 && strings.EqualFold(s[len(s)-2:], "db") {
		s, db = strings.TrimSpace(s[:len(s)-2]), true
	}
	x, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
		return 0, fmt.Errorf("%w: gain %q", ErrInvalidOption, s)
	}
	if db {
		return math.Pow(10, x/20), nil
	}
	return x, nil
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
			seg := a[from:to]
			for i := range seg {
				seg[i] *= g
			}
		}
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
