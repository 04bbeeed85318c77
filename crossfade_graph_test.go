package onair_test

import (
	"math"
	"strconv"
	"testing"
	"time"

	"github.com/onair-go/onair"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// xfPick is a minimal fallback for graph tests: it plays the first ready
// child.
type xfPick struct{ children []onair.Source }

func xfPickOf(id string, children ...onair.Source) *onair.Node {
	return onair.NewNode(&xfPick{children}, &onair.NodeOptions{ID: id, Children: children})
}

func (p *xfPick) Ready() bool {
	for _, c := range p.children {
		if c.Node().Ready() {
			return true
		}
	}
	return false
}

func (p *xfPick) Generate(f *onair.Frame) error {
	for _, c := range p.children {
		n := c.Node()
		if n.Ready() {
			in := n.Peek()
			n.Consume(f.Append(in, 0, in.Len()))
			return nil
		}
	}
	return nil
}

func TestCrossfadeChildClockRegisteredWhileAwake(t *testing.T) {
	clk := xfManual("main")
	x, err := onair.Crossfade(onair.Sine(440, &onair.GenOptions{Duration: time.Second}), nil)
	require.NoError(t, err)
	assert.Empty(t, clk.SubClocks(), "no sub-clock before the graph starts")
	g := xfStart(t, clk, onair.Sink(x, func(*onair.Frame) error { return nil }, nil))
	assert.Equal(t, []*onair.Clock{x.Clock()}, clk.SubClocks(), "the child clock is registered on wake-up")
	for range 10 {
		clk.Tick()
	}
	assert.Equal(t, onair.Passive, x.Clock().Kind())
	assert.Greater(t, x.Clock().Ticks(), clk.Ticks(), "the input is read ahead of the main clock")
	require.NoError(t, g.Close())
	assert.Empty(t, clk.SubClocks(), "the child clock is removed on sleep")
}

// The nested-clocks example of the clock documentation: jingles is read
// ahead inside the crossfade (through music) and also played by the
// fallback in the main clock.
func TestCrossfadeNestedClocks(t *testing.T) {
	build := func(shared bool) (*onair.Graph, *onair.Clock, *xfCollect, error) {
		clk := xfManual("main")
		jingles := onair.Sine(880, &onair.GenOptions{ID: "jingles", Duration: 300 * time.Millisecond})
		playlist := onair.Sine(440, &onair.GenOptions{ID: "playlist", Duration: 2 * time.Second})
		music := xfPickOf("music", onair.Fail("live"), jingles, playlist)
		x, err := onair.Crossfade(music, &onair.CrossfadeOptions{Duration: 500 * time.Millisecond})
		require.NoError(t, err)
		safeJingles := jingles
		if !shared {
			safeJingles = onair.Sine(880, &onair.GenOptions{ID: "jingles", Duration: 300 * time.Millisecond})
		}
		q := xfPickOf("q", x, safeJingles)
		var c xfCollect
		g, err := onair.NewGraph(&onair.GraphOptions{Clock: clk, SyncCallbacks: true, Format: xfFormat})
		require.NoError(t, err)
		require.NoError(t, g.Add(onair.Sink(q, c.send, nil)))
		return g, clk, &c, g.Start()
	}

	_, _, _, err := build(true)
	var nested *onair.NestedClockError
	require.ErrorAs(t, err, &nested)
	assert.Equal(t, "crossfade", nested.Operator)
	assert.Equal(t, []string{"jingles"}, nested.Sources)
	assert.Contains(t, err.Error(), "cannot unify nested clocks")

	g, clk, c, err := build(false)
	require.NoError(t, err, "one jingle source per clock is the documented fix")
	defer g.Close()
	for range 100 {
		clk.Tick()
	}
	assert.Len(t, c.audio, 100*20)
}

func TestCrossfadeRefusesSyncInput(t *testing.T) {
	clk := xfManual("main")
	dev := onair.NewNode(&xfSrc{lens: []int{1000}, value: xfConst(0.1)}, &onair.NodeOptions{ID: "soundcard", Sync: "alsa:hw:0"})
	x, err := onair.Crossfade(dev, nil)
	require.NoError(t, err)
	g, err := onair.NewGraph(&onair.GraphOptions{Clock: clk, Format: xfFormat})
	require.NoError(t, err)
	require.NoError(t, g.Add(onair.Sink(x, func(*onair.Frame) error { return nil }, nil)))
	err = g.Start()
	require.ErrorIs(t, err, onair.ErrSelfSyncInput)
	assert.Contains(t, err.Error(), "soundcard")
}

func TestCrossfadeSkip(t *testing.T) {
	clk := xfManual("main")
	src := onair.NewNode(&xfSrc{lens: []int{10000}, value: xfConst(0.1, 0.2, 0.3)}, nil)
	x, err := onair.Crossfade(src, &onair.CrossfadeOptions{Duration: time.Second})
	require.NoError(t, err)
	var c xfCollect
	xfStart(t, clk, onair.Sink(x, c.send, nil))
	for range 50 {
		clk.Tick()
	}
	x.Node().Skip()
	clk.Tick()
	clk.Tick()
	require.Len(t, c.audio, 52*20)
	assert.Equal(t, []int{0, 1020}, c.marks, "the skipped track fades out over a frame, then the next one starts")
	assert.Equal(t, []string{"t0", "t1"}, c.titles())
	assert.InDelta(t, 0.1, c.audio[1000], 0.001, "the fade starts at the skip")
	assert.InDelta(t, 0, c.audio[1020], 0.001, "the next track fades in")
	for range 450 {
		clk.Tick()
	}
	assert.Equal(t, float32(0.2), c.audio[1040])
	// Track 1 then plays whole: 10000 samples, the last second of it in
	// the transition to track 2.
	assert.Equal(t, []int{0, 1020, 1020 + 9000}, c.marks)
}

func TestCrossfadeShortTracks(t *testing.T) {
	clk := xfManual("main")
	src := onair.NewNode(&xfSrc{lens: []int{150, 90, 400, 30, 1200, 700, 1}, value: xfConst(0.5, -0.5, 0.25)}, nil)
	x, err := onair.Crossfade(src, &onair.CrossfadeOptions{Duration: time.Second, FadeIn: 700 * time.Millisecond, FadeOut: 700 * time.Millisecond})
	require.NoError(t, err)
	var c xfCollect
	xfStart(t, clk, onair.Sink(x, c.send, nil))
	for range 2000 {
		clk.Tick()
	}
	require.Len(t, c.audio, 2000*20, "the crossfade never starves")
	titles := c.titles()
	require.Greater(t, len(titles), 40)
	for i, title := range titles {
		require.Equal(t, "t"+strconv.Itoa(i), title, "every track appears once, in order")
	}
	assert.Len(t, c.marks, len(titles))
	for i, v := range c.audio {
		require.False(t, math.IsNaN(float64(v)), "sample %d", i)
		require.LessOrEqual(t, math.Abs(float64(v)), 1.0, "sample %d", i)
	}
}

func TestCrossTransitionArguments(t *testing.T) {
	clk := xfManual("main")
	lens := []int{3000, 5000, 5000}
	src := onair.NewNode(&xfSrc{lens: lens, value: func(k, i, g int) float32 {
		if i < 2500 {
			return []float32{0.5, 0.25, 0.1}[k%3]
		}
		return float32(g) / 1e5
	}}, nil)
	var ends, starts []onair.TrackEnd
	cut := func(a, b onair.TrackEnd) onair.Source {
		ends, starts = append(ends, a), append(starts, b)
		return b.Source()
	}
	x, err := onair.Crossfade(src, &onair.CrossfadeOptions{Transition: cut, Duration: time.Second, StartDuration: 1500 * time.Millisecond, Width: 300 * time.Millisecond})
	require.NoError(t, err)
	var c xfCollect
	xfStart(t, clk, onair.Sink(x, c.send, nil))
	for range 400 {
		clk.Tick()
	}
	require.Len(t, ends, 2)
	// The ending window is the last second of track 0 (values g/1e5),
	// its level measured over the last 300ms; the starting level over the
	// first 300ms of track 1 (0.25).
	assert.InDelta(t, 20*math.Log10(0.25), starts[0].Level, 1e-6)
	assert.Equal(t, time.Second, ends[0].Duration)
	assert.Equal(t, 1500*time.Millisecond, starts[0].Duration)
	assert.Equal(t, "t0", ends[0].Metadata["title"])
	assert.Equal(t, "t1", starts[0].Metadata["title"])
	var sum float64
	for g := 2700; g < 3000; g++ {
		sum += float64(float32(float64(g)/1e5)) * float64(float32(float64(g)/1e5))
	}
	assert.InDelta(t, 10*math.Log10(sum/300), ends[0].Level, 1e-6)

	// The cut drops the ending window: track 0's body, then track 1 from
	// its very first sample, its start from the transition and its body
	// from the lookahead, without a seam.
	assert.Equal(t, []int{0, 2000, 2000 + 4000}, c.marks)
	assert.Equal(t, []string{"t0", "t1", "t2"}, c.titles())
	for i := range 4000 {
		g := 3000 + i
		want := float32(0.25)
		if i >= 2500 {
			want = float32(g) / 1e5
		}
		require.Equal(t, want, c.audio[2000+i], "track 1 sample %d", i)
	}
	assert.Empty(t, clk.SubClocks()[1:], "transition sources leave no clock behind")
}

func TestSmartTransition(t *testing.T) {
	db := func(v float64) float32 { return float32(math.Pow(10, v/20)) }
	cases := []struct {
		name       string
		a, b       float64 // levels in dB
		fo, fi     int     // expected fades (0: none)
		sequential bool
	}{
		{"quiet and close: fade both", -40, -38, 400, 300, false},
		{"louder start: fade the end out", -30, -20, 400, 0, false},
		{"very quiet end: no fades", -40, -20, 0, 0, false},
		{"louder end: fade the start in", -20, -30, 0, 300, false},
		{"both loud: in sequence", -3, -3, 0, 0, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			clk := xfManual("main")
			va, vb := db(tc.a), db(tc.b)
			src := onair.NewNode(&xfSrc{lens: []int{3000, 100000}, hold: true, value: xfConst(va, vb)}, nil)
			x, err := onair.Crossfade(src, &onair.CrossfadeOptions{Duration: time.Second, Smart: true, FadeIn: 300 * time.Millisecond, FadeOut: 400 * time.Millisecond})
			require.NoError(t, err)
			var c xfCollect
			xfStart(t, clk, onair.Sink(x, c.send, nil))
			for range 250 {
				clk.Tick()
			}
			var want []float64
			if tc.sequential {
				for range 3000 {
					want = append(want, float64(va))
				}
				for range 1000 {
					want = append(want, float64(vb))
				}
				assert.Equal(t, []int{0, 3000}, c.marks, "the starting track's mark after the ending track")
			} else {
				want, _ = xfExpected([]int{3000, 1000}, []float64{float64(va), float64(vb)}, 1000, 1000, tc.fi, tc.fo)
				assert.Equal(t, []int{0, 2000}, c.marks)
			}
			for i, w := range want {
				require.InDelta(t, w, float64(c.audio[i]), 1e-6, "sample %d", i)
			}
		})
	}
}

