package onair_test

import (
	"math"
	"testing"
	"time"

	"github.com/onair-go/onair"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// xfStall is an xfSrc that stops being ready for calls readiness checks
// once it has produced at samples.
type xfStall struct {
	*xfSrc
	at, calls int
}

func (s *xfStall) Ready() bool {
	if s.global >= s.at && s.calls > 0 {
		s.calls--
		return false
	}
	return true
}

// joins returns the largest step between two consecutive output samples
// and where it is, and the longest run of silent samples.
func joins(a []float32) (step float64, at int, silence int) {
	run := 0
	for i := range a {
		if a[i] == 0 {
			run++
			silence = max(silence, run)
		} else {
			run = 0
		}
		if i > 0 {
			if d := math.Abs(float64(a[i] - a[i-1])); d > step {
				step, at = d, i
			}
		}
	}
	return step, at, silence
}

// xfPlay runs Crossfade over src with opts for ticks frames of the manual
// clock and returns the output samples.
func xfPlay(t *testing.T, src onair.Generator, opts *onair.CrossfadeOptions, ticks int) []float32 {
	t.Helper()
	in := onair.NewNode(src, &onair.NodeOptions{ID: "in"})
	xf, err := onair.Crossfade(in, opts)
	require.NoError(t, err)
	c := &xfCollect{}
	clk := xfManual("test")
	xfStart(t, clk, onair.Sink(xf, c.send, &onair.OutputOptions{Fallible: true}))
	for range ticks {
		clk.Tick()
	}
	return c.audio
}

// quietRun returns the longest run of samples under 1e-3 (54 dB under the
// test tracks' levels) and the index where it ends.
func quietRun(a []float32) (longest, at int) {
	run := 0
	for i, v := range a {
		if math.Abs(float64(v)) < 1e-3 {
			run++
			if run > longest {
				longest, at = run, i
			}
		} else {
			run = 0
		}
	}
	return longest, at
}

// Short tracks between long ones cross like any other: no silence, and the
// track after them fades in (a jingle of 2.06 s, an effect of 0.55 s, a
// song, with a 3 s crossfade).
func TestCrossfadeShortTracksBetweenSongs(t *testing.T) {
	src := &xfSrc{lens: []int{10000, 2060, 550, 10000}, tracks: 4, value: xfConst(0.5, 0.4, 0.3, 0.6)}
	audio := xfPlay(t, src, &onair.CrossfadeOptions{Duration: 3 * time.Second, FadeIn: 2 * time.Second, FadeOut: 3 * time.Second}, 1000)
	step, at, silence := joins(audio)
	assert.LessOrEqual(t, silence, 20, "a silent gap longer than a frame")
	assert.Less(t, step, 0.02, "a step of %.3f at sample %d: a track spliced at full level", step, at)
	require.Greater(t, len(audio), 15000)
}

// An input that stalls right after a track change does not make the
// transition splice: the ending track fades out cleanly and the starting
// one fades in when its data comes.
func TestCrossfadeInputStallsAfterTrackChange(t *testing.T) {
	for _, stall := range []int{1, 5, 100} {
		src := &xfStall{xfSrc: &xfSrc{lens: []int{1000, 1000}, tracks: 2, value: xfConst(0.5, 0.5)}, at: 1020, calls: stall}
		audio := xfPlay(t, src, &onair.CrossfadeOptions{Duration: 300 * time.Millisecond, FadeIn: 200 * time.Millisecond, FadeOut: 200 * time.Millisecond}, 300)
		step, at, _ := joins(audio)
		// at most the steepest fade the crossfade makes (a 5 ms ramp of the
		// 0.5 level, for what arrived of the late track): a splice steps by
		// the whole level
		assert.Less(t, step, 0.5*math.Pi/10+1e-3, "stall %d: a step of %.3f at sample %d: a splice", stall, step, at)
		assert.InDelta(t, 0.5, audio[len(audio)-1], 1e-6, "stall %d: the next track plays at its level in the end", stall)
	}
}

// A next track that arrives late comes in at once: what arrived of it
// reaches full level as the ending track ends (over at least a 5 ms ramp),
// so the output does not stay silent through a slow fade-in from nothing
// after the stall. Before, the late track faded in over the whole FadeIn
// from where it entered: 5 samples before the end of a 1 s fade-out, it
// stayed under -54 dB for 37 ms.
func TestCrossfadeLateTrackComesInAtOnce(t *testing.T) {
	for _, stall := range []int{1, 5, 100} {
		src := &xfStall{xfSrc: &xfSrc{lens: []int{3000, 3000}, tracks: 2, value: xfConst(0.5, 0.5)}, at: 3005, calls: stall}
		audio := xfPlay(t, src, &onair.CrossfadeOptions{Duration: 1200 * time.Millisecond, FadeIn: time.Second, FadeOut: time.Second}, 400)
		require.Greater(t, len(audio), 4500, "stall %d", stall)
		longest, _ := quietRun(audio)
		assert.LessOrEqual(t, longest, 20, "stall %d: %d ms of silence at the track change", stall, longest)
		step, at, _ := joins(audio)
		assert.Less(t, step, 0.5*math.Pi/10+1e-3, "stall %d: a step of %.3f at sample %d, steeper than a 5 ms ramp", stall, step, at)
	}
}

// A next track shorter than the crossfade windows enters late, so that it
// ends with the transition; the ending track fades out while it plays, not
// before. Before, the ending track took its whole 3 s fade-out and was
// under -54 dB for its last 100 ms or so, while a starting side of 80 ms
// (half of a 160 ms track, cut short by a bad file) entered only for its
// last 80 ms: the soak heard 30 ms of dead air there.
func TestCrossfadeShortNextTrackNoDip(t *testing.T) {
	for _, short := range []int{110, 160, 250, 400, 1000, 2060} {
		src := &xfSrc{lens: []int{10000, short, 10000}, tracks: 3, value: xfConst(0.5, 0.4, 0.6)}
		audio := xfPlay(t, src, &onair.CrossfadeOptions{Duration: 3 * time.Second, FadeIn: 2 * time.Second, FadeOut: 3 * time.Second}, 1100)
		require.Greater(t, len(audio), 19000, "short %d", short)
		longest, at := quietRun(audio)
		assert.LessOrEqual(t, longest, 20, "short %d: %d ms of silence ending at %d ms", short, longest, at)
		// at most a 5 ms ramp of the 0.6 level: the short track's end is a
		// tiny ending side, joined to the next with short ramps
		step, sat, _ := joins(audio)
		assert.Less(t, step, 0.6*math.Pi/10+1e-3, "short %d: a step of %.3f at sample %d", short, step, sat)
	}
}

// xfSlowSkip is an xfSrc that, once skipped, is ready but has no data for
// late calls of Generate (a decoder opening the next file), then gives one
// frame, then has no data again for again calls.
type xfSlowSkip struct {
	*xfSrc
	late, again  int
	empty, after int
	first        bool
}

func (s *xfSlowSkip) Skip() {
	s.xfSrc.Skip()
	s.empty, s.first = s.late, true
}

func (s *xfSlowSkip) Generate(f *onair.Frame) error {
	switch {
	case s.empty > 0:
		s.empty--
		return nil
	case s.after > 0:
		s.after--
		return nil
	case s.first:
		s.first, s.after = false, s.again
	}
	return s.xfSrc.Generate(f)
}

// A Skip whose next track is not there yet does not leave the output
// without data: the track playing goes on until the next one arrives, then
// fades out over a frame as it comes in. Before, the crossfade dropped the
// track at once and was unready (an infallible source!) until the input
// had data again, and its outputs stopped: an Icecast source disconnected.
// The next track is buffered as far as the input gives it at once, so an
// input that falls silent again for a few calls after its first frame
// does not leave the crossfade without data either.
func TestCrossfadeSkipWaitsForTheNextTrack(t *testing.T) {
	for _, late := range []int{0, 1, 3, 10} {
		src := &xfSlowSkip{xfSrc: &xfSrc{lens: []int{20000}, value: xfConst(0.5, 0.4)}, late: late, again: 3}
		in := onair.NewNode(src, &onair.NodeOptions{ID: "in"})
		xf, err := onair.Crossfade(in, &onair.CrossfadeOptions{Duration: 3 * time.Second})
		require.NoError(t, err)
		c := &xfCollect{}
		clk := xfManual("test")
		xfStart(t, clk, onair.Sink(xf, c.send, nil))
		for range 100 {
			clk.Tick()
		}
		xf.Node().Skip()
		for range 100 {
			clk.Tick()
		}
		require.Len(t, c.audio, 200*20, "late %d: a frame every tick", late)
		require.Len(t, c.marks, 2, "late %d", late)
		// The skip took effect when the next track arrived, after a frame
		// of fade-out: in the skip's tick when the input had data at once
		// (as before), else within late ticks (the input is pulled more
		// than once a tick, so it may use up its empty frames sooner).
		if late == 0 {
			assert.Equal(t, 101*20, c.marks[1])
		}
		assert.LessOrEqual(t, c.marks[1], (101+late)*20, "late %d", late)
		assert.Equal(t, float32(0.5), c.audio[c.marks[1]-21], "late %d: the skipped track played until then", late)
		longest, at := quietRun(c.audio)
		assert.LessOrEqual(t, longest, 2, "late %d: %d ms of silence ending at %d ms", late, longest, at)
		step, sat, _ := joins(c.audio)
		assert.Less(t, step, 0.5*math.Pi/40+1e-3, "late %d: a step of %.3f at sample %d: steeper than a frame's fade", late, step, sat)
		assert.Equal(t, float32(0.4), c.audio[len(c.audio)-1], "late %d", late)
	}
}
