package onair_test

import (
	"math"
	"testing"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/onairtest"
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