func TestCrossfadeDurationOverrides(t *testing.T) {
	clk := xfManual("main")
	extra := func(k int) onair.Metadata {
		switch k {
		case 0:
			return onair.Metadata{"liq_cross_duration": "0.5", "liq_fade_out": "0.2"}
		case 1:
			return onair.Metadata{"liq_fade_in": "0.1"}
		}
		return nil
	}
	src := onair.NewNode(&xfSrc{lens: []int{3000, 4000}, value: xfConst(0.6, 0.3), extraMD: extra}, nil)
	x, err := onair.Crossfade(src, &onair.CrossfadeOptions{Duration: time.Second})
	require.NoError(t, err)
	var c xfCollect
	xfStart(t, clk, onair.Sink(x, c.send, nil))
	for range 300 {
		clk.Tick()
	}
	want, _ := xfExpected([]int{3000, 4000}, []float64{0.6, 0.3}, 500, 500, 100, 200)
	for i, w := range want {
		require.InDelta(t, w, float64(c.audio[i]), 1e-6, "sample %d", i)
	}
	// Track 1 has no override: its end is buffered for the default 1s.
	assert.Equal(t, []int{0, 2500, 2500 + 4000 - 1000}, c.marks[:3])
}

func TestCrossfadeOptionsValidation(t *testing.T) {
	src := onair.Blank(nil)
	_, err := onair.Crossfade(src, &onair.CrossfadeOptions{Duration: -time.Second})
	assert.ErrorIs(t, err, onair.ErrInvalidOption)
	_, err = onair.Crossfade(src, &onair.CrossfadeOptions{FadeIn: -time.Second})
	assert.ErrorIs(t, err, onair.ErrInvalidOption)
	_, err = onair.Crossfade(nil, nil)
	assert.ErrorIs(t, err, onair.ErrInvalidOption)
	x, err := onair.Crossfade(src, nil)
	require.NoError(t, err)
	assert.False(t, x.Node().Fallible(), "an infallible input makes an infallible crossfade")
	y, err := onair.Crossfade(onair.Fail("f"), nil)
	require.NoError(t, err)
	assert.True(t, y.Node().Fallible())
}

