package main

import (
	"bytes"
	"context"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// frameAt decodes the picture at second 3 of the station's HLS video.
func frameAt(t *testing.T, cfg *config) []byte {
	t.Helper()
	out, err := exec.Command("ffmpeg", "-nostdin", "-v", "error", "-ss", "3", "-i", filepath.Join(cfg.Dir, "hls", "tv.m3u8"),
		"-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "gray", "-").Output()
	require.NoError(t, err, "ffmpeg reading the HLS back")
	require.Equal(t, cfg.Width*cfg.Height, len(out))
	return out
}

// TestTitleOnPicture: the title of the track playing is on the picture.
// A frame of the station playing a file titled "Hello TV" is, around the
// title, what the ffmpeg program draws with the same drawtext and text
// over the same frame of the station playing the untitled tone (the test
// card moves with stream time only, so the two frames match elsewhere).
func TestTitleOnPicture(t *testing.T) {
	music := t.TempDir()
	out, err := exec.Command("ffmpeg", "-nostdin", "-v", "error", "-f", "lavfi", "-i", "sine=f=330:d=20",
		"-metadata", "title=Hello TV", "-c:a", "libmp3lame", filepath.Join(music, "hello.mp3")).CombinedOutput()
	require.NoError(t, err, "%s", out)

	plainCfg, titledCfg := testConfig(t), testConfig(t)
	titledCfg.Music = music
	for _, c := range []*config{plainCfg, titledCfg} {
		c.Width, c.Height, c.Duration = 320, 192, 6*time.Second
		require.NoError(t, run(context.Background(), c))
	}
	plain, titled := frameAt(t, plainCfg), frameAt(t, titledCfg)

	ref := exec.Command("ffmpeg", "-nostdin", "-v", "error", "-f", "rawvideo", "-pix_fmt", "gray", "-s", "320x192", "-i", "-",
		"-vf", titleFilter(192, "Hello TV"), "-f", "rawvideo", "-pix_fmt", "gray", "-")
	ref.Stdin = bytes.NewReader(plain)
	want, err := ref.Output()
	require.NoError(t, err, "ffmpeg drawing the reference title")
	require.Equal(t, len(plain), len(want))

	x0, y0, x1, y1 := 320, 192, 0, 0
	for i := range want {
		if want[i] != plain[i] {
			x, y := i%320, i/320
			x0, y0, x1, y1 = min(x0, x), min(y0, y), max(x1, x+1), max(y1, y+1)
		}
	}
	require.Less(t, x0, x1, "the reference title changed no pixel")
	assert.Greater(t, y0, 192/2, "the title is at the bottom")
	mean := func(a, b []byte) float64 {
		sum, n := 0, 0
		for y := y0; y < y1; y++ {
			for x := x0; x < x1; x++ {
				d := int(a[y*320+x]) - int(b[y*320+x])
				sum += max(d, -d)
				n++
			}
		}
		return float64(sum) / float64(n)
	}
	dWant, dPlain := mean(titled, want), mean(titled, plain)
	t.Logf("title region (%d,%d)-(%d,%d): mean luma difference %.2f from ffmpeg's drawing, %.2f from the untitled frame", x0, y0, x1, y1, dWant, dPlain)
	assert.LessOrEqual(t, dWant, 6.0, "the title differs from the ffmpeg program's drawing")
	assert.Greater(t, dPlain, 3*dWant, "the title is not told apart from the untitled picture")
}
