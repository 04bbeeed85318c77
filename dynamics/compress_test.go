package dynamics_test

import (
	"errors"
	"math"
	"syscall"
	"testing"
	"time"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/dynamics"
	"github.com/onair-go/onair/internal/pcmtest"
	"github.com/onair-go/onair/onairtest"
)

func peakDB(x []float32) float64 {
	var p float64
	for _, v := range x {
		p = max(p, math.Abs(float64(v)))
	}
	return 20 * math.Log10(p)
}

// A steady tone settles on the static curve: threshold + (level -
// threshold)/ratio above the knee, unchanged well below it.
func TestCompressStaticCurve(t *testing.T) {
	const rate = 44100
	cases := []struct {
		level, threshold, ratio, makeup, want float64
	}{
		{-6, -10, 2, 0, -8},
		{0, -20, 4, 0, -15},
		{-30, -10, 2, 0, -30},
		{-6, -10, 2, 3, -5},
		{0, -12, math.Inf(1), 0, -12},
	}
	for _, tc := range cases {
		src := pcmtest.Source("in", pcmtest.Track{Audio: pcmtest.Sine(rate, 2, 1000, tc.level, 3)})
		c, err := dynamics.Compress(src, &dynamics.CompressOptions{Threshold: tc.threshold, Ratio: tc.ratio, Makeup: tc.makeup,
			Attack: time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		cap := onairtest.CollectDuration(t, c, 3*time.Second, nil)
		got := peakDB(cap.Audio[0][2*rate:])
		// The gain recovers a little between the crests of the sine
		// (release 400 ms), more the more it is reduced: allow 0.2 dB.
		if math.Abs(got-tc.want) > 0.2 {
			t.Errorf("%+v: output peak %.2f dBFS, want %.2f", tc, got, tc.want)
		}
	}
}

func TestCompressPassThrough(t *testing.T) {
	tracks := []pcmtest.Track{
		{Audio: pcmtest.Sine(44100, 2, 440, -40, 1), Metadata: onair.Metadata{"title": "a"}},
		{Audio: pcmtest.Sine(44100, 2, 440, -40, 0.5), Metadata: onair.Metadata{"title": "b"}},
	}
	c, err := dynamics.Compress(pcmtest.Source("in", tracks...), nil)
	if err != nil {
		t.Fatal(err)
	}
	cap := onairtest.Collect(t, c, 100, nil)
	if cap.Len() != 44100+22050 || len(cap.Marks) != 2 || cap.Marks[1] != 44100 || cap.Metadata[1].Pos != 44100 {
		t.Fatalf("len %d, marks %v, metadata %v", cap.Len(), cap.Marks, cap.Metadata)
	}
	for i, v := range tracks[0].Audio[0] {
		if cap.Audio[0][i] != v {
			t.Fatalf("sample %d below the threshold changed: %v, want %v", i, cap.Audio[0][i], v)
		}
	}
}

func TestCompressConformance(t *testing.T) {
	onairtest.TestSource(t, func() onair.Source {
		c, err := dynamics.Compress(onairtest.Stutter(onair.Sine(440, nil)), &dynamics.CompressOptions{Threshold: -20, Ratio: 4})
		if err != nil {
			t.Fatal(err)
		}
		return c
	})
}

func TestBadOptions(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	src := onair.Sine(440, nil)
	compress := []dynamics.CompressOptions{
		{Threshold: nan}, {Threshold: 3}, {Threshold: -inf}, {Threshold: -200},
		{Ratio: nan}, {Ratio: 0.5}, {Ratio: -2},
		{Knee: nan}, {Knee: -1}, {Knee: 100},
		{Attack: -time.Millisecond}, {Attack: time.Minute},
		{Release: -time.Second}, {Release: time.Hour},
		{Makeup: nan}, {Makeup: inf}, {Makeup: 100},
	}
	for _, o := range compress {
		if c, err := dynamics.Compress(src, &o); !errors.Is(err, onair.ErrInvalidOption) || c != nil {
			t.Errorf("Compress(%+v) = %v, %v; want ErrInvalidOption", o, c, err)
		}
	}
	limit := []dynamics.LimitOptions{
		{Ceiling: nan}, {Ceiling: 0.5}, {Ceiling: -inf}, {Ceiling: -100},
		{Lookahead: -time.Millisecond}, {Lookahead: time.Microsecond}, {Lookahead: time.Second},
		{Release: -time.Second}, {Release: time.Hour},
	}
	for _, o := range limit {
		if l, err := dynamics.Limit(src, &o); !errors.Is(err, onair.ErrInvalidOption) || l != nil {
			t.Errorf("Limit(%+v) = %v, %v; want ErrInvalidOption", o, l, err)
		}
	}
	if _, err := dynamics.Compress(nil, nil); !errors.Is(err, onair.ErrInvalidOption) {
		t.Errorf("Compress(nil): %v", err)
	}
	if _, err := dynamics.Limit(nil, nil); !errors.Is(err, onair.ErrInvalidOption) {
		t.Errorf("Limit(nil): %v", err)
	}
}

func FuzzOptions(f *testing.F) {
	f.Add(-10.0, 2.0, 1.0, int64(50e6), int64(400e6), 0.0, -1.0, int64(5e6))
	f.Add(math.NaN(), 0.5, -1.0, int64(-1), int64(0), math.Inf(1), 3.0, int64(0))
	f.Fuzz(func(t *testing.T, th, ratio, knee float64, att, rel int64, makeup, ceiling float64, la int64) {
		src := onair.Sine(440, nil)
		c, err := dynamics.Compress(src, &dynamics.CompressOptions{Threshold: th, Ratio: ratio, Knee: knee,
			Attack: time.Duration(att), Release: time.Duration(rel), Makeup: makeup})
		if (err == nil) == (c == nil) {
			t.Fatalf("Compress: %v, %v", c, err)
		}
		if err != nil && !errors.Is(err, onair.ErrInvalidOption) {
			t.Fatalf("Compress error %v does not wrap ErrInvalidOption", err)
		}
		l, err := dynamics.Limit(src, &dynamics.LimitOptions{Ceiling: ceiling, Lookahead: time.Duration(la), Release: time.Duration(rel)})
		if (err == nil) == (l == nil) {
			t.Fatalf("Limit: %v, %v", l, err)
		}
		if err == nil {
			// A valid limiter runs.
			onairtest.Collect(t, l, 3, nil)
		}
	})
}

func BenchmarkTick(b *testing.B) {
	// "source" is the cost of the noise source alone, included in the others.
	for _, name := range []string{"source", "compress", "limit", "compress+limit"} {
		b.Run(name, func(b *testing.B) {
			var src onair.Source = onair.Noise(&onair.GenOptions{Amplitude: 2})
			var err error
			if name == "compress" || name == "compress+limit" {
				if src, err = dynamics.Compress(src, &dynamics.CompressOptions{Threshold: -20, Ratio: 4}); err != nil {
					b.Fatal(err)
				}
			}
			if name == "limit" || name == "compress+limit" {
				if src, err = dynamics.Limit(src, nil); err != nil {
					b.Fatal(err)
				}
			}
			_, clk := onairtest.StartGraph(b, nil, onair.Sink(src, func(*onair.Frame) error { return nil }, nil))
			b.ReportAllocs()
			start := cpuTime()
			for b.Loop() {
				clk.Tick()
			}
			// CPU time per tick: steadier than wall time on a shared machine.
			b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/tick")
		})
	}
}

// cpuTime returns the CPU time (user and system) of the process so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