func TestCrossfadeInputEnds(t *testing.T) {
	clk := xfManual("main")
	lens := []int{3000, 4000, 2500}
	vals := []float64{0.8, 0.4, 0.6}
	src := onair.NewNode(&xfSrc{lens: lens, tracks: 3, value: xfConst(0.8, 0.4, 0.6)}, &onair.NodeOptions{Fallible: true})
	x, err := onair.Crossfade(src, &onair.CrossfadeOptions{Duration: time.Second, FadeIn: 500 * time.Millisecond, FadeOut: 500 * time.Millisecond})
	require.NoError(t, err)
	require.True(t, x.Node().Fallible())
	var c xfCollect
	xfStart(t, clk, onair.Sink(x, c.send, &onair.OutputOptions{Fallible: true}))
	for range 500 {
		clk.Tick()
	}
	// Two transitions, then the last track plays out whole: its end is
	// not held back once the input has ended.
	want, marks := xfExpected(lens, vals, 1000, 1000, 500, 500)
	for range 2500 - 1000 {
		want = append(want, vals[2])
	}
	require.Len(t, c.audio, len(want))
	for i, w := range want {
		require.InDelta(t, w, float64(c.audio[i]), 1e-6, "sample %d", i)
	}
	assert.Equal(t, marks, c.marks)
	assert.False(t, x.Node().Ready(), "unready once everything is played")
}

