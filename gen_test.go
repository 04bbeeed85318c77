package onair_test

import (
	"math"
	"testing"
	"time"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/onairtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The sine's phasor stays within float32's resolution of math.Sin over a
// minute of 44.1 kHz, on every channel.
func TestSineMatchesMathSin(t *testing.T) {
	const freq, amp = 997.0, 0.8
	c := onairtest.Collect(t, onair.Sine(freq, &onair.GenOptions{Amplitude: amp}), 3000, nil)
	require.Equal(t, 3000*882, c.Len())
	worst := 0.0
	for i, v := range c.Audio[0] {
		want := amp * math.Sin(2*math.Pi*freq*float64(i)/44100)
		worst = max(worst, math.Abs(float64(v)-want))
		require.Equal(t, v, c.Audio[1][i], "channels differ at %d", i)
	}
	require.Less(t, worst, 1e-6, "largest error against math.Sin")
}

// The recurrence stays exact at the frequencies where it is least stable
// (near 0, a quarter and half the sample rate, where its steps are
// multiples of π) and over long frames.
func TestSineAccurateAtEveryFrequency(t *testing.T) {
	for _, fd := range []time.Duration{20 * time.Millisecond, 100 * time.Millisecond, 7 * time.Millisecond} {
		format := onair.Format{SampleRate: 48000, Channels: 1, FrameDuration: fd}
		for _, freq := range []float64{0.5, 440, 6000, 12000, 19999.7, 23999, 24000} {
			c := onairtest.Collect(t, onair.Sine(freq, nil), 200, &onairtest.Options{Format: format})
			worst := 0.0
			for i, v := range c.Audio[0] {
				want := math.Sin(2 * math.Pi * math.Mod(freq*float64(i)/48000, 1))
				worst = max(worst, math.Abs(float64(v)-want))
			}
			assert.Less(t, worst, 1e-6, "%v Hz, frames of %v: largest error against math.Sin", freq, fd)
		}
	}
}
