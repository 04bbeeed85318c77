package hw_test

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/onair-go/onair/hw"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// ffmpegHWAccels returns what "ffmpeg -hwaccels" of the linked build
// prints: the same list as av_hwdevice_iterate_types.
func ffmpegHWAccels(t *testing.T) []string {
	t.Helper()
	out, err := exec.Command("ffmpeg", "-hide_banner", "-hwaccels").CombinedOutput()
	require.NoError(t, err, "ffmpeg -hwaccels (run `eval \"$(scripts/ffmpeg.sh env)\"` first): %s", out)
	var l []string
	for _, line := range strings.Split(string(out), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasSuffix(line, ":") {
			continue // "Hardware acceleration methods:"
		}
		l = append(l, line)
	}
	return l
}

func TestTypesMatchTheBuild(t *testing.T) {
	want := ffmpegHWAccels(t)
	assert.Equal(t, want, hw.Types(), "hw.Types and ffmpeg -hwaccels of the same build")
	for _, typ := range want {
		assert.True(t, hw.Supported(typ), typ)
	}
	assert.False(t, hw.Supported("cpu"))
}

func TestParseDevice(t *testing.T) {
	for _, tc := range []struct {
		spec, typ, device string
	}{
		{"", "", ""},
		{"cpu", "", ""},
		{"CPU", "", ""},
		{"cuda", "cuda", ""},
		{"cuda:1", "cuda", "1"},
		{"VAAPI:/dev/dri/renderD129", "vaapi", "/dev/dri/renderD129"},
		{"qsv:hw", "qsv", "hw"},
		{"videotoolbox", "videotoolbox", ""},
		{"vulkan:0", "vulkan", "0"},
	} {
		typ, dev, err := hw.ParseDevice(tc.spec)
		require.NoError(t, err, tc.spec)
		assert.Equal(t, tc.typ, typ, tc.spec)
		assert.Equal(t, tc.device, dev, tc.spec)
	}
}

func TestUnknownTypeIsAClearError(t *testing.T) {
	for _, spec := range []string{"nvidia", "cudaa:0", ":0"} {
		_, _, err := hw.ParseDevice(spec)
		require.ErrorIs(t, err, hw.ErrUnknownType, spec)
		assert.NotErrorIs(t, err, hw.ErrUnavailable, "a typo is not missing hardware")
		var he *hw.Error
		require.ErrorAs(t, err, &he)
		assert.Equal(t, spec, he.Device)
		assert.Contains(t, err.Error(), "vaapi", "the message lists the known types")

		_, err = hw.Open(spec)
		assert.ErrorIs(t, err, hw.ErrUnknownType, spec)
	}
	_, err := hw.Open("cpu")
	assert.ErrorIs(t, err, hw.ErrUnknownType, "cpu is not a device to open")
}

// renderNodes reports whether the machine has a DRM render node (a GPU
// VAAPI could open).
func renderNodes() bool {
	m, _ := filepath.Glob("/dev/dri/renderD*")
	return len(m) > 0
}

// TestOpen opens each type the checks here can predict: "cuda" is not in
// this project's FFmpeg build (see the package doc) or has no GPU here;
// "vaapi" is in the build and opens exactly when a render node exists.
func TestOpen(t *testing.T) {
	t.Run("cuda", func(t *testing.T) {
		d, err := hw.Open("cuda")
		if err == nil {
			// A build with CUDA on a GPU machine.
			require.True(t, hw.Supported("cuda"))
			assert.Equal(t, "cuda", d.Type())
			assert.NotNil(t, d.Context())
			require.NoError(t, d.Close())
			return
		}
		require.ErrorIs(t, err, hw.ErrUnavailable)
		var he *hw.Error
		require.ErrorAs(t, err, &he)
		assert.Equal(t, "open", he.Op)
		assert.Equal(t, "cuda", he.Device)
		if !hw.Supported("cuda") {
			assert.Contains(t, err.Error(), "no cuda support")
		}
	})
	t.Run("vaapi", func(t *testing.T) {
		require.True(t, hw.Supported("vaapi"), "scripts/ffmpeg.sh builds with VAAPI (libva-dev)")
		d, err := hw.Open("vaapi")
		if renderNodes() {
			require.NoError(t, err, "a render node exists: VAAPI should open")
			assert.Equal(t, "vaapi", d.Type())
			require.NoError(t, d.Close())
			require.NoError(t, d.Close(), "Close is idempotent")
			assert.Nil(t, d.Context())
			return
		}
		require.Error(t, err, "no /dev/dri render node: VAAPI cannot open")
		assert.ErrorIs(t, err, hw.ErrUnavailable)
		assert.Contains(t, err.Error(), "av_hwdevice_ctx_create")
	})
	t.Run("vaapi-missing-node", func(t *testing.T) {
		_, err := hw.Open("vaapi:/dev/dri/renderD999")
		assert.ErrorIs(t, err, hw.ErrUnavailable)
	})
}
