package onair_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/onair-go/onair"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func between(a, b int) func(int) bool { return func(t int) bool { return t >= a && t < b } }

func TestFallbackCutsInImmediately(t *testing.T) {
	h := newOpsHarness(t)
	live := h.src(opsScript{id: 1, ready: between(3, 8)})
	playlist := h.src(opsScript{id: 2, tracks: []int{25}})
	fb := opsMust[*onair.Switcher](t)(onair.Fallback([]onair.Source{live, playlist}, &onair.SwitchOptions{Immediate: true}))
	require.False(t, fb.Node().Fallible(), "an infallible child makes the fallback infallible")
	c := h.run(fb, 12, false)

	// Ticks 1-2 from the playlist, live cuts in at tick 3 (sample 20) in
	// the middle of the playlist's track and plays until it fails at tick
	// 8; the playlist resumes where it was cut.
	assert.Equal(t, []string{"2:0-19", "1:0-49", "2:20-69"}, opsSegments(c))
	assert.Equal(t, []int{0, 20, 70, 75, 100}, c.marks, "junction marks, then the playlist's own at its counters 25 and 50")
	for _, l := range c.lens {
		require.Equal(t, 10, l, "an infallible fallback fills every frame")
	}
	assertNoClicks(t, c)
	assertSorted(t, c)
	assertMetaPositions(t, c)
	assert.Equal(t, playlist, fb.Selected())
}

func TestFallbackTrackSensitive(t *testing.T) {
	h := newOpsHarness(t)
	live := h.src(opsScript{id: 1, ready: between(3, 8)})
	playlist := h.src(opsScript{id: 2, tracks: []int{25}})
	fb := opsMust[*onair.Switcher](t)(onair.Fallback([]onair.Source{live, playlist}, nil))
	c, _ := h.start(fb, false)
	for h.tick() < 5 {
		h.clk.Tick()
	}
	// Metadata inserted from another goroutine lands on live's first new
	// sample of the next tick: live computed 25 samples in ticks 3-5 (in
	// tick 4 it only topped up the 5 left over from tick 3).
	done := make(chan struct{})
	go func() { live.InsertMetadata(onair.Metadata{"dj": "alice"}, false); close(done) }()
	<-done
	for h.tick() < 12 {
		h.clk.Tick()
	}

	// Live is ready from tick 3 but waits for the playlist's track to end
	// (counter 25); the playlist returns at the start of its next track.
	assert.Equal(t, []string{"2:0-24", "1:0-44", "2:25-74"}, opsSegments(c))
	assert.Equal(t, []int{0, 25, 70, 95}, c.marks)
	assertNoClicks(t, c)
	assertMetaPositions(t, c)
	found := false
	for _, m := range c.meta {
		if m.m["dj"] == "alice" {
			found = true
			assert.Equal(t, float32(1), c.id[m.pos])
			assert.Equal(t, float32(25), c.v[m.pos], "inserted metadata at the first sample live generated after the insertion")
		}
	}
	assert.True(t, found, "inserted metadata reaches the output")
	// The playlist's metadata at its new track is not replayed twice.
	titles := map[int]int{}
	for _, m := range c.meta {
		titles[m.pos]++
	}
	for pos, n := range titles {
		assert.Equal(t, 1, n, "one metadata at %d", pos)
	}
}

func TestFallbackReplaysMetadata(t *testing.T) {
	h := newOpsHarness(t)
	live := h.src(opsScript{id: 1, ready: between(3, 6)})
	playlist := h.src(opsScript{id: 2, tracks: []int{100}})
	fb := opsMust[*onair.Switcher](t)(onair.Fallback([]onair.Source{live, playlist}, &onair.SwitchOptions{Immediate: true}))
	c := h.run(fb, 8, false)
	assert.Equal(t, []string{"2:0-19", "1:0-29", "2:20-49"}, opsSegments(c))
	// Returning to the playlist in the middle of its track replays its
	// metadata at the junction.
	require.Len(t, c.meta, 3)
	assert.Equal(t, 50, c.meta[2].pos)
	assert.Equal(t, "s2-0", c.meta[2].m["title"])

	h = newOpsHarness(t)
	live = h.src(opsScript{id: 1, ready: between(3, 6)})
	playlist = h.src(opsScript{id: 2, tracks: []int{100}})
	fb = opsMust[*onair.Switcher](t)(onair.Fallback([]onair.Source{live, playlist}, &onair.SwitchOptions{Immediate: true, DisableMetadataReplay: true}))
	c = h.run(fb, 8, false)
	assert.Len(t, c.meta, 2, "no replay when disabled")
}

