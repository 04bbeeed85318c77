package loudness

import (
	"errors"
	"math"
	"sync"
	"testing"
	"time"

	"github.com/onair-go/onair"
)

func TestNewAnalyzerErrors(t *testing.T) {
	nan := math.NaN()
	cases := []struct {
		name           string
		rate, channels int
		opts           *Options
	}{
		{"zero rate", 0, 2, nil},
		{"negative rate", -48000, 2, nil},
		{"rate too low", 4000, 2, nil},
		{"rate too high", 1000000, 2, nil},
		{"no channels", 48000, 0, nil},
		{"too many channels", 48000, 65, nil},
		{"short weights", 48000, 2, &Options{Weights: []float64{1}}},
		{"NaN weight", 48000, 2, &Options{Weights: []float64{1, nan}}},
		{"negative weight", 48000, 2, &Options{Weights: []float64{1, -1}}},
		{"infinite weight", 48000, 2, &Options{Weights: []float64{math.Inf(1), 1}}},
		{"zero weights", 48000, 2, &Options{Weights: []float64{0, 0}}},
		{"negative range interval", 48000, 2, &Options{RangeInterval: -time.Second}},
		{"range interval not of 100 ms", 48000, 2, &Options{RangeInterval: 150 * time.Millisecond}},
		{"range interval too long", 48000, 2, &Options{RangeInterval: 4 * time.Second}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a, err := NewAnalyzer(tc.rate, tc.channels, tc.opts)
			if !errors.Is(err, onair.ErrInvalidOption) || a != nil {
				t.Fatalf("NewAnalyzer = %v, %v; want an error wrapping ErrInvalidOption", a, err)
			}
		})
	}
}

func TestWriteErrors(t *testing.T) {
	a := newAnalyzer(t, 48000, 2)
	if err := a.Write([][]float32{make([]float32, 10)}); !errors.Is(err, onair.ErrInvalidOption) {
		t.Errorf("one channel into two: %v", err)
	}
	if err := a.Write([][]float32{make([]float32, 10), make([]float32, 9)}); !errors.Is(err, onair.ErrInvalidOption) {
		t.Errorf("unequal lengths: %v", err)
	}
	if d := a.Values().Duration; d != 0 {
		t.Errorf("bad writes measured %v", d)
	}
}

func TestEmptyValues(t *testing.T) {
	a := newAnalyzer(t, 48000, 2)
	v := a.Values()
	for name, x := range map[string]float64{"momentary": v.Momentary, "short-term": v.ShortTerm, "integrated": v.Integrated, "true peak": v.TruePeak} {
		if !math.IsInf(x, -1) {
			t.Errorf("%s of nothing = %v, want -Inf", name, x)
		}
	}
	if v.Range != 0 {
		t.Errorf("range of nothing = %v", v.Range)
	}
	// Silence stays below the absolute gate.
	feed(t, a, synth(48000, 2, tone{level: math.Inf(-1), secs: 5}), nil)
	if v := a.Values(); !math.IsInf(v.Integrated, -1) {
		t.Errorf("integrated of silence = %v", v.Integrated)
	}
}

func TestReset(t *testing.T) {
	a := newAnalyzer(t, 48000, 2)
	feed(t, a, synth(48000, 2, tone{freq: 1000, level: -10, secs: 5}), nil)
	a.Reset()
	feed(t, a, synth(48000, 2, tone{freq: 1000, level: -23, secs: 5}), nil)
	v := a.Values()
	near(t, "integrated after reset", v.Integrated, -23, 0.1)
	near(t, "max momentary after reset", v.MaxMomentary, -23, 0.1)
	near(t, "true peak after reset", v.TruePeak, -23, 0.2)
}

// The LFE channel does not count; surround channels weigh 1.41.
func TestWeights(t *testing.T) {
	a := newAnalyzer(t, 48000, 6)
	lfeOnly := []float64{math.Inf(-1), math.Inf(-1), math.Inf(-1), 0, math.Inf(-1), math.Inf(-1)}
	feed(t, a, synth(48000, 6, tone{freq: 60, levels: lfeOnly, secs: 3}), nil)
	if v := a.Values(); !math.IsInf(v.Integrated, -1) || v.TruePeak < -0.2 {
		t.Errorf("LFE only: integrated %v (want -Inf), true peak %v (want 0)", v.Integrated, v.TruePeak)
	}
	a.Reset()
	// One surround channel at -23 - 10·log10(1.41) dBFS reads like one
	// front channel at -23 dBFS, i.e. -26 LUFS.
	sur := []float64{math.Inf(-1), math.Inf(-1), math.Inf(-1), math.Inf(-1), -23 - 10*math.Log10(1.41), math.Inf(-1)}
	feed(t, a, synth(48000, 6, tone{freq: 1000, levels: sur, secs: 5}), nil)
	near(t, "surround", a.Values().Integrated, -26.01, 0.1)
}

func TestWriteAllocs(t *testing.T) {
	a := newAnalyzer(t, 44100, 2)
	audio := synth(44100, 2, tone{freq: 440, level: -10, secs: 0.02})
	if n := testing.AllocsPerRun(500, func() { _ = a.Write(audio); _ = a.Values() }); n != 0 {
		t.Errorf("%v allocations per Write", n)
	}
}

// Values is read from other goroutines while audio is written (run with
// -race).
func TestConcurrentValues(t *testing.T) {
	a := newAnalyzer(t, 48000, 2)
	audio := synth(48000, 2, tone{freq: 1000, level: -23, secs: 3})
	var wg sync.WaitGroup
	done := make(chan struct{})
	wg.Go(func() {
		for {
			select {
			case <-done:
				return
			default:
				_ = a.Values()
			}
		}
	})
	feed(t, a, audio, nil)
	close(done)
	wg.Wait()
	near(t, "integrated", a.Values().Integrated, -23, 0.1)
}

func BenchmarkWrite(b *testing.B) {
	for _, tp := range []bool{true, false} {
		name := "truepeak"
		if !tp {
			name = "no-truepeak"
		}
		b.Run(name, func(b *testing.B) {
			a, err := NewAnalyzer(44100, 2, &Options{NoTruePeak: !tp})
			if err != nil {
				b.Fatal(err)
			}
			// Noise-like music stand-in: a sum of sines with a moving level.
			audio := synth(44100, 2, tone{freq: 440, level: -12, secs: 1}, tone{freq: 3000, level: -3, secs: 1}, tone{freq: 90, level: -20, secs: 1})
			part := make([][]float32, 2)
			b.ReportAllocs()
			b.SetBytes(int64(len(audio[0]) * 2 * 4))
			for b.Loop() {
				for i := 0; i < len(audio[0]); i += 882 {
					for c := range audio {
						part[c] = audio[c][i : i+882]
					}
					_ = a.Write(part)
				}
			}
			b.ReportMetric(float64(b.Elapsed())/float64(b.N)/3*3600/1e9, "s/hour")
		})
	}
}
