package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// bound is the largest mean absolute difference of luma (0-255), over the
// title's region, between a frame of the rendition and the ffmpeg
// program's drawing of the same title: what H.264 at CRF 23 changes of
// sharp white text. Another title differs by several times more (checked).
const bound = 3.0

func ffmpeg(t *testing.T, args ...string) []byte {
	t.Helper()
	p, err := exec.LookPath("ffmpeg")
	require.NoError(t, err, "ffmpeg not found: run the tests with eval \"$(scripts/ffmpeg.sh env)\"")
	out, err := exec.Command(p, append([]string{"-nostdin", "-v", "error"}, args...)...).Output()
	require.NoError(t, err, "ffmpeg %v", args)
	return out
}

// grab decodes the frame shown at second s of path and returns its luma.
func grab(t *testing.T, cfg *config, s float64) []byte {
	t.Helper()
	out := ffmpeg(t, "-ss", strconv.FormatFloat(s, 'f', 3, 64), "-i", cfg.Out, "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "yuv420p", "-")
	require.Equal(t, cfg.Width*cfg.Height*3/2, len(out))
	return out[:cfg.Width*cfg.Height]
}

// reference is the ffmpeg program's drawing of title on the background
// (no drawing for an empty title), luma only.
func reference(t *testing.T, cfg *config, title string) []byte {
	t.Helper()
	vf := "null"
	if title != "" {
		vf = drawtextOf(cfg, title)
	}
	out := ffmpeg(t, "-f", "lavfi", "-i", fmt.Sprintf("color=c=%s:s=%dx%d,format=yuv420p", cfg.Colour, cfg.Width, cfg.Height),
		"-vf", vf, "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "yuv420p", "-")
	require.Equal(t, cfg.Width*cfg.Height*3/2, len(out))
	return out[:cfg.Width*cfg.Height]
}

// region is the box around the pixels where a differs from b, grown by 4
// pixels.
type region struct{ x0, y0, x1, y1 int }

func textRegion(cfg *config, a, b []byte) region {
	r := region{cfg.Width, cfg.Height, 0, 0}
	for y := range cfg.Height {
		for x := range cfg.Width {
			if a[y*cfg.Width+x] != b[y*cfg.Width+x] {
				r.x0, r.y0, r.x1, r.y1 = min(r.x0, x), min(r.y0, y), max(r.x1, x+1), max(r.y1, y+1)
			}
		}
	}
	return region{max(0, r.x0-4), max(0, r.y0-4), min(cfg.Width, r.x1+4), min(cfg.Height, r.y1+4)}
}

func meanDiff(cfg *config, r region, a, b []byte) float64 {
	sum, n := 0, 0
	for y := r.y0; y < r.y1; y++ {
		for x := r.x0; x < r.x1; x++ {
			d := int(a[y*cfg.Width+x]) - int(b[y*cfg.Width+x])
			sum += max(d, -d)
			n++
		}
	}
	return float64(sum) / float64(n)
}

// TestRendition renders the 60-second rendition and reads it back with
// FFmpeg: H.264 and AAC for 60 s, decoding without errors, and the titles
// drawn as the ffmpeg program draws them with the same font, size and
// text, changing with the tracks (at 20 s and 40 s).
func TestRendition(t *testing.T) {
	cfg := defaults()
	cfg.Out = filepath.Join(t.TempDir(), "station.mp4")
	cfg.Logger = slog.New(slog.DiscardHandler)
	require.NoError(t, run(context.Background(), cfg))

	probe, err := exec.Command("ffprobe", "-v", "error", "-show_entries", "format=duration:stream=codec_name", "-of", "json", cfg.Out).Output()
	require.NoError(t, err, "ffprobe")
	var p struct {
		Streams []struct {
			CodecName string `json:"codec_name"`
		} `json:"streams"`
		Format struct {
			Duration string `json:"duration"`
		} `json:"format"`
	}
	require.NoError(t, json.Unmarshal(probe, &p))
	require.Len(t, p.Streams, 2)
	assert.ElementsMatch(t, []string{"h264", "aac"}, []string{p.Streams[0].CodecName, p.Streams[1].CodecName})
	d, err := strconv.ParseFloat(p.Format.Duration, 64)
	require.NoError(t, err)
	assert.InDelta(t, 60, d, 0.1)
	assert.Empty(t, string(ffmpeg(t, "-i", cfg.Out, "-f", "null", "-")), "decoding errors")

	plain := reference(t, cfg, "")
	for _, c := range []struct {
		at          float64
		title, prev int
	}{{20.04, 1, 0}, {40.04, 2, 1}, {19.96, 0, 1}} {
		got := grab(t, cfg, c.at)
		want, other := reference(t, cfg, cfg.Titles[c.title]), reference(t, cfg, cfg.Titles[c.prev])
		r := textRegion(cfg, want, plain)
		require.Less(t, r.x0, r.x1, "the reference title has no pixels")
		dWant, dOther := meanDiff(cfg, r, got, want), meanDiff(cfg, r, got, other)
		t.Logf("frame at %.2f s, region %v: mean luma difference %.2f from %q, %.2f from %q", c.at, r, dWant, cfg.Titles[c.title], dOther, cfg.Titles[c.prev])
		assert.LessOrEqualf(t, dWant, bound, "frame at %.2f s against the ffmpeg program's %q", c.at, cfg.Titles[c.title])
		assert.Greaterf(t, dOther, 3*bound, "frame at %.2f s is too close to %q to tell the titles apart", c.at, cfg.Titles[c.prev])
	}
}