func TestFallbackTransitionIsCut(t *testing.T) {
	h := newOpsHarness(t)
	live := h.src(opsScript{id: 1, ready: between(3, 100)})
	playlist := h.src(opsScript{id: 2, tracks: []int{25}})
	calls := 0
	jingle := func(from, to onair.Source) onair.Source {
		calls++
		return h.src(opsScript{id: 3, tracks: []int{1000}}) // longer than the cap
	}
	fb := opsMust[*onair.Switcher](t)(onair.Fallback([]onair.Source{live, playlist}, &onair.SwitchOptions{
		Immediate: true, Transition: jingle, TransitionLength: 35 * time.Millisecond,
	}))
	c := h.run(fb, 12, false)
	assert.Equal(t, 1, calls)
	// The jingle plays 35 samples, then live from its first sample, with
	// its own track mark: the transition did not read live, so none of it
	// is lost.
	assert.Equal(t, []string{"2:0-19", "3:0-34", "1:0-64"}, opsSegments(c))
	assert.Equal(t, []int{0, 20, 55}, c.marks, "a mark at the junction and at live's start; none inside the transition")
	assertMetaPositions(t, c)
	assertNoClicks(t, c)
	for _, l := range c.lens {
		require.Equal(t, 10, l)
	}
}

func TestFallbackTransitionReadsBothSides(t *testing.T) {
	h := newOpsHarness(t)
	live := h.src(opsScript{id: 1, ready: between(3, 100)})
	playlist := h.src(opsScript{id: 2, tracks: []int{25}})
	seq := func(from, to onair.Source) onair.Source {
		// The rest of the interrupted track, then the new source.
		return opsMust[*onair.Switcher](t)(onair.Sequence([]onair.Source{from, to}, nil))
	}
	fb := opsMust[*onair.Switcher](t)(onair.Fallback([]onair.Source{live, playlist}, &onair.SwitchOptions{
		Immediate: true, Transition: seq, TransitionLength: 30 * time.Millisecond,
	}))
	c := h.run(fb, 12, false)
	// From the cut (playlist at 20): the rest of its track (20-24), then
	// live through the transition (0-24) and on, with no sample lost when
	// the transition ends at its cap.
	assert.Equal(t, []string{"2:0-24", "1:0-94"}, opsSegments(c))
	assert.Equal(t, []int{0, 20}, c.marks)
	assertNoClicks(t, c)
	assertMetaPositions(t, c)
	assert.Equal(t, live, fb.Selected())
}

func TestFallbackCrossfadeTransition(t *testing.T) {
	h := newOpsHarness(t)
	live := h.src(opsScript{id: 1, ready: between(3, 100)})
	playlist := h.src(opsScript{id: 3, tracks: []int{1000}})
	xf := func(from, to onair.Source) onair.Source {
		out := opsMust[*onair.Node](t)(onair.FadeOut(from, &onair.FadeOptions{Duration: 20 * time.Millisecond}))
		in := opsMust[*onair.Node](t)(onair.FadeIn(to, &onair.FadeOptions{Duration: 20 * time.Millisecond}))
		return opsMust[*onair.Node](t)(onair.Add([]onair.Source{out, in}, &onair.AddOptions{DisableNormalization: true}))
	}
	fb := opsMust[*onair.Switcher](t)(onair.Fallback([]onair.Source{live, playlist}, &onair.SwitchOptions{
		Immediate: true, Transition: xf, TransitionLength: 20 * time.Millisecond,
	}))
	c := h.run(fb, 8, false)
	// Channel 1 carries each source's id (3 then 1): during the 20-sample
	// transition it is 3*fadeOut + 1*fadeIn, the linear fades summing to 1.
	for i := range 20 {
		x := float64(i) / 20
		want := 3*(float64(19-i)/20) + 1*x
		assert.InDelta(t, want, c.id[20+i], 1e-5, "sample %d", 20+i)
	}
	// After it, live continues where the transition left it.
	assert.Equal(t, float32(1), c.id[40])
	assert.Equal(t, float32(20), c.v[40], "live's 20 samples read by the transition are not played again")
	assert.Equal(t, float32(21), c.v[41])
	assert.Equal(t, []int{0, 20}, c.marks)
}

