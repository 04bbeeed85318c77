package onair_test

// Minimal reproductions of the chaos suite's invariant violations, each
// a deterministic manual-clock test of a few tracks of constant level
// (any step larger than a fade's slope is a click).

import (
	"math"
	"testing"
	"time"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/onairtest"
)

var reproFormat = onair.Format{SampleRate: 8000, Channels: 1, FrameDuration: 20 * time.Millisecond}

// reproRun crossfades the script (2 s lookahead, 1 s fades) and returns
// the output's main channel.
func reproRun(t *testing.T, sc *onairtest.Script, d time.Duration) []float32 {
	t.Helper()
	x, err := onair.Crossfade(onairtest.NewSource(sc), &onair.CrossfadeOptions{
		Duration: 2 * time.Second, FadeIn: time.Second, FadeOut: time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	c := onairtest.CollectDuration(t, x, d, &onairtest.Options{Format: reproFormat})
	return c.Audio[0]
}

// reproSteps reports every step larger than limit, and silences (below
// -60 dBFS) longer than a frame.
func reproSteps(t *testing.T, a []float32, limit float64) {
	t.Helper()
	fs := reproFormat.FrameSize()
	silent, clicks := 0, 0
	defer func() {
		if clicks > 3 {
			t.Errorf("%d clicks in all", clicks)
		}
	}()
	for i := 1; i < len(a); i++ {
		if s := math.Abs(float64(a[i] - a[i-1])); s > limit {
			if clicks++; clicks <= 3 {
				t.Errorf("click at sample %d (%.3f s): %.4f -> %.4f", i, float64(i)/8000, a[i-1], a[i])
			}
		}
		if math.Abs(float64(a[i])) < 1e-3 {
			silent++
			if silent == fs+1 {
				t.Errorf("dead air from sample %d (%.3f s): more than a frame below -60 dBFS", i-fs, float64(i-fs)/8000)
			}
		} else {
			silent = 0
		}
	}
}

// A track shorter than the fades between two long ones: the third track
// must fade in, not start at full level.
func TestChaosReproShortTrackClick(t *testing.T) {
	a := reproRun(t, &onairtest.Script{Segments: []onairtest.Segment{
		{Len: 3 * 8000, Value: 0.5}, {Len: 1600, Value: 0.3}, {Len: 3 * 8000, Value: 0.4},
	}}, 7*time.Second)
	reproSteps(t, a, 0.01)
}

// A Skip of the crossfade while a transition runs (A ending, B starting)
// must end one track: it ends A at once (over a frame), B's data reaches
// the output, and the cut does not click.
func TestChaosReproSkipInTransition(t *testing.T) {
	x, err := onair.Crossfade(onairtest.NewSource(&onairtest.Script{Segments: []onairtest.Segment{
		{Len: 4 * 8000, Value: 0.5}, {Len: 4 * 8000, Value: 0.3}, {Len: 4 * 8000, Value: 0.4},
	}}), &onair.CrossfadeOptions{Duration: 2 * time.Second, FadeIn: time.Second, FadeOut: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	c := onairtest.CollectDuration(t, x, 10*time.Second, &onairtest.Options{Format: reproFormat, OnTick: func(tick int) {
		if tick == 175 { // 3.5 s: inside the A -> B transition
			x.Node().Skip()
		}
	}})
	a := c.Audio[0]
	heardB := false
	for _, v := range a[175*160:] {
		if math.Abs(float64(v)-0.3) < 1e-3 {
			heardB = true
		}
	}
	if !heardB {
		t.Errorf("after a Skip in the A -> B transition the output never plays B alone: two tracks ended")
	}
	reproSteps(t, a, 0.01)
}

// A ready child that gives short frames (as a decoder that is behind
// does) must keep the fallback: the fallback must not fill the rest of
// the frame from the next child, which cuts the track into slivers
// separated by track marks (a crossfade after it then runs a transition
// per sliver).
func TestChaosReproShortFramesLeaveFallback(t *testing.T) {
	main := onairtest.NewSource(&onairtest.Script{ID: "main", MaxPerTick: 50, Fallible: true,
		Segments: []onairtest.Segment{{Len: 8000, Value: 0.5}}})
	fb, err := onair.Fallback([]onair.Source{main, onair.Sine(440, nil)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	c := onairtest.Collect(t, fb, 20, &onairtest.Options{Format: reproFormat})
	if len(c.Marks) > 1 {
		t.Errorf("%d track marks in 20 ticks of one track given 50 samples a tick: the fallback left its ready child (marks at %v)", len(c.Marks), c.Marks)
	}
}

// A track of a few samples (an almost empty file) between two long ones:
// the station must not go silent. The crossfade fades the first track
// out to silence, plays the short one as a blip, and fades the third in
// from silence: more than a frame below -60 dBFS on each side of the
// blip.
func TestChaosReproTinyTrackDeadAir(t *testing.T) {
	a := reproRun(t, &onairtest.Script{Segments: []onairtest.Segment{
		{Len: 3 * 8000, Value: 0.5}, {Len: 48, Value: 0.3}, {Len: 3 * 8000, Value: 0.4},
	}}, 7*time.Second)
	reproSteps(t, a, 0.01)
}

// A Skip of the crossfade outside any transition: the skipped track must
// fade out (or the next fade in), not stop at full level.
func TestChaosReproSkipCuts(t *testing.T) {
	x, err := onair.Crossfade(onairtest.NewSource(&onairtest.Script{Segments: []onairtest.Segment{
		{Len: 6 * 8000, Value: 0.5}, {Len: 6 * 8000, Value: 0.3}, {Len: 4 * 8000, Value: 0.4},
	}}), &onair.CrossfadeOptions{Duration: 2 * time.Second, FadeIn: time.Second, FadeOut: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	c := onairtest.CollectDuration(t, x, 10*time.Second, &onairtest.Options{Format: reproFormat, OnTick: func(tick int) {
		if tick == 50 { // 1 s into a 6 s track
			x.Node().Skip()
		}
	}})
	reproSteps(t, c.Audio[0], 0.01)
}

// A playlist that is behind (20 samples a tick, as a decoder that cannot
// keep up) and unready for 2 ticks: the fallback plays the jingle's 3 s
// track, then goes back to the slow playlist. The crossfade cannot read
// the slow track's start in time: what arrived of it must still cross
// with the jingle's end, not follow a fade of the jingle to silence.
func TestChaosReproSlowChildDeadAir(t *testing.T) {
	a := onairtest.NewSource(&onairtest.Script{ID: "playlist", Fallible: true, MaxPerTick: 20,
		Ready:    func(tick uint64) bool { return tick < 100 || tick >= 102 }, // ticks of the crossfade's child clock
		Segments: []onairtest.Segment{{Len: 20 * 8000, Value: 0.5}}})
	b := onairtest.NewSource(&onairtest.Script{ID: "jingle", Loop: true, Segments: []onairtest.Segment{{Len: 3 * 8000, Value: 0.3}}})
	fb, err := onair.Fallback([]onair.Source{a, b}, nil)
	if err != nil {
		t.Fatal(err)
	}
	x, err := onair.Crossfade(fb, &onair.CrossfadeOptions{Duration: 2 * time.Second, FadeIn: time.Second, FadeOut: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	c := onairtest.CollectDuration(t, x, 12*time.Second, &onairtest.Options{Format: reproFormat})
	reproSteps(t, c.Audio[0], 0.01)
}

// Several Skips of the crossfade in a row (a listener mashing the skip
// button, or API calls from several goroutines landing on successive
// ticks): each ends one track, and the station must go on with the track
// after them without clicks: each skipped track must fade in (or not
// start), never start at full level and be cut a frame later.
func TestChaosReproSkipsInARowClick(t *testing.T) {
	var segs []onairtest.Segment
	for i := range 8 {
		segs = append(segs, onairtest.Segment{Len: 6 * 8000, Value: 0.2 + 0.05*float32(i)})
	}
	x, err := onair.Crossfade(onairtest.NewSource(&onairtest.Script{Segments: segs}),
		&onair.CrossfadeOptions{Duration: 2 * time.Second, FadeIn: time.Second, FadeOut: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	c := onairtest.CollectDuration(t, x, 20*time.Second, &onairtest.Options{Format: reproFormat, OnTick: func(tick int) {
		if tick >= 100 && tick < 106 { // 2 s into the first track, on 6 ticks in a row
			x.Node().Skip()
		}
	}})
	reproSteps(t, c.Audio[0], 0.01)
}

// A Skip of the playlist (the crossfade's input), then, 2 s later, a Skip
// of the crossfade: the output goes digitally silent for the crossfade's
// whole lookahead (2 s) and the next track starts at full level.
func TestChaosReproSkipAfterInputSkipDeadAir(t *testing.T) {
	src := onairtest.NewSource(&onairtest.Script{Segments: []onairtest.Segment{
		{Len: 10 * 8000, Value: 0.5}, {Len: 10 * 8000, Value: 0.3}, {Len: 10 * 8000, Value: 0.4}, {Len: 10 * 8000, Value: 0.45}}})
	x, err := onair.Crossfade(src, &onair.CrossfadeOptions{Duration: 2 * time.Second, FadeIn: time.Second, FadeOut: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	c := onairtest.CollectDuration(t, x, 25*time.Second, &onairtest.Options{Format: reproFormat, OnTick: func(tick int) {
		switch tick {
		case 100: // 2 s: skip the input (the track being read ahead)
			src.Node().Skip()
		case 200: // 4 s: skip the crossfade
			x.Node().Skip()
		}
	}})
	reproSteps(t, c.Audio[0], 0.01)
}

// A splice inside a fade, found by the chaos suite (seed 2) and reduced
// by TestChaosReduce to these five faults, none of them a Skip: around
// tick 20311 the starting side of a transition changes from one track to
// another at the same gain (0.21), a step of 0.11 where the material's
// largest is 0.0126. Deterministic, on the manual clock.
func TestChaosReproSpliceInFade(t *testing.T) {
	keep := []chaosEvent{
		{tick: 10733, kind: "reload"}, {tick: 11395, kind: "reload"},
		{tick: 13794, kind: "unready in crossfade", n: 225}, {tick: 14198, kind: "reload in crossfade"},
		{tick: 14759, kind: "reload"},
	}
	v, _ := chaosRun(t, 2, 30000, 20400, func([]chaosEvent) []chaosEvent { return keep })
	if n := v.count["no clicks"]; n > 0 {
		t.Errorf("%d clicks: %v", n, v.first["no clicks"])
	}
}

// Dead air after a Skip during a transition, found by the chaos suite
// (seed 2) and reduced to three faults: the playlist unready twice, then
// a skip storm whose crossfade Skip lands while the jingle crosses into
// its next track. The skip ended the ending side over a frame, but the
// starting side went on with its slow fade-in (1 s), so the output stayed
// below -60 dBFS for more than a frame.
func TestChaosReproSkipInTransitionDeadAir(t *testing.T) {
	keep := []chaosEvent{
		{tick: 5536, kind: "unready", n: 56},
		{tick: 5575, kind: "unready in crossfade", n: 324},
		{tick: 5770, kind: "skip storm", n: 4},
	}
	v, _ := chaosRun(t, 2, 8300, 5800, func([]chaosEvent) []chaosEvent { return keep })
	reproHolds(t, v, "no dead air", "no clicks")
}

// A click after a Skip, found by the chaos suite (seed 1) and reduced to
// five faults: the crossfade's Skip fades the track out over a frame, and
// the next track, shorter than the crossfade's end window, goes straight
// into a transition as its ending side. Its fade-in after the skip was
// dropped there: it started at full level (a step of 0.14).
func TestChaosReproSkipToShortTrackClick(t *testing.T) {
	keep := []chaosEvent{
		{tick: 4467, kind: "reload in crossfade"},
		{tick: 4708, kind: "reload"},
		{tick: 4986, kind: "skip playlist"},
		{tick: 5436, kind: "skip fallback"},
		{tick: 5581, kind: "skip storm", n: 4},
	}
	v, _ := chaosRun(t, 1, 6400, 5600, func([]chaosEvent) []chaosEvent { return keep })
	reproHolds(t, v, "no dead air", "no clicks")
}

// Two Skips of the crossfade 9 ticks apart, during one transition (seed 2,
// reduced to three faults): the first ends the ending side; the second
// must end the starting track. It restarted the ending side's cut instead,
// which brought that side back at full level over the starting one (a
// step of 0.33).
func TestChaosReproSecondSkipInTransitionClick(t *testing.T) {
	keep := []chaosEvent{
		{tick: 12920, kind: "unready", n: 287},
		{tick: 12922, kind: "skip crossfade"},
		{tick: 12931, kind: "skip crossfade"},
	}
	v, _ := chaosRun(t, 2, 13000, 12950, func([]chaosEvent) []chaosEvent { return keep })
	reproHolds(t, v, "no dead air", "no clicks", "exact accounting (output)")
}

// Dead air after a Skip that lands on a nearly empty track (seed 4,
// reduced to two Skips): the 61-sample track went straight into a
// transition as its whole ending side, and the track after it faded in
// from silence over the full second of FadeIn. A tiny ending side is now
// joined to the next track with short ramps.
func TestChaosReproSkipToTinyTrackDeadAir(t *testing.T) {
	keep := []chaosEvent{{tick: 363, kind: "skip crossfade"}, {tick: 661, kind: "skip crossfade"}}
	v, _ := chaosRun(t, 4, 700, 680, func([]chaosEvent) []chaosEvent { return keep })
	reproHolds(t, v, "no dead air", "no clicks", "exact accounting (output)")
}

// A second Skip in the last samples of a transition (seed 9): the first
// ended the ending side, the second ends the starting track, but less
// than a frame of the transition was left to fade over, and the cut was
// stopped there at a gain of 0.27 (a step of 0.08 to silence). Such a
// skip now waits for the transition's end and fades the track out as it
// goes on from the lookahead.
func TestChaosReproLateSkipInTransitionClick(t *testing.T) {
	x, err := onair.Crossfade(onairtest.NewSource(&onairtest.Script{Segments: []onairtest.Segment{
		{Len: 47950, Value: 0.5}, {Len: 6 * 8000, Value: 0.3}, {Len: 6 * 8000, Value: 0.4},
	}}), &onair.CrossfadeOptions{Duration: 2 * time.Second, FadeIn: time.Second, FadeOut: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	c := onairtest.CollectDuration(t, x, 12*time.Second, &onairtest.Options{Format: reproFormat, OnTick: func(tick int) {
		switch tick {
		case 210: // the transition runs from sample 31950 to 47950
			x.Node().Skip()
		case 299: // 110 samples of it left
			x.Node().Skip()
		}
	}})
	reproSteps(t, c.Audio[0], 0.01)
}

// reproHolds fails t for each of the invariants that v saw violated.
func reproHolds(t *testing.T, v *chaosViolations, invariants ...string) {
	t.Helper()
	for _, inv := range invariants {
		if n := v.count[inv]; n > 0 {
			t.Errorf("%q violated %d times: %v", inv, n, v.first[inv])
		}
	}
}
