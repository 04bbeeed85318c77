// Package pcmtest provides a source that plays given planar audio, with
// track marks and metadata, for the tests of the audio processing
// packages (loudness, dynamics).
package pcmtest

import (
	"io"
	"math"

	"github.com/onair-go/onair"
)

// Track is one track of a [Source]: audio (one slice per channel, all of
// the same length) and the metadata at its start (may be nil).
type Track struct {
	Audio    [][]float32
	Metadata onair.Metadata
}

// Source returns a source that plays the tracks in order, each starting
// with a track mark and its metadata, and then ends (io.EOF). The audio is
// not copied. Tracks must have the graph's channel count.
func Source(id string, tracks ...Track) *onair.Node {
	return onair.NewNode(&player{tracks: tracks}, &onair.NodeOptions{ID: id})
}

type player struct {
	tracks []Track
	ti     int // current track
	pos    int // position in it
}

func (p *player) WakeUp(*onair.Format) error { p.ti, p.pos = 0, 0; return nil }

func (p *player) Generate(f *onair.Frame) error {
	for f.Free() > 0 && p.ti < len(p.tracks) {
		t := &p.tracks[p.ti]
		n := len(t.Audio[0])
		if p.pos == 0 {
			f.AddMark(f.Len())
			if t.Metadata != nil {
				f.AddMetadata(f.Len(), t.Metadata)
			}
		}
		base := f.Len()
		k := f.Extend(n - p.pos)
		out := f.Audio()
		for c := range out {
			copy(out[c][base:base+k], t.Audio[c][p.pos:p.pos+k])
		}
		p.pos += k
		if p.pos == n {
			p.ti, p.pos = p.ti+1, 0
		}
	}
	if p.ti == len(p.tracks) {
		return io.EOF
	}
	return nil
}

// Sine returns channels channels of a sine of freq Hz whose peak is at
// level dBFS, lasting secs seconds at rate Hz.
func Sine(rate, channels int, freq, level, secs float64) [][]float32 {
	n := int(math.Round(secs * float64(rate)))
	amp := math.Pow(10, level/20)
	out := make([][]float32, channels)
	for c := range out {
		out[c] = make([]float32, n)
		for i := range n {
			out[c][i] = float32(amp * math.Sin(2*math.Pi*freq*float64(i)/float64(rate)))
		}
	}
	return out
}

// Music returns secs seconds of a deterministic music-like signal at rate
// Hz: a few detuned partials with a beat, a bass line, low-passed noise
// bursts as drums and a slowly varying level, peaking near level dBFS, different on
// each channel.
func Music(rate, channels int, level, secs float64, seed uint64) [][]float32 {
	n := int(math.Round(secs * float64(rate)))
	out := make([][]float32, channels)
	x := seed*2654435761 + 1
	noise := func() float64 {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		return float64(x>>11)/float64(1<<53)*2 - 1
	}
	for c := range out {
		out[c] = make([]float32, n)
	}
	notes := []float64{220, 261.63, 329.63, 392, 293.66, 349.23}
	var env, peak float64
	// The drums are noise through two one-pole low-passes (about 5 kHz),
	// so that the spectrum falls off above a few kHz as music's does.
	lp1, lp2 := make([]float64, channels), make([]float64, channels)
	for i := range n {
		t := float64(i) / float64(rate)
		if math.Mod(t, 0.5) < 1.0/float64(rate) {
			env = 1
		}
		env *= math.Exp(-1 / (0.04 * float64(rate)))
		note := notes[int(t/2)%len(notes)]
		swell := 0.6 + 0.4*math.Sin(2*math.Pi*t/23)
		for c := range channels {
			lp1[c] = 0.5*lp1[c] + 0.5*noise()
			lp2[c] = 0.5*lp2[c] + 0.5*lp1[c]
			d := 1 + 0.003*float64(c)
			v := 0.5*math.Sin(2*math.Pi*note*d*t) + 0.25*math.Sin(2*math.Pi*2.01*note*t+float64(c)) +
				0.12*math.Sin(2*math.Pi*3.02*note*t) + 0.4*math.Sin(2*math.Pi*note/4*t) +
				0.9*env*lp2[c]
			v *= swell
			out[c][i] = float32(v)
			peak = max(peak, math.Abs(float64(out[c][i])))
		}
	}
	g := float32(math.Pow(10, level/20) / peak)
	for c := range out {
		for i := range out[c] {
			out[c][i] *= g
		}
	}
	return out
}
