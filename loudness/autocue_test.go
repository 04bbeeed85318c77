package loudness_test

import (
	"context"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/internal/pcmtest"
	"github.com/onair-go/onair/loudness"
)

func concat(parts ...[][]float32) [][]float32 {
	out := make([][]float32, len(parts[0]))
	for _, p := range parts {
		for c := range out {
			out[c] = append(out[c], p[c]...)
		}
	}
	return out
}

// Silence, a tone, a quieter ending, a faint tail and silence: the cues
// fall where the thresholds put them.
func TestAutocue(t *testing.T) {
	const rate = 44100
	silence := func(secs float64) [][]float32 { return pcmtest.Sine(rate, 2, 1000, math.Inf(-1), secs) }
	tone := func(db, secs float64) [][]float32 { return pcmtest.Sine(rate, 2, 1000, db, secs) }
	audio := concat(silence(2), tone(-23, 20), tone(-33, 4), tone(-60, 3), silence(2))
	res, err := loudness.Analyze(context.Background(), pcmtest.Source("in", pcmtest.Track{Audio: audio}), nil)
	if err != nil {
		t.Fatal(err)
	}
	// Integrated: 20 s at -23 and 4 s at -33 pass the gates.
	approx(t, "integrated", res.Integrated, -23.7, 0.05)
	c := res.Cues
	// Cue-in at the first sound above I-34; cue-out after the last above
	// I-42 (the -60 tail counts); the crossfade would start at 22.3 s
	// where the loudness falls below I-7, but the overlap is capped at 6 s.
	approx(t, "cue in (s)", c.CueIn.Seconds(), 2, 0.01)
	approx(t, "cue out (s)", c.CueOut.Seconds(), 29, 0.01)
	approx(t, "cross start (s)", c.CrossStart.Seconds(), 23, 0.01)
	m := res.Metadata()
	if m["liq_cue_in"] != "2.000" || m["liq_cue_out"] != "29.000" || m["liq_cross_duration"] != "6.000" || m["liq_fade_out"] != "6.000" ||
		m["liq_loudness"] == "" {
		t.Errorf("metadata %v", m)
	}
	// A longer overlap allowed: the crossfade starts at 22.3 s.
	res, err = loudness.Analyze(context.Background(), pcmtest.Source("in", pcmtest.Track{Audio: audio}),
		&loudness.AnalyzeOptions{Autocue: &loudness.AutocueOptions{MaxOverlap: 10 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	approx(t, "uncapped cross start (s)", res.Cues.CrossStart.Seconds(), 22.3, 0.01)
}

func TestAutocueSilence(t *testing.T) {
	res, err := loudness.Analyze(context.Background(), pcmtest.Source("in", pcmtest.Track{Audio: pcmtest.Sine(44100, 2, 1000, math.Inf(-1), 3)}), nil)
	if err != nil {
		t.Fatal(err)
	}
	if c := res.Cues; c.CueIn != 0 || c.CueOut != 3*time.Second || c.CrossStart != c.CueOut {
		t.Errorf("silence: %+v", c)
	}
	if _, ok := res.Metadata()["liq_loudness"]; ok {
		t.Errorf("silence has a loudness: %v", res.Metadata())
	}
}

func TestAutocueErrors(t *testing.T) {
	for _, o := range []loudness.AutocueOptions{{CueInThreshold: math.NaN()}, {CueOutThreshold: 5}, {CrossThreshold: -80}, {MaxOverlap: -time.Second}} {
		_, err := loudness.Analyze(context.Background(), onair.Sine(440, nil), &loudness.AnalyzeOptions{Autocue: &o})
		if !errors.Is(err, onair.ErrInvalidOption) {
			t.Errorf("%+v: %v", o, err)
		}
	}
}
