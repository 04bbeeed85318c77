package loudness_test

import (
	"errors"
	"math"
	"testing"
	"time"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/internal/pcmtest"
	"github.com/onair-go/onair/loudness"
	"github.com/onair-go/onair/onairtest"
)

// Each track is brought to the target from its tags, the override wins,
// and the gain changes only at track marks.
func TestNormalize(t *testing.T) {
	const rate = 44100
	music := func(level float64, seed uint64) [][]float32 { return pcmtest.Music(rate, 2, level, 5, seed) }
	measure := func(a [][]float32) float64 {
		an, _ := loudness.NewAnalyzer(rate, 2, nil)
		_ = an.Write(a)
		return an.Values().Integrated
	}
	tracks := []pcmtest.Track{
		{Audio: music(-1, 1)},  // measured below, given as liq_loudness
		{Audio: music(-12, 2)}, // ReplayGain
		{Audio: music(-6, 3)},  // R128
		{Audio: music(-3, 4)},  // override: -6 dB as such
		{Audio: music(-10, 5)}, // nothing: unity
	}
	l0, l1, l2 := measure(tracks[0].Audio), measure(tracks[1].Audio), measure(tracks[2].Audio)
	tracks[0].Metadata = onair.Metadata{"liq_loudness": ftoa(l0) + " LUFS"}
	tracks[1].Metadata = onair.Metadata{"REPLAYGAIN_TRACK_GAIN": ftoa(-18-l1) + " dB", "liq_loudness": "-99"}
	tracks[2].Metadata = onair.Metadata{"r128_track_gain": itoa(int(math.Round((-23 - l2) * 256)))}
	tracks[3].Metadata = onair.Metadata{"liq_amplify": "-6 dB", "replaygain_track_gain": "+3 dB"}
	n, err := loudness.Normalize(pcmtest.Source("in", tracks...), nil)
	if err != nil {
		t.Fatal(err)
	}
	var per []loudness.Values
	m, err := loudness.Meter(n, &loudness.MeterOptions{PerTrack: true, OnTrack: func(v loudness.Values) { per = append(per, v) }})
	if err != nil {
		t.Fatal(err)
	}
	onairtest.CollectDuration(t, m, 26*time.Second, nil)
	if len(per) != 5 {
		t.Fatalf("%d tracks", len(per))
	}
	for i := range 3 {
		approx(t, "normalized track", per[i].Integrated, -14, 0.1)
	}
	approx(t, "overridden track", per[3].Integrated, measure(tracks[3].Audio)-6, 0.05)
	approx(t, "untagged track", per[4].Integrated, measure(tracks[4].Audio), 0.05)
}

// A gain given inside a track waits for the next track.
func TestNormalizeOnlyAtMarks(t *testing.T) {
	a := pcmtest.Sine(44100, 2, 1000, -20, 1)
	src := pcmtest.Source("in", pcmtest.Track{Audio: a, Metadata: onair.Metadata{"liq_loudness": "-20"}})
	n, err := loudness.Normalize(src, &loudness.NormalizeOptions{Target: -23})
	if err != nil {
		t.Fatal(err)
	}
	c := onairtest.Collect(t, n, 60, &onairtest.Options{OnTick: func(tick int) {
		if tick == 10 {
			n.Node().InsertMetadata(onair.Metadata{"liq_loudness": "-40"}, false)
		}
	}})
	want := float32(math.Pow(10, -3.0/20))
	for i, v := range a[0] {
		if d := math.Abs(float64(c.Audio[0][i] - v*want)); d > 1e-6 {
			t.Fatalf("sample %d = %v, want %v", i, c.Audio[0][i], v*want)
		}
	}
	approx(t, "gain", n.Gain(), -3, 1e-9)
}

func TestNormalizeMaxGain(t *testing.T) {
	src := pcmtest.Source("in", pcmtest.Track{Audio: pcmtest.Sine(44100, 2, 1000, -40, 0.1), Metadata: onair.Metadata{"liq_loudness": "-50 LUFS"}})
	n, err := loudness.Normalize(src, nil)
	if err != nil {
		t.Fatal(err)
	}
	onairtest.Collect(t, n, 5, nil)
	approx(t, "capped gain", n.Gain(), 12, 1e-9)
}

func TestNormalizeErrors(t *testing.T) {
	src := onair.Sine(440, nil)
	for _, o := range []loudness.NormalizeOptions{{Target: math.NaN()}, {Target: 3}, {Target: -90}, {MaxGain: -1}, {MaxGain: math.NaN()}, {MaxGain: 100}} {
		if n, err := loudness.Normalize(src, &o); !errors.Is(err, onair.ErrInvalidOption) || n != nil {
			t.Errorf("Normalize(%+v) = %v, %v", o, n, err)
		}
	}
	if _, err := loudness.Normalize(nil, nil); !errors.Is(err, onair.ErrInvalidOption) {
		t.Errorf("nil source: %v", err)
	}
}

func TestNormalizeAllocs(t *testing.T) {
	src := onair.Sine(440, &onair.GenOptions{Duration: 100 * time.Millisecond, Metadata: onair.Metadata{"replaygain_track_gain": "-3.5 dB"}})
	n, err := loudness.Normalize(src, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, clk := onairtest.StartGraph(t, nil, onair.Sink(n, func(*onair.Frame) error { return nil }, nil))
	for range 10 {
		clk.Tick()
	}
	if a := testing.AllocsPerRun(200, clk.Tick); a != 0 {
		t.Errorf("%v allocations per tick", a)
	}
	approx(t, "gain", n.Gain(), -3.5-14+18, 1e-9)
}

func ftoa(x float64) string { return strconvFormat(x) }
