package onair_test

import (
	"math"
	"testing"
	"time"

	"github.com/onair-go/onair"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// xfLeadSilence returns sample values where track k starts with lead[k]
// samples of silence (lead[k%len(lead)]), then holds 0.1·(k+1).
func xfLeadSilence(lead ...int) func(track, i, global int) float32 {
	return func(track, i, _ int) float32 {
		if i < lead[track%len(lead)] {
			return 0
		}
		return 0.1 * float32(track+1)
	}
}

// longestSilence returns the longest run of samples under -60 dBFS in a.
func longestSilence(a []float32) int {
	run, longest := 0, 0
	for _, v := range a {
		if math.Abs(float64(v)) < 1e-3 {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	return longest
}

// xfSkipped crossfades 10,000-sample tracks of value (1 s transitions),
// skips the first one after 50 ticks, and ticks after more times.
func xfSkipped(t *testing.T, value func(track, i, global int) float32, after int) (*onair.Clock, *xfCollect) {
	clk := xfManual("main")
	src := onair.NewNode(&xfSrc{lens: []int{10000}, value: value}, nil)
	x, err := onair.Crossfade(src, &onair.CrossfadeOptions{Duration: time.Second})
	require.NoError(t, err)
	c := &xfCollect{}
	xfStart(t, clk, onair.Sink(x, c.send, nil))
	for range 50 {
		clk.Tick()
	}
	x.Node().Skip()
	for range after {
		clk.Tick()
	}
	return clk, c
}

// After a Skip, the next track's leading silence (here 30 ms of a file's
// head) is left out: the fade-in starts on its first sound, with its mark
// and title; a normal transition keeps it (the crossfade covers it).
func TestCrossfadeSkipLeavesOutLeadingSilence(t *testing.T) {
	clk, c := xfSkipped(t, xfLeadSilence(0, 30, 30), 10)
	require.Len(t, c.audio, 60*20)
	assert.Equal(t, []int{0, 1020}, c.marks, "the next track starts after the skipped one's frame of fade-out")
	assert.Equal(t, []string{"t0", "t1"}, c.titles())
	assert.LessOrEqual(t, longestSilence(c.audio[1000:]), 2, "only the fade-out's last sample and the fade-in's first are silent")
	assert.InDelta(t, 0.2, c.audio[1040], 1e-6, "the fade-in is over after a frame: track 1 at full level")

	// Track 1 (9,970 samples heard of 10,000) then crosses into track 2,
	// whose leading silence the transition covers: it is kept.
	for range 600 {
		clk.Tick()
	}
	require.Len(t, c.marks, 3)
	assert.Equal(t, 1020+9970-1000, c.marks[2], "track 1 is played but for its 30 silent samples")
	assert.Equal(t, []string{"t0", "t1", "t2"}, c.titles())
}

// The trim is bounded: of 800 ms of leading silence, a Skip leaves out
// 500 ms and the rest plays (the track is silent for real).
func TestCrossfadeSkipTrimIsBounded(t *testing.T) {
	_, c := xfSkipped(t, xfLeadSilence(0, 800), 40)
	assert.Equal(t, []int{0, 1020}, c.marks)
	assert.Equal(t, 300, longestSilence(c.audio[1020:]), "800 ms of silence less the 500 ms left out")
}
