package mux_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/asticode/go-astiav"
	"github.com/onair-go/onair"
	"github.com/onair-go/onair/decode"
	"github.com/onair-go/onair/encode"
	"github.com/onair-go/onair/internal/logtest"
	"github.com/onair-go/onair/mux"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// captureStderr sends the process's standard error (file descriptor 2,
// where FFmpeg's default log callback writes) to a file until the
// returned function is called, which restores it and returns what was
// written.
func captureStderr(t *testing.T) func() string {
	t.Helper()
	f, err := os.CreateTemp(t.TempDir(), "stderr")
	require.NoError(t, err)
	saved, err := syscall.Dup(2)
	require.NoError(t, err)
	require.NoError(t, syscall.Dup3(int(f.Fd()), 2, 0))
	var once sync.Once
	var out string
	restore := func() string {
		once.Do(func() {
			_ = syscall.Dup3(saved, 2, 0)
			_ = syscall.Close(saved)
			b, _ := os.ReadFile(f.Name())
			out = string(b)
			f.Close()
		})
		return out
	}
	t.Cleanup(func() { restore() })
	return restore
}

// wav returns a WAV file of n stereo samples of a 440 Hz tone at 44.1 kHz.
func wav(n int) []byte {
	var b bytes.Buffer
	le := binary.LittleEndian
	b.WriteString("RIFF")
	_ = binary.Write(&b, le, uint32(36+n*4))
	b.WriteString("WAVEfmt ")
	for _, v := range []any{uint32(16), uint16(1), uint16(2), uint32(44100), uint32(44100 * 4), uint16(4), uint16(16)} {
		_ = binary.Write(&b, le, v)
	}
	b.WriteString("data")
	_ = binary.Write(&b, le, uint32(n*4))
	for i := range n {
		v := int16(8000 * math.Sin(2*math.Pi*440*float64(i)/44100))
		_ = binary.Write(&b, le, []int16{v, v})
	}
	return b.Bytes()
}

// TestLiveShutdownLAME: a live source encoded to MP3 (libmp3lame, shared
// encoder and inside the output) whose stream ends, then the station
// closes (or closes while it plays): FFmpeg's messages reach the given
// logger, and libmp3lame never complains that it emitted more than it
// was given ("Trying to remove 1152 samples, but the queue is empty"),
// whatever the length of the stream.
func TestLiveShutdownLAME(t *testing.T) {
	level := astiav.GetLogLevel()
	astiav.SetLogLevel(astiav.LogLevelWarning)
	defer astiav.SetLogLevel(level)
	// libmp3lame's flush misbehaved when the stream ended 1 to 47 samples
	// past one of its 1152-sample frames.
	for _, samples := range []int{1152*38 + 1, 1152*38 + 20, 1152*38 + 47, 1152*38 + 48, 44100, 100} {
		for _, c := range []struct{ inline, early bool }{{false, false}, {true, false}, {false, true}, {true, true}} {
			inline := c.inline
			var logs logtest.Buffer
			log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
			live, err := decode.Live(&decode.LiveOptions{ID: "studio", Logger: log})
			require.NoError(t, err)
			path := filepath.Join(t.TempDir(), "live.mp3")
			var out onair.Source
			if inline {
				out, err = mux.File(live, path, &mux.FileOptions{Options: mux.Options{Fallible: true, Logger: log,
					Tracks: []mux.Track{mux.EncodeTrack("audio", &encode.AudioOptions{Codec: "libmp3lame"})}}})
			} else {
				var enc *encode.Shared
				enc, err = encode.Audio(live, &encode.AudioOptions{Codec: "libmp3lame", Logger: log})
				require.NoError(t, err)
				out, err = mux.File(enc, path, &mux.FileOptions{Options: mux.Options{Fallible: true, Logger: log}})
			}
			require.NoError(t, err)
			clk := onair.NewClock("test", &onair.ClockOptions{Kind: onair.Manual})
			g, err := onair.NewGraph(&onair.GraphOptions{Clock: clk, SyncCallbacks: true, Logger: log})
			require.NoError(t, err)
			require.NoError(t, g.Add(out))
			stderr := captureStderr(t)
			require.NoError(t, g.Start())
			require.NoError(t, live.Play(context.Background(), bytes.NewReader(wav(samples)), "audio/wav"))
			ticks := samples/882 + 10
			if c.early {
				ticks = samples / 882 / 2 // the station stops while the stream plays
			}
			for range ticks {
				clk.Tick()
			}
			require.NoError(t, g.Close())
			assert.Empty(t, stderr(), "%d samples, %+v: nothing on standard error", samples, c)
			got := logs.String()
			assert.NotContains(t, got, "queue is empty", "%d samples, %+v:\n%s", samples, c, got)
			assert.NotContains(t, got, "frames left in the queue", "%d samples, %+v:\n%s", samples, c, got)
			if strings.Contains(got, "ffmpeg=") {
				t.Logf("%d samples, %+v: FFmpeg said:\n%s", samples, c, got)
			}
		}
	}
}
