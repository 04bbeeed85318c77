package onair_test

import (
	"testing"
	"time"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/onairtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// levels returns the value of the first sample of each frame, one per tick.
func levels(c *onairtest.Capture) []float32 {
	var l []float32
	for _, f := range c.Frames {
		if f.Len > 0 {
			l = append(l, c.Audio[0][f.Pos])
		} else {
			l = append(l, -1)
		}
	}
	return l
}

func TestSwitcherForce(t *testing.T) {
	loop := func(id string, v float32) *onairtest.Source {
		return onairtest.NewSource(&onairtest.Script{ID: id, Loop: true, Segments: []onairtest.Segment{{Len: 50, Value: v}}})
	}
	a, b := loop("a", 1), loop("b", 2)
	fb, err := onair.Fallback([]onair.Source{a, b}, nil)
	require.NoError(t, err)
	rec := onairtest.NewRecorder(nil)
	out := onair.NewOutput(fb, rec, &onair.OutputOptions{ID: "out"})
	_, clk := onairtest.StartGraph(t, &onairtest.Options{Format: opsFormat}, out)

	sw := fb.Node().Switcher()
	require.NotNil(t, sw, "a fallback's node is a switcher")
	assert.Nil(t, out.Node().Switcher(), "an output is not a switcher")
	assert.Equal(t, -1, sw.Forced())

	clk.Tick()
	clk.Tick()
	require.NoError(t, sw.Force(1), "force the second child, in the middle of a's track")
	assert.Equal(t, 1, sw.Forced())
	clk.Tick()
	clk.Tick()
	assert.Same(t, b.Node(), sw.Selected().Node())
	require.NoError(t, sw.Force(-1), "give the choice back")
	assert.Equal(t, -1, sw.Forced())
	// b's track started at tick 3 (50 samples = 5 ticks): it plays to its end,
	// then the fallback's own rule picks a again.
	for range 6 {
		clk.Tick()
	}
	assert.Equal(t, []float32{1, 1, 2, 2, 2, 2, 2, 1, 1, 1}, levels(rec.Capture()))

	require.ErrorIs(t, sw.Force(2), onair.ErrInvalidOption)
	require.ErrorIs(t, sw.Force(-2), onair.ErrInvalidOption)
}

func TestSwitcherForceUnready(t *testing.T) {
	live := onairtest.NewSource(&onairtest.Script{ID: "live", Loop: true, Segments: []onairtest.Segment{{Len: 1000, Value: 3}},
		Ready: func(tick uint64) bool { return tick >= 3 }, Fallible: true})
	music := onairtest.NewSource(&onairtest.Script{ID: "music", Loop: true, Segments: []onairtest.Segment{{Len: 1000, Value: 1}}})
	fb, err := onair.Fallback([]onair.Source{music, live}, nil)
	require.NoError(t, err)
	rec := onairtest.NewRecorder(nil)
	_, clk := onairtest.StartGraph(t, &onairtest.Options{Format: opsFormat}, onair.NewOutput(fb, rec, nil))
	sw := fb.Node().Switcher()
	require.NoError(t, sw.Force(1), "force the live child before it is ready")
	for range 4 {
		clk.Tick()
	}
	assert.Equal(t, []float32{1, 1, 3, 3}, levels(rec.Capture()), "the fallback's rule plays while the forced child is not ready")
}

func TestOutputHold(t *testing.T) {
	src := onairtest.NewSource(&onairtest.Script{ID: "src", Loop: true, Segments: []onairtest.Segment{{Len: 1000, Value: 1}}})
	var starts, stops int
	n := 0
	out := onair.Sink(src, func(*onair.Frame) error { n++; return nil }, &onair.OutputOptions{
		ID: "out", Fallible: true, OnStart: func() { starts++ }, OnStop: func() { stops++ },
	})
	g, clk := onairtest.StartGraph(t, &onairtest.Options{Format: opsFormat}, out)
	assert.True(t, out.Fallible())
	assert.True(t, g.Running())
	assert.False(t, g.Closed())
	clk.Tick()
	out.Hold()
	out.Hold()
	assert.True(t, out.Held())
	assert.False(t, out.Started())
	clk.Tick()
	clk.Tick()
	assert.Equal(t, 1, n, "a held output sends nothing")
	out.Resume()
	assert.False(t, out.Held())
	clk.Tick()
	assert.Equal(t, 2, n, "a resumed output sends again at its next tick")
	assert.Equal(t, 2, starts)
	assert.Equal(t, 1, stops)
}

func TestGraphSources(t *testing.T) {
	in := onairtest.NewSource(&onairtest.Script{ID: "in", Loop: true, Segments: []onairtest.Segment{{Len: 1000}}})
	xf, err := onair.Crossfade(in, &onair.CrossfadeOptions{Duration: 50 * time.Millisecond, FadeIn: 20 * time.Millisecond, FadeOut: 20 * time.Millisecond})
	require.NoError(t, err)
	out := onair.Sink(xf, nil, &onair.OutputOptions{ID: "out"})
	g, err := onair.NewGraph(&onair.GraphOptions{Format: opsFormat, Clock: onair.NewClock("m", &onair.ClockOptions{Kind: onair.Manual})})
	require.NoError(t, err)
	assert.Nil(t, g.Sources(), "no sources before Start")
	require.NoError(t, g.Add(out))
	assert.False(t, g.Running())
	require.NoError(t, g.Start())
	t.Cleanup(func() { _ = g.Close() })
	ids := map[string]*onair.Node{}
	for _, n := range g.Sources() {
		ids[n.ID()] = n
	}
	require.Contains(t, ids, "in")
	require.Contains(t, ids, "crossfade")
	require.Contains(t, ids, "out")
	assert.Same(t, out, ids["out"].Output())
	assert.Nil(t, ids["in"].Output())
	assert.Equal(t, "m", g.DefaultClock().Name())
	assert.Nil(t, g.ParentClock(g.DefaultClock()), "the default clock is not passive")
	assert.Same(t, g.DefaultClock(), g.ParentClock(ids["in"].Clock()), "the crossfade's child clock is driven by the main clock")
	require.NoError(t, g.Close())
	assert.True(t, g.Closed())
	assert.False(t, g.Running())
}
