package loudness

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/internal/gain"
)

// Metadata keys read by [Normalize] (matched without regard to case).
const (
	// ReplayGainKey holds a ReplayGain 2.0 track gain ("-7.03 dB"),
	// relative to -18 LUFS.
	ReplayGainKey = "replaygain_track_gain"
	// R128GainKey holds an Opus R128 track gain: an integer in 1/256 dB
	// (Q7.8), relative to -23 LUFS.
	R128GainKey = "r128_track_gain"
	// LoudnessKey holds a track's measured integrated loudness
	// ("-9.3 LUFS" or "-9.3"), as the file analysis writes it.
	LoudnessKey = "liq_loudness"
	// AmplifyKey holds a gain that overrides everything else ("0.5" or
	// "-6 dB"), as in [onair.Amplify].
	AmplifyKey = "liq_amplify"
)

// NormalizeOptions configure [Normalize]. A nil *NormalizeOptions is valid.
type NormalizeOptions struct {
	// ID names the operator. It defaults to "normalize".
	ID string
	// Target is the loudness tracks are brought to, in LUFS, from -70 to
	// 0. It defaults to -14 LUFS.
	Target float64
	// MaxGain caps the gain, in dB, so that a very quiet track is not
	// raised into clipping (put a limiter after). From 0 to 60; it
	// defaults to 12 dB.
	MaxGain float64
	// OverrideKey is the metadata key whose gain overrides the computed
	// one. It defaults to AmplifyKey; DisableOverride ignores it.
	OverrideKey     string
	DisableOverride bool
}

// Normalizer is the source returned by [Normalize].
type Normalizer struct {
	node *onair.Node
	gain atomic.Uint64 // float64 bits, dB
}

// Node returns the operator's graph node.
func (n *Normalizer) Node() *onair.Node { return n.node }

// Gain returns the gain applied to the current track, in dB. Safe from any
// goroutine.
func (n *Normalizer) Gain() float64 { return math.Float64frombits(n.gain.Load()) }

// Normalize returns a source that brings each track of src to a target
// loudness with a constant gain per track, chosen at the track mark from
// the metadata at the mark's position, in this order: the override key
// (liq_amplify, a gain as such), ReplayGain (REPLAYGAIN_TRACK_GAIN),
// Opus R128 (R128_TRACK_GAIN), the measured loudness (liq_loudness). A
// track with none of them plays at unity gain. The gain changes only at
// track marks; metadata inside a track does not change it. Gains above
// MaxGain are capped.
//
// Normalize passes data, marks and metadata through, keeps the fallibility
// of src and does not propagate errors. opts may be nil. It returns an
// error wrapping [onair.ErrInvalidOption] when src is nil or an option is
// out of range.
func Normalize(src onair.Source, opts *NormalizeOptions) (*Normalizer, error) {
	var o NormalizeOptions
	if opts != nil {
		o = *opts
	}
	if o.ID == "" {
		o.ID = "normalize"
	}
	if src == nil {
		return nil, fmt.Errorf("%w: %s: nil source", onair.ErrInvalidOption, o.ID)
	}
	if o.Target == 0 {
		o.Target = -14
	}
	if o.MaxGain == 0 {
		o.MaxGain = 12
	}
	if o.OverrideKey == "" {
		o.OverrideKey = AmplifyKey
	}
	if math.IsNaN(o.Target) || o.Target < -70 || o.Target > 0 {
		return nil, fmt.Errorf("%w: %s: target %v LUFS (-70 to 0)", onair.ErrInvalidOption, o.ID, o.Target)
	}
	if math.IsNaN(o.MaxGain) || o.MaxGain < 0 || o.MaxGain > 60 {
		return nil, fmt.Errorf("%w: %s: maximum gain %v dB (0 to 60)", onair.ErrInvalidOption, o.ID, o.MaxGain)
	}
	n := &Normalizer{}
	g := &normalizer{n: n, src: src, o: o, lin: 1}
	n.node = onair.NewNode(g, &onair.NodeOptions{ID: o.ID, Children: []onair.Source{src}, Fallible: src.Node().Fallible()})
	return n, nil
}

type normalizer struct {
	n   *Normalizer
	src onair.Source
	o   NormalizeOptions
	lin float32 // current linear gain
}

func (g *normalizer) WakeUp(*onair.Format) error { g.set(0); return nil }

func (g *normalizer) set(db float64) {
	g.lin = float32(math.Pow(10, db/20))
	g.n.gain.Store(math.Float64bits(db))
}

func (g *normalizer) Generate(f *onair.Frame) error {
	cn := g.src.Node()
	in := cn.Peek()
	base := f.Len()
	k := f.Append(in, 0, in.Len())
	cn.Consume(k)
	end := base + k
	audio := f.Audio()
	pos := base
	for _, mk := range f.Marks() {
		if mk < base || mk > end {
			continue // marks before base were handled last tick
		}
		scale(audio, pos, mk, g.lin)
		pos = mk
		g.set(g.trackGain(f, mk))
	}
	scale(audio, pos, end, g.lin)
	if cn.Ended() && k == in.Len() {
		return io.EOF // the source ended: so do we
	}
	return nil
}

// trackGain returns the gain in dB for the track starting at pos of f.
func (g *normalizer) trackGain(f *onair.Frame, pos int) float64 {
	var amp, rg, r128, lufs string
	for _, m := range f.Metadata() {
		if m.Pos != pos {
			continue
		}
		for k, v := range m.Metadata {
			switch {
			case !g.o.DisableOverride && strings.EqualFold(k, g.o.OverrideKey):
				amp = v
			case strings.EqualFold(k, ReplayGainKey):
				rg = v
			case strings.EqualFold(k, R128GainKey):
				r128 = v
			case strings.EqualFold(k, LoudnessKey):
				lufs = v
			}
		}
	}
	if amp != "" {
		if x, err := gain.Parse(amp); err == nil && x > 0 {
			return 20 * math.Log10(x) // as given: not capped
		}
	}
	db, ok := 0.0, false
	if x, err := parseUnit(rg, "db"); rg != "" && err == nil {
		db, ok = x+g.o.Target+18, true
	} else if x, err := strconv.Atoi(strings.TrimSpace(r128)); r128 != "" && err == nil {
		db, ok = float64(x)/256+g.o.Target+23, true
	} else if x, err := parseUnit(lufs, "lufs"); lufs != "" && err == nil && x > -70 {
		db, ok = g.o.Target-x, true
	}
	if !ok {
		return 0
	}
	return min(db, g.o.MaxGain)
}

// parseUnit parses a number optionally followed by unit (any case).
func parseUnit(s, unit string) (float64, error) {
	s = strings.TrimSpace(s)
	if n := len(s) - len(unit); n >= 0 && strings.EqualFold(s[n:], unit) {
		s = strings.TrimSpace(s[:n])
	}
	x, err := strconv.ParseFloat(s, 64)
	if err == nil && (math.IsNaN(x) || math.IsInf(x, 0)) {
		return 0, strconv.ErrRange
	}
	return x, err
}

// scale multiplies audio[c][from:to] by g.
func scale(audio [][]float32, from, to int, g float32) {
	if g == 1 || from >= to {
		return
	}
	for _, ch := range audio {
		for i := range ch[from:to] {
			ch[from+i] *= g
		}
	}
}
