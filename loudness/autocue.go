package loudness

import (
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/onair-go/onair"
)

// AutocueOptions configure the cue points of [Analyze], after Liquidsoap's
// autocue. Thresholds are in LU relative to the track's integrated
// loudness; zero fields take the defaults (Liquidsoap's).
type AutocueOptions struct {
	// CueInThreshold: the track starts at the first 100 ms above it. It
	// defaults to -34 LU.
	CueInThreshold float64
	// CueOutThreshold: the track ends after the last 100 ms above it. It
	// defaults to -42 LU.
	CueOutThreshold float64
	// CrossThreshold: the next track may start once the momentary loudness
	// (400 ms) has fallen below it for good. It defaults to -7 LU.
	CrossThreshold float64
	// MaxOverlap caps the overlap of two tracks, from the crossfade start
	// to the cue-out. It defaults to 6s.
	MaxOverlap time.Duration
}

// Cues are the cue points of a track, from its start.
type Cues struct {
	// CueIn is where audible content starts and CueOut where it ends.
	CueIn, CueOut time.Duration
	// CrossStart is where the next track should start to fade in:
	// between CueIn and CueOut, at most MaxOverlap before CueOut.
	CrossStart time.Duration
}

func (o *AutocueOptions) check() (AutocueOptions, error) {
	var c AutocueOptions
	if o != nil {
		c = *o
	}
	if c.CueInThreshold == 0 {
		c.CueInThreshold = -34
	}
	if c.CueOutThreshold == 0 {
		c.CueOutThreshold = -42
	}
	if c.CrossThreshold == 0 {
		c.CrossThreshold = -7
	}
	if c.MaxOverlap == 0 {
		c.MaxOverlap = 6 * time.Second
	}
	for _, th := range []float64{c.CueInThreshold, c.CueOutThreshold, c.CrossThreshold} {
		if math.IsNaN(th) || th < -70 || th > 0 {
			return c, fmt.Errorf("%w: loudness: autocue threshold %v LU (-70 to 0)", onair.ErrInvalidOption, th)
		}
	}
	if c.MaxOverlap < 0 {
		return c, fmt.Errorf("%w: loudness: autocue maximum overlap %v", onair.ErrInvalidOption, c.MaxOverlap)
	}
	return c, nil
}

// autocue finds the cue points from the mean energies of the 100 ms
// sub-blocks of a track (sub-block k ends at (k+1)·rate/10 samples) of
// integrated loudness integ and length total samples.
func autocue(o AutocueOptions, sub []float64, integ float64, rate int, total int64) Cues {
	end := func(k int) time.Duration { // end of sub-block k
		n := min(int64(k+1)*int64(rate)/10, total)
		return time.Duration(n) * time.Second / time.Duration(rate)
	}
	length := time.Duration(total) * time.Second / time.Duration(rate)
	c := Cues{CueOut: length, CrossStart: length}
	if math.IsInf(integ, -1) || len(sub) == 0 {
		return c
	}
	in, out, cross := integ+o.CueInThreshold, integ+o.CueOutThreshold, integ+o.CrossThreshold
	first, last := -1, -1
	for k, e := range sub {
		l := energyToLUFS(e)
		if l > in && first < 0 {
			first = k
		}
		if l > out {
			last = k
		}
	}
	if first > 0 {
		c.CueIn = end(first - 1)
	}
	if last >= 0 {
		c.CueOut = end(last)
	}
	c.CrossStart = c.CueIn
	for k := len(sub) - 1; k >= 3; k-- {
		if energyToLUFS((sub[k]+sub[k-1]+sub[k-2]+sub[k-3])/4) > cross {
			c.CrossStart = end(k)
			break
		}
	}
	c.CrossStart = min(max(c.CrossStart, c.CueIn, c.CueOut-o.MaxOverlap), c.CueOut)
	return c
}

// Metadata returns the analysis as the metadata Liquidsoap's autocue
// writes, which the playlist, Normalize and Crossfade read: liq_loudness
// (LUFS), liq_cue_in and liq_cue_out (seconds; decode trims the track to
// them), liq_cross_duration and liq_cross_start_duration (the overlap with
// the next track, from the crossfade start to the cue-out, seconds),
// liq_fade_out (the same) and liq_fade_in (0.1 s).
func (a *Analysis) Metadata() onair.Metadata {
	sec := func(d time.Duration) string { return strconv.FormatFloat(d.Seconds(), 'f', 3, 64) }
	m := onair.Metadata{
		"liq_cue_in":  sec(a.Cues.CueIn),
		"liq_cue_out": sec(a.Cues.CueOut),
		"liq_fade_in": "0.100",
	}
	if !math.IsInf(a.Integrated, -1) {
		m[LoudnessKey] = strconv.FormatFloat(a.Integrated, 'f', 2, 64) + " LUFS"
	}
	overlap := sec(a.Cues.CueOut - a.Cues.CrossStart)
	m["liq_cross_duration"], m["liq_cross_start_duration"], m["liq_fade_out"] = overlap, overlap, overlap
	return m
}
