package decode_test

import (
	"os"
	"testing"
	"time"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/decode"
	"github.com/stretchr/testify/require"
)

// BenchmarkDecodeFile decodes a whole file to the graph format (44.1 kHz
// stereo float) through a graph. The file is $ONAIR_BENCH_FILE, or a 20 s
// 48 kHz stereo MP3 made here (so that resampling is part of the work).
// scripts/bench-decode.sh compares its CPU time with the ffmpeg program's.
func BenchmarkDecodeFile(b *testing.B) {
	path := os.Getenv("ONAIR_BENCH_FILE")
	if path == "" {
		path = makeTone(b, b.TempDir(), tone{name: "bench.mp3", rate: 48000, seconds: 20, codec: []string{"-c:a", "libmp3lame", "-b:a", "192k"}})
	}
	b.ReportAllocs()
	var samples int
	for b.Loop() {
		samples = decodeAll(b, path)
	}
	b.ReportMetric(float64(samples)/44100*float64(b.N)/b.Elapsed().Seconds(), "x-realtime")
}

// decodeAll plays path to its end on a manual clock and returns the
// number of samples.
func decodeAll(b *testing.B, path string) int {
	src, err := decode.File(path, &decode.FileOptions{Synchronous: true})
	require.NoError(b, err)
	defer src.Close()
	clk := onair.NewClock("bench", &onair.ClockOptions{Kind: onair.Manual})
	g, err := onair.NewGraph(&onair.GraphOptions{Clock: clk})
	require.NoError(b, err)
	samples := 0
	out := onair.Sink(src, func(f *onair.Frame) error { samples += f.Len(); return nil }, &onair.OutputOptions{Fallible: true})
	require.NoError(b, g.Add(out))
	require.NoError(b, g.Start())
	defer g.Close()
	want := src.Duration()
	for i := 0; ; i++ {
		before := samples
		clk.Tick()
		if samples == before && i > 0 {
			break
		}
	}
	require.InDelta(b, want.Seconds(), float64(samples)/44100, 0.1)
	_ = time.Second
	return samples
}
