package decode_test

import (
	"bytes"
	"log/slog"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/onair-go/onair/decode"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDebianSounds decodes sounds shipped by Debian packages (installed by
// scripts/test-deps.sh): Vorbis from sound-theme-freedesktop, WAV from
// alsa-utils. Each decodes without an error to the length the ffmpeg program decodes.
func TestDebianSounds(t *testing.T) {
	var files []string
	for _, pat := range []string{"/usr/share/sounds/freedesktop/stereo/*.oga", "/usr/share/sounds/alsa/*.wav"} {
		m, err := filepath.Glob(pat)
		require.NoError(t, err)
		require.NotEmpty(t, m, "%s: run scripts/test-deps.sh to install the Debian sound packages", pat)
		files = append(files, m...)
	}
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			// The reference: the ffmpeg program decoding the same file.
			var stderr bytes.Buffer
			cmd := exec.Command("ffmpeg", "-nostdin", "-v", "error", "-i", path, "-f", "f32le", "-ac", "1", "-ar", "44100", "-")
			cmd.Stderr = &stderr
			out, err := cmd.Output()
			require.NoError(t, err)
			require.Empty(t, stderr.String())
			want := len(out) / 4
			secs := float64(want) / 44100
			var logs bytes.Buffer
			src, err := decode.File(path, &decode.FileOptions{Synchronous: true, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
			require.NoError(t, err)
			defer src.Close()
			r := newRig(t, src, true)
			r.run(int(secs*50) + 10)
			assert.InDelta(t, want, r.cap.samples, 882, "decoded length within one frame of the ffmpeg program's")
			assert.Empty(t, logs.String(), "no decoding error")
			assert.Greater(t, rms(r.cap.audio[0]), 0.0001)
		})
	}
}
