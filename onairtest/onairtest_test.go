package onairtest_test

import (
	"errors"
	"io"
	"testing"
	"testing/synctest"
	"time"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/onairtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const fs = 882 // samples per 20 ms frame at 44.1 kHz

func requireCounting(t *testing.T, a []float32, from int) {
	t.Helper()
	for i, v := range a {
		if v != float32(from+i) {
			require.Failf(t, "sample out of order", "sample %d is %v, want %d", i, v, from+i)
		}
	}
}

func TestCollectCounter(t *testing.T) {
	c := onairtest.Collect(t, onairtest.Counter("c"), 10, nil)
	assert.Equal(t, 10, c.Ticks)
	require.Len(t, c.Frames, 10)
	assert.Equal(t, 10*fs, c.Len())
	assert.Equal(t, 200*time.Millisecond, c.Duration())
	require.Len(t, c.Audio, 2)
	requireCounting(t, c.Audio[0], 0)
	requireCounting(t, c.Audio[1], 0)
	assert.Equal(t, []int{0}, c.Marks)
	for i, f := range c.Frames {
		assert.Equal(t, uint64(i+1), f.Tick)
		assert.Equal(t, i*fs, f.Pos)
	}
}

func TestCollectDuration(t *testing.T) {
	c := onairtest.CollectDuration(t, onairtest.Counter("c"), 50*time.Millisecond, &onairtest.Options{Format: onair.Format{Channels: 1}})
	assert.Equal(t, 3, c.Ticks, "50ms rounds up to three 20ms frames")
	assert.Len(t, c.Audio, 1)
}

func TestTracksMarksMetadataAndEnd(t *testing.T) {
	src := onairtest.Tracks("t", 1000, 37, 2500)
	c := onairtest.Collect(t, src, 10, nil)
	assert.Equal(t, 3537, c.Len())
	assert.Equal(t, []int{0, 1000, 1037}, c.Marks)
	require.Len(t, c.Metadata, 3)
	for i, want := range []int{0, 1000, 1037} {
		assert.Equal(t, want, c.Metadata[i].Pos)
		assert.Equal(t, onair.Metadata{"track": []string{"1", "2", "3"}[i]}, c.Metadata[i].Metadata)
	}
	requireCounting(t, c.Audio[0], 0)
	// 3537 samples = 4 full frames and 9 samples; then the source ended.
	require.Len(t, c.Frames, 5)
	assert.Equal(t, 9, c.Frames[4].Len)
	assert.True(t, src.Node().Ended())
	n := src.Counts()
	assert.Equal(t, 5, n.Generate, "no Generate call after io.EOF")
	assert.Equal(t, 1, n.WakeUp)
	assert.Equal(t, 1, n.Sleep)
}

func TestTimeline(t *testing.T) {
	src := onairtest.NewSource(&onairtest.Script{Segments: []onairtest.Segment{
		{Len: 1000, Value: 0.5, Metadata: onair.Metadata{"title": "a"}},
		{Len: 500, Value: 0, Step: 0.001, Meta: []onair.MetadataAt{{Pos: 100, Metadata: onair.Metadata{"title": "b", "x": "1"}}}},
	}})
	c := onairtest.Collect(t, src, 3, nil)
	assert.Equal(t, "tick 1: [0,882) mark@0 meta@0{title=a}\n"+
		"tick 2: [882,1500) mark@1000 meta@1100{title=b x=1}\n", c.Timeline())
	assert.Equal(t, float32(0.5), c.Audio[0][999])
	assert.InDelta(t, 0.002, c.Audio[0][1002], 1e-7, "ramp: Value + pos*Step")
}

func TestScriptReadinessAndLoop(t *testing.T) {
	src := onairtest.NewSource(&onairtest.Script{
		Segments: []onairtest.Segment{{Len: 500, Value: 1}},
		Loop:     true,
		Ready:    func(tick uint64) bool { return tick <= 2 || tick > 4 },
	})
	c := onairtest.Collect(t, src, 6, nil)
	var ticks []uint64
	for _, f := range c.Frames {
		ticks = append(ticks, f.Tick)
	}
	assert.Equal(t, []uint64{1, 2, 5, 6}, ticks)
	assert.Equal(t, 4*fs, c.Len())
	assert.Equal(t, []int{0, 500, 1000, 1500, 2000, 2500, 3000, 3500}, c.Marks, "a looped segment starts a new track each time")
	assert.Equal(t, 2, c.Starts)
	assert.Equal(t, 2, c.Stops, "stopped while unready, and when the graph closed")
}

func TestScriptSkip(t *testing.T) {
	src := onairtest.Tracks("t", 5000, 5000)
	c := onairtest.Collect(t, src, 4, &onairtest.Options{OnTick: func(tick int) {
		if tick == 1 {
			src.Node().Skip()
		}
	}})
	assert.Equal(t, []int{0, fs}, c.Marks, "the skipped track ends where the next tick starts")
	assert.Equal(t, 1, src.Counts().Skip)
}

func TestStutter(t *testing.T) {
	c := onairtest.Collect(t, onairtest.Stutter(onairtest.Counter("c")), 6, nil)
	require.Len(t, c.Frames, 3)
	for i, f := range c.Frames {
		assert.Equal(t, uint64(2*i+1), f.Tick)
	}
	requireCounting(t, c.Audio[0], 0)
}

// TestShortFollowsItsInput: Short is ready exactly when its input is,
// and reports its input's remaining track length.
func TestShortFollowsItsInput(t *testing.T) {
	// Short takes whole frames here: a partly consumed frame would keep
	// Stutter ready (a node holding data is ready).
	c := onairtest.Collect(t, onairtest.Short(onairtest.Stutter(onairtest.Counter("c")), 1<<20), 6, nil)
	require.Len(t, c.Frames, 3)
	for i, f := range c.Frames {
		assert.Equal(t, uint64(2*i+1), f.Tick)
	}

	src := onairtest.Tracks("t", 1000)
	short := onairtest.Short(src, 100)
	_, clk := onairtest.StartGraph(t, nil, onair.Sink(short, nil, nil))
	clk.Tick()
	assert.Equal(t, 900, short.Node().Remaining())
}

func TestShort(t *testing.T) {
	src := onairtest.Tracks("t", 150, 1000)
	c := onairtest.Collect(t, onairtest.Short(src, 100), 5, nil)
	assert.Equal(t, 500, c.Len())
	assert.Equal(t, []int{0, 150}, c.Marks, "the mark at 150 is replayed with the rest of the frame")
	requireCounting(t, c.Audio[0], 0)
	// The source fills a frame, then tops up the replayed remainder each
	// tick until it ends: 882, +100, +100, +68 and io.EOF.
	assert.Equal(t, 4, src.Counts().Generate)
	assert.True(t, src.Node().Ended())
}

func TestErrAfter(t *testing.T) {
	t.Run("EOF", func(t *testing.T) {
		n := onairtest.ErrAfter(onairtest.Counter("c"), 3, io.EOF)
		c := onairtest.Collect(t, n, 6, nil)
		assert.Equal(t, 3*fs, c.Len())
		assert.True(t, n.Ended())
	})
	t.Run("Error", func(t *testing.T) {
		n := onairtest.ErrAfter(onairtest.Counter("c"), 2, errors.New("boom"))
		c := onairtest.Collect(t, n, 6, nil)
		assert.Equal(t, 2*fs, c.Len())
		assert.False(t, n.Ended(), "an error other than io.EOF does not end a source")
	})
}

func TestConformance(t *testing.T) {
	cases := []struct {
		name string
		new  func() onair.Source
	}{
		{"Sine", func() onair.Source { return onair.Sine(440, &onair.GenOptions{Duration: 300 * time.Millisecond}) }},
		{"Tracks", func() onair.Source { return onairtest.Tracks("t", 1000, 37, 2500, 20000) }},
		{"MkSafeStutter", func() onair.Source { return onair.MkSafe(onairtest.Stutter(onairtest.Tracks("t", 3000, 3000))) }},
		{"Short", func() onair.Source { return onairtest.Short(onairtest.Tracks("t", 700, 5000), 300) }},
		{"ErrAfterEOF", func() onair.Source { return onairtest.ErrAfter(onairtest.Counter("c"), 10, io.EOF) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { onairtest.TestSource(t, tc.new) })
	}
}

func TestConformanceInSynctestBubble(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		onairtest.TestSource(t, func() onair.Source { return onair.MkSafe(onairtest.Stutter(onairtest.Counter("c"))) })
	})
}
