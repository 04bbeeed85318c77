package loudness_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/internal/pcmtest"
	"github.com/onair-go/onair/loudness"
	"github.com/onair-go/onair/onairtest"
)

func approx(t *testing.T, what string, got, want, tol float64) {
	t.Helper()
	if !(math.Abs(got-want) <= tol) {
		t.Errorf("%s = %.3f, want %.2f ±%.2f", what, got, want, tol)
	}
}

// The meter passes its input through sample for sample, marks and
// metadata included, and measures each track.
func TestMeterPassThrough(t *testing.T) {
	const rate = 44100
	tracks := []pcmtest.Track{
		{Audio: pcmtest.Sine(rate, 2, 1000, -23, 5), Metadata: onair.Metadata{"title": "a"}},
		{Audio: pcmtest.Sine(rate, 2, 1000, -13, 7.01), Metadata: onair.Metadata{"title": "b"}},
		{Audio: pcmtest.Sine(rate, 2, 1000, -33, 4)},
	}
	var per []loudness.Values
	m, err := loudness.Meter(pcmtest.Source("in", tracks...), &loudness.MeterOptions{
		PerTrack: true,
		OnTrack:  func(v loudness.Values) { per = append(per, v) },
	})
	if err != nil {
		t.Fatal(err)
	}
	c := onairtest.CollectDuration(t, m, 20*time.Second, nil)
	want := 0
	for _, tr := range tracks {
		want += len(tr.Audio[0])
	}
	if c.Len() != want {
		t.Fatalf("got %d samples, want %d", c.Len(), want)
	}
	i := 0
	for _, tr := range tracks {
		for j, v := range tr.Audio[0] {
			if c.Audio[0][i+j] != v {
				t.Fatalf("sample %d changed: %v, want %v", i+j, c.Audio[0][i+j], v)
			}
		}
		i += len(tr.Audio[0])
	}
	if len(c.Marks) != 3 || c.Marks[1] != 5*rate || len(c.Metadata) != 2 || c.Metadata[1].Pos != 5*rate {
		t.Fatalf("marks %v, metadata %v", c.Marks, c.Metadata)
	}
	if len(per) != 3 {
		t.Fatalf("%d tracks measured, want 3", len(per))
	}
	for i, want := range []float64{-23, -13, -33} {
		approx(t, "integrated of track", per[i].Integrated, want, 0.1)
		approx(t, "true peak of track", per[i].TruePeak, want, 0.2)
	}
	approx(t, "duration of track 2 (s)", per[1].Duration.Seconds(), 7.01, 1e-3)
}

// Without PerTrack the meter measures the whole stream.
func TestMeterWholeStream(t *testing.T) {
	const rate = 48000
	src := pcmtest.Source("in",
		pcmtest.Track{Audio: pcmtest.Sine(rate, 2, 1000, -36, 5)},
		pcmtest.Track{Audio: pcmtest.Sine(rate, 2, 1000, -23, 20)},
		pcmtest.Track{Audio: pcmtest.Sine(rate, 2, 1000, -36, 5)})
	m, err := loudness.Meter(src, nil)
	if err != nil {
		t.Fatal(err)
	}
	if v := m.Values(); !math.IsInf(v.Integrated, -1) {
		t.Errorf("before start: %v", v.Integrated)
	}
	onairtest.CollectDuration(t, m, 31*time.Second, &onairtest.Options{Format: onair.Format{SampleRate: rate}})
	approx(t, "integrated (as Tech 3341 case 3)", m.Values().Integrated, -23, 0.1)
}

func TestMeterErrors(t *testing.T) {
	if _, err := loudness.Meter(nil, nil); !errors.Is(err, onair.ErrInvalidOption) {
		t.Errorf("nil source: %v", err)
	}
	src := pcmtest.Source("in")
	if _, err := loudness.Meter(src, &loudness.MeterOptions{Analyzer: &loudness.Options{Weights: []float64{math.NaN(), 1}}}); !errors.Is(err, onair.ErrInvalidOption) {
		t.Errorf("NaN weight: %v", err)
	}
}

func TestMeterConformance(t *testing.T) {
	onairtest.TestSource(t, func() onair.Source {
		m, err := loudness.Meter(onairtest.Stutter(onair.Sine(440, nil)), &loudness.MeterOptions{PerTrack: true})
		if err != nil {
			t.Fatal(err)
		}
		return m
	})
}

func TestAnalyze(t *testing.T) {
	const rate = 44100
	src := pcmtest.Source("in", pcmtest.Track{Audio: pcmtest.Sine(rate, 2, 1000, -23, 10)})
	res, err := loudness.Analyze(context.Background(), src, nil)
	if err != nil {
		t.Fatal(err)
	}
	approx(t, "integrated", res.Integrated, -23, 0.1)
	approx(t, "duration", res.Duration.Seconds(), 10, 1e-6)
}

func TestAnalyzeErrors(t *testing.T) {
	ctx := context.Background()
	if _, err := loudness.Analyze(ctx, nil, nil); !errors.Is(err, onair.ErrInvalidOption) {
		t.Errorf("nil source: %v", err)
	}
	if _, err := loudness.Analyze(ctx, onair.Sine(440, nil), &loudness.AnalyzeOptions{StallTicks: -1}); !errors.Is(err, onair.ErrInvalidOption) {
		t.Errorf("negative StallTicks: %v", err)
	}
	if _, err := loudness.Analyze(ctx, onair.Sine(440, nil), &loudness.AnalyzeOptions{Format: onair.Format{SampleRate: -1}}); err == nil {
		t.Errorf("bad format: no error")
	}
	// A source that never becomes ready stalls.
	if _, err := loudness.Analyze(ctx, onair.Fail("dead"), &loudness.AnalyzeOptions{StallTicks: 10}); !errors.Is(err, loudness.ErrStalled) {
		t.Errorf("dead source: %v", err)
	}
	// An endless source runs until the context is done.
	cctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if _, err := loudness.Analyze(cctx, onair.Sine(440, nil), nil); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("endless source: %v", err)
	}
}

func TestMeterAllocs(t *testing.T) {
	m, err := loudness.Meter(onair.Sine(440, nil), nil)
	if err != nil {
		t.Fatal(err)
	}
	_, clk := onairtest.StartGraph(t, nil, onair.Sink(m, func(*onair.Frame) error { return nil }, nil))
	for range 10 {
		clk.Tick()
	}
	if n := testing.AllocsPerRun(200, clk.Tick); n != 0 {
		t.Errorf("%v allocations per tick", n)
	}
}

func strconvFormat(x float64) string { return fmt.Sprintf("%.4f", x) }

func itoa(i int) string { return fmt.Sprint(i) }
