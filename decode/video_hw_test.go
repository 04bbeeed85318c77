package decode_test

import (
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"github.com/onair-go/onair/decode"
	"github.com/onair-go/onair/hw"
	"github.com/onair-go/onair/internal/logtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// hwUnavailableHere reports whether spec cannot be used on this machine
// by what the build and /dev say: CUDA is not in this project's FFmpeg
// build (see the hw package doc), VAAPI needs a DRM render node.
func hwUnavailableHere(t *testing.T, spec string) bool {
	t.Helper()
	typ, _, err := hw.ParseDevice(spec)
	require.NoError(t, err)
	if !hw.Supported(typ) {
		return true
	}
	if typ == "vaapi" {
		m, _ := filepath.Glob("/dev/dri/renderD*")
		return len(m) == 0
	}
	d, err := hw.Open(spec)
	if err != nil {
		return true
	}
	d.Close()
	return false
}

// TestFileHardwareFallback asks for hardware decoding where there is
// none: the video decodes in software with one logged reason; in strict
// mode File fails with the typed error.
func TestFileHardwareFallback(t *testing.T) {
	path := makeClip(t, t.TempDir(), clip{name: "v.mp4", size: "320x240", rate: "30", seconds: 2})
	for _, spec := range []string{"cuda", "vaapi", "vaapi:/dev/dri/renderD999"} {
		t.Run(strings.ReplaceAll(spec, "/", "_"), func(t *testing.T) {
			if !hwUnavailableHere(t, spec) {
				// A machine with this device: hardware decoding must give
				// the same pictures (the success path).
				w := &logtest.Handler{}
				src, err := decode.File(path, &decode.FileOptions{Synchronous: true, Device: spec, StrictDevice: true, Logger: slog.New(w)})
				require.NoError(t, err)
				defer src.Close()
				c := videoRig(t, src, videoFormat, 200)
				checkGrid(t, c.pics, c.samples)
				assert.Empty(t, w.Messages(slog.LevelWarn))
				return
			}
			w := &logtest.Handler{}
			src, err := decode.File(path, &decode.FileOptions{Synchronous: true, Device: spec, Logger: slog.New(w)})
			require.NoError(t, err, "without StrictDevice, missing hardware is not an error")
			c := videoRig(t, src, videoFormat, 200)
			require.NoError(t, src.Close())
			checkGrid(t, c.pics, c.samples)
			assert.InDelta(t, 50, len(c.pics), 1, "2 s at 25 fps, decoded in software")
			assert.Greater(t, lumaMean(c.pics[10]), 40.0, "real pictures, not black")
			msgs := w.Messages(slog.LevelWarn)
			require.Len(t, msgs, 1, "one logged reason: %q", msgs)
			assert.Contains(t, msgs[0], "hardware video decoding unavailable")
			assert.Contains(t, msgs[0], "device="+spec)
			assert.Contains(t, msgs[0], "device unavailable")

			_, err = decode.File(path, &decode.FileOptions{Device: spec, StrictDevice: true})
			require.Error(t, err, "strict mode")
			assert.ErrorIs(t, err, hw.ErrUnavailable)
			var he *hw.Error
			require.ErrorAs(t, err, &he)
			assert.Equal(t, spec, he.Device)
			var pe *decode.PathError
			require.ErrorAs(t, err, &pe)
			assert.Equal(t, path, pe.Path)
		})
	}
}

func TestFileUnknownDevice(t *testing.T) {
	path := makeClip(t, t.TempDir(), clip{name: "v.mp4", size: "320x240", rate: "30", seconds: 1})
	_, err := decode.File(path, &decode.FileOptions{Device: "nvidia"})
	require.ErrorIs(t, err, hw.ErrUnknownType, "a typo is an error even without StrictDevice")
	assert.Contains(t, err.Error(), `"nvidia"`)
	src, err := decode.File(path, &decode.FileOptions{Device: "cpu", StrictDevice: true})
	require.NoError(t, err, "cpu is software")
	require.NoError(t, src.Close())
}
