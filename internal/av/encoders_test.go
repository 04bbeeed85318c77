package av_test

import (
	"testing"

	"github.com/asticode/go-astiav"
	"github.com/onair-go/onair/internal/av"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestFFmpegVersion proves we link the FFmpeg 7.x line go-astiav v0.39.0
// is written for (libavcodec major 61).
func TestFFmpegVersion(t *testing.T) {
	major, minor, micro := av.CodecVersion()
	assert.Equalf(t, 61, major, "libavcodec %d.%d.%d linked, want 61.x (FFmpeg 7.x)", major, minor, micro)
}

// TestEncodersPresent proves every encoder onair relies on is in the build.
func TestEncodersPresent(t *testing.T) {
	for _, name := range []string{"aac", "libmp3lame", "libopus", "libvorbis", "flac", "pcm_s16le", "libx264"} {
		t.Run(name, func(t *testing.T) {
			c := astiav.FindEncoderByName(name)
			require.NotNilf(t, c, "encoder %s missing from the FFmpeg build: rebuild with scripts/ffmpeg.sh", name)
			assert.Equal(t, name, c.Name())
		})
	}
}
