package decode_test

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/decode"
	"github.com/stretchr/testify/require"
)

// fuzzSeeds are short files of each format; the fuzzer mutates them.
var fuzzSeeds = []tone{
	{name: "s.mp3", codec: []string{"-c:a", "libmp3lame", "-b:a", "32k"}},
	{name: "s.ogg", codec: []string{"-c:a", "libvorbis"}},
	{name: "s.opus", codec: []string{"-c:a", "libopus", "-b:a", "16k", "-f", "ogg"}},
	{name: "s.flac", codec: []string{"-c:a", "flac"}},
	{name: "s.wav", rate: 8000, channels: 1, codec: []string{"-c:a", "pcm_u8"}},
	{name: "s.m4a", codec: []string{"-c:a", "aac", "-b:a", "32k", "-movflags", "+faststart"}},
	{name: "s.aac", rate: 22050, channels: 1, codec: []string{"-c:a", "aac", "-b:a", "16k", "-f", "adts"}},
}

// FuzzFile feeds mutated media bytes to the file source: it must either
// refuse the file or decode it to the end, never panic or hang.
func FuzzFile(f *testing.F) {
	dir := f.TempDir()
	for _, s := range fuzzSeeds {
		s.seconds = 0.2
		data, err := os.ReadFile(makeTone(f, dir, s))
		require.NoError(f, err)
		f.Add(data)
		f.Add(data[:len(data)*2/3])
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		// A hang anywhere (not only in the loop below) crashes the run
		// with every goroutine's stack, so the input is kept.
		watchdog := time.AfterFunc(30*time.Second, func() {
			buf := make([]byte, 1<<20)
			panic("FuzzFile: hung:\n" + string(buf[:runtime.Stack(buf, true)]))
		})
		defer watchdog.Stop()
		path := filepath.Join(t.TempDir(), "in")
		require.NoError(t, os.WriteFile(path, data, 0o644))
		src, err := decode.File(path, &decode.FileOptions{Synchronous: true})
		if err != nil {
			var pe *decode.PathError
			require.ErrorAs(t, err, &pe)
			return
		}
		defer src.Close()
		clk := onair.NewClock("fuzz", &onair.ClockOptions{Kind: onair.Manual})
		g, err := onair.NewGraph(&onair.GraphOptions{Clock: clk})
		require.NoError(t, err)
		samples, stalled := 0, 0
		out := onair.Sink(src, func(fr *onair.Frame) error {
			samples += fr.Len()
			return nil
		}, &onair.OutputOptions{Fallible: true})
		require.NoError(t, g.Add(out))
		require.NoError(t, g.Start())
		defer g.Close()
		// Decode to the end, within a time limit. A source that stays
		// ready without producing anything is hung.
		deadline := time.Now().Add(5 * time.Second)
		for time.Now().Before(deadline) {
			before := samples
			clk.Tick()
			if !out.Started() && samples == before {
				return // ended
			}
			if samples == before {
				if stalled++; stalled > 100 {
					t.Fatalf("source ready but produced nothing for %d ticks", stalled)
				}
			} else {
				stalled = 0
			}
		}
	})
}
