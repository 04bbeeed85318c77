package encode_test

import (
	"bytes"
	"log/slog"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/asticode/go-astiav"
	"github.com/onair-go/onair"
	"github.com/onair-go/onair/encode"
	"github.com/onair-go/onair/internal/logtest"
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

// TestFFmpegMessagesToLogger: an Encoder given a logger gets FFmpeg's
// messages about its codecs and container (libx264's statistics when the
// codec closes, at Info, named "libx264"), and nothing reaches the
// process's standard error, where FFmpeg writes by default.
func TestFFmpegMessagesToLogger(t *testing.T) {
	level := astiav.GetLogLevel()
	astiav.SetLogLevel(astiav.LogLevelInfo)
	defer astiav.SetLogLevel(level)
	stderr := captureStderr(t)
	rec := &logtest.Handler{}
	enc := encode.New(&encode.Options{Logger: slog.New(rec)})
	v, err := enc.AddVideo(64, 48, onair.Rational{Num: 25, Den: 1}, &encode.VideoOptions{Preset: "ultrafast"})
	require.NoError(t, err)
	a, err := enc.AddAudio(44100, 2, &encode.AudioOptions{Codec: "libmp3lame"})
	require.NoError(t, err)
	var out bytes.Buffer
	require.NoError(t, enc.OpenWriter(&out, "mpegts"))
	require.NoError(t, v.AddFrames(pictures(64, 48, 10)...))
	require.NoError(t, a.AddSamples(sine(44100, 2, 44100*10/25, 440)))
	require.NoError(t, enc.Close())
	got := stderr()

	assert.Empty(t, got, "nothing on standard error")
	var stats []string
	for _, r := range rec.Records() {
		if logtest.Attr(r, "ffmpeg").String() == "libx264" && r.Level == slog.LevelInfo {
			stats = append(stats, r.Message)
		}
	}
	assert.True(t, slicesContain(stats, "frame I:"), "libx264's statistics reach the logger: %q", stats)
	assert.NotEmpty(t, out.Bytes())
}

func slicesContain(l []string, sub string) bool {
	for _, s := range l {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// TestLAMETail: a libmp3lame stream that ends 1 to 47 samples past one of
// its frames (1152 samples, 576 at 22.05 kHz) used to get one packet more
// from LAME's flush than FFmpeg's wrapper had queued samples for: a packet
// without a duration, and the warning "Trying to remove 1152 samples, but
// the queue is empty". Every stream now ends with packets of real
// durations and no warning, whatever its length.
func TestLAMETail(t *testing.T) {
	level := astiav.GetLogLevel()
	astiav.SetLogLevel(astiav.LogLevelDebug)
	defer astiav.SetLogLevel(level)
	for _, rate := range []int{44100, 22050} {
		frame := 1152
		if rate < 32000 {
			frame = 576
		}
		for _, n := range []int{1, 20, 47, 48, frame, frame + 1, frame + 47, 30*frame + 1, 30*frame + 47, 30*frame + 48} {
			rec := &logtest.Handler{}
			e, err := encode.NewAudioEncoder(rate, 2, &encode.AudioOptions{Codec: "libmp3lame", Logger: slog.New(rec)})
			require.NoError(t, err)
			var pkts []onair.Packet
			keep := func(p onair.Packet) error { pkts = append(pkts, p); return nil }
			require.NoError(t, e.Encode(sine(rate, 2, n, 440), keep))
			require.NoError(t, e.Flush(keep))
			require.NoError(t, e.Close())
			for _, r := range rec.Records() {
				assert.NotContains(t, r.Message, "queue is empty", "%d Hz, %d samples", rate, n)
			}
			var total int64
			for i, p := range pkts {
				assert.Positive(t, p.Duration, "%d Hz, %d samples: packet %d of %d has a duration", rate, n, i, len(pkts))
				total += p.Duration
			}
			// The durations count LAME's priming too, as FFmpeg reckons it
			// (encoder delay 576 + decoder delay 529).
			const priming = 1105
			assert.GreaterOrEqual(t, total, int64(n+priming), "%d Hz: the packets cover the input", rate)
			assert.LessOrEqual(t, total, int64(n+priming+47), "%d Hz: at most 47 samples of silence added", rate)
		}
	}
}