func TestFallbackFallibility(t *testing.T) {
	h := newOpsHarness(t)
	a := h.src(opsScript{id: 1, ready: between(0, 5)})
	b := h.src(opsScript{id: 2, ready: between(0, 5)})
	inf := h.src(opsScript{id: 3})
	fb := opsMust[*onair.Switcher](t)(onair.Fallback([]onair.Source{a, b}, nil))
	assert.True(t, fb.Node().Fallible())
	fb2 := opsMust[*onair.Switcher](t)(onair.Fallback([]onair.Source{a, inf}, nil))
	assert.False(t, fb2.Node().Fallible())

	g, err := onair.NewGraph(&onair.GraphOptions{Format: opsFormat, Clock: h.clk})
	require.NoError(t, err)
	require.NoError(t, g.Add(onair.Sink(fb, nil, nil)))
	var fe *onair.FallibleError
	require.ErrorAs(t, g.Start(), &fe, "an infallible output refuses a fallback of fallible sources")

	_, err = onair.Fallback(nil, nil)
	require.ErrorIs(t, err, onair.ErrInvalidOption)
	_, err = onair.Fallback([]onair.Source{a, nil}, nil)
	require.ErrorIs(t, err, onair.ErrInvalidOption)
	_, err = onair.Fallback([]onair.Source{a}, &onair.SwitchOptions{TransitionLength: -time.Second})
	require.ErrorIs(t, err, onair.ErrInvalidOption)
}

func TestFallbackUnreadyAndSkip(t *testing.T) {
	h := newOpsHarness(t)
	a := h.src(opsScript{id: 1, tracks: []int{40}, ready: between(1, 4)})
	fb := opsMust[*onair.Switcher](t)(onair.Fallback([]onair.Source{a}, nil))
	c, _ := h.start(fb, true)
	h.clk.Tick()
	fb.Node().Skip() // ends a's track: the next data is its second track
	for range 5 {
		h.clk.Tick()
	}
	assert.Equal(t, []string{"1:0-29"}, opsSegments(c), "the counter goes on across the skip")
	assert.Equal(t, []int{10, 10, 10}, c.lens, "the output stops when the only child fails")
	assert.Equal(t, []int{0, 10}, c.marks)
}

func FuzzFallback(f *testing.F) {
	f.Add([]byte{2, 0, 0xf0, 0x0f, 7, 3, 0})
	f.Add([]byte{3, 1, 0xaa, 0x55, 1, 2, 9, 3, 0, 5})
	f.Add([]byte{4, 3, 0x01, 0xff, 0x80, 12, 40, 1, 5, 5, 5, 5, 0xc3})
	f.Fuzz(func(t *testing.T, data []byte) {
		at := func(i int) int {
			if len(data) == 0 {
				return 0
			}
			return int(data[i%len(data)])
		}
		h := newOpsHarness(t)
		n := 2 + at(0)%3
		flags := at(1)
		infallible := flags&1 != 0
		var srcs []onair.Source
		short := false
		for i := range n {
			pattern := uint16(at(2+i)) | uint16(at(3+i))<<8
			s := opsScript{id: i + 1, tracks: []int{1 + at(4+i)%40, 1 + at(5+i)%17}, limit: at(6+i) % 12}
			if s.limit >= 10 {
				s.limit = 0
			}
			s.ready = func(t int) bool { return pattern>>(t%16)&1 != 0 }
			if i == n-1 && infallible {
				s.ready, s.limit = nil, 0
			}
			short = short || s.limit > 0
			srcs = append(srcs, h.src(s))
		}
		opts := &onair.SwitchOptions{Immediate: flags&2 != 0, TransitionLength: time.Duration(1+at(7)%30) * time.Millisecond}
		if flags&4 != 0 {
			opts.Transition = func(from, to onair.Source) onair.Source { return to }
		}
		if flags&8 != 0 {
			jingles := 0
			opts.Transition = func(from, to onair.Source) onair.Source {
				jingles++
				return h.src(opsScript{id: 100 + jingles, tracks: []int{1 + at(8)%50}, noMeta: true})
			}
		}
		fb, err := onair.Fallback(srcs, opts)
		require.NoError(t, err)
		require.Equal(t, !infallible, fb.Node().Fallible())
		c := h.run(fb, 60, true)
		total := 0
		for _, l := range c.lens {
			require.LessOrEqual(t, l, 10)
			if infallible && !short {
				// A child that gives short frames while ready keeps
				// its place: the fallback's frame is short too.
				require.Equal(t, 10, l, "infallible fallback fills every frame")
			}
			total += l
		}
		assertSorted(t, c)
		for _, m := range c.marks {
			require.True(t, m >= 0 && m <= total, "mark %d in range", m)
		}
		for _, m := range c.meta {
			require.True(t, m.pos >= 0 && m.pos <= total, "metadata at %d in range", m.pos)
		}
		assertNoClicks(t, c)
		assertMetaPositions(t, c)
		_ = strconv.Itoa
	})
}