func TestCrossfadeSkipDuringTransition(t *testing.T) {
	clk := xfManual("main")
	src := onair.NewNode(&xfSrc{lens: []int{3000}, value: xfConst(0.1, 0.2, 0.3)}, nil)
	x, err := onair.Crossfade(src, &onair.CrossfadeOptions{Duration: time.Second})
	require.NoError(t, err)
	var c xfCollect
	xfStart(t, clk, onair.Sink(x, c.send, nil))
	for range 125 { // 2500ms: halfway through the first transition
		clk.Tick()
	}
	require.Equal(t, 1, x.Transitions())
	x.Node().Skip()
	for range 100 {
		clk.Tick()
	}
	// The skip ends the ending track (t0) over a frame while t1 rises to
	// full level over the same frame (not over the rest of its fade-in,
	// which would leave the output nearly silent); t1 plays whole, into
	// t2.
	assert.Equal(t, []int{0, 2000, 4000}, c.marks)
	assert.Equal(t, []string{"t0", "t1", "t2"}, c.titles())
	for i := 2501; i < 3100; i++ {
		require.Less(t, math.Abs(float64(c.audio[i]-c.audio[i-1])), 0.01, "no click at %d", i)
	}
	assert.InDelta(t, 0.2*(0.5+0.5*xfCurve(0.5))+0.1*xfCurve(0.49)*xfCurve(0.5), c.audio[2510], 0.001,
		"half a frame later: t0's fade-out halved, t1 half-way from its gain at the skip (0.5) to 1")
	assert.InDelta(t, 0.2, c.audio[2520], 0.001, "t0 is gone, t1 at its level a frame after the skip")
	assert.Equal(t, float32(0.2), c.audio[3500], "t1 at its level")
}
