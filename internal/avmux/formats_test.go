package avmux_test

import (
	"testing"

	"github.com/onair-go/onair/internal/avmux"
	"github.com/stretchr/testify/assert"
)

func TestFormatsOfStreams(t *testing.T) {
	for p, want := range map[string]string{"/a.mp3": "mp3", "/a.AAC": "adts", "/a.opus": "ogg", "/a.ts": "mpegts", "/a": "", "/a.wav": ""} {
		assert.Equal(t, want, avmux.FormatOfPath(p), p)
	}
	for f, want := range map[string]string{"mp3": "audio/mpeg", "adts": "audio/aac", "ogg": "audio/ogg", "mpegts": "video/mp2t", "nut": ""} {
		assert.Equal(t, want, avmux.ContentType(f), f)
	}
	assert.True(t, avmux.IsOgg("opus"))
	assert.False(t, avmux.IsOgg("mp3"))
}
