package decode_test

import (
	"bytes"
	"context"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/decode"
	"github.com/stretchr/testify/require"
)

// cpuTime returns the CPU time (user + system) the process used so far.
func cpuTime(tb testing.TB) time.Duration {
	var ru syscall.Rusage
	require.NoError(tb, syscall.Getrusage(syscall.RUSAGE_SELF, &ru))
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkLiveMP3 decodes a 60 s 128 kb/s MP3 stream through
// LiveSource.Play and plays it out on a manual clock, as a harbor or
// HTTP input does. It reports the CPU used per second of audio (cpu-%:
// percent of one core for a real-time stream) next to the ffmpeg
// program's for the same decoding (-f f32le -ar 44100 -ac 2).
func BenchmarkLiveMP3(b *testing.B) {
	const seconds = 60
	path := makeTone(b, b.TempDir(), tone{name: "bench.mp3", seconds: seconds, codec: mp3Codec})
	data := readFile(b, path)
	src, err := decode.Live(&decode.LiveOptions{MaxBuffer: 2 * seconds * time.Second})
	require.NoError(b, err)
	clk := onair.NewClock("bench", &onair.ClockOptions{Kind: onair.Manual})
	g, err := onair.NewGraph(&onair.GraphOptions{Clock: clk})
	require.NoError(b, err)
	samples := 0
	require.NoError(b, g.Add(onair.Sink(src, func(f *onair.Frame) error { samples += f.Len(); return nil }, &onair.OutputOptions{Fallible: true})))
	require.NoError(b, g.Start())
	defer g.Close()

	b.ReportAllocs()
	cpu0 := cpuTime(b)
	for b.Loop() {
		samples = 0
		require.NoError(b, src.Play(context.Background(), bytes.NewReader(data), "audio/mpeg"))
		for range seconds*50 + 10 {
			clk.Tick()
		}
		require.InDelta(b, seconds*44100, samples, 882)
	}
	cpu := cpuTime(b) - cpu0
	b.ReportMetric(100*cpu.Seconds()/float64(seconds*b.N), "cpu-%")

	cmd := exec.Command("ffmpeg", "-nostdin", "-v", "error", "-i", path, "-f", "f32le", "-ar", "44100", "-ac", "2", "-y", "/dev/null")
	require.NoError(b, cmd.Run())
	fcpu := cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	b.ReportMetric(100*fcpu.Seconds()/seconds, "ffmpeg-cpu-%")
}
