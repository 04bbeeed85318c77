package decode_test

import (
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/decode"
	"github.com/onair-go/onair/encode"
	"github.com/onair-go/onair/mux"
	"github.com/onair-go/onair/onairtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestVideoRoundTrip decodes a 320x240 30 fps clip into a 160x120 25 fps
// graph, encodes its video (libx264) and audio (AAC) once each, muxes
// both into an MP4 and reads it back with ffprobe: the resolution, the
// frame count (duration x 25) and the durations of both streams.
func TestVideoRoundTrip(t *testing.T) {
	dir := t.TempDir()
	path := makeClip(t, dir, clip{name: "in.mp4", size: "320x240", rate: "30", seconds: 3})
	src, err := decode.File(path, &decode.FileOptions{Synchronous: true})
	require.NoError(t, err)
	defer src.Close()

	v, err := encode.Video(src, &encode.VideoOptions{Preset: "ultrafast", GOP: 25, Track: "v"})
	require.NoError(t, err)
	a, err := encode.Audio(src, &encode.AudioOptions{Track: "a"})
	require.NoError(t, err)
	multi, err := onair.Multitrack([]onair.TrackSpec{{Name: "video", Source: v, Track: "v"}, {Name: "audio", Source: a, Track: "a"}}, nil)
	require.NoError(t, err)
	out := filepath.Join(dir, "out.mp4")
	o, err := mux.File(multi, out, &mux.FileOptions{Options: mux.Options{Fallible: true}})
	require.NoError(t, err)

	g, clk := onairtest.StartGraph(t, &onairtest.Options{Format: videoFormat}, o)
	for range 3*50 + 10 {
		clk.Tick()
	}
	require.NoError(t, g.Close())

	probe := func(entries string) map[string]string {
		b, err := exec.Command("ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0",
			"-show_entries", entries, "-of", "default=noprint_wrappers=1", out).CombinedOutput()
		require.NoError(t, err, "ffprobe: %s", b)
		m := map[string]string{}
		for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
			k, val, _ := strings.Cut(l, "=")
			m[k] = val
		}
		return m
	}
	vs := probe("stream=codec_name,width,height,pix_fmt,nb_read_frames,avg_frame_rate,duration")
	t.Logf("video stream: %v", vs)
	assert.Equal(t, "h264", vs["codec_name"])
	assert.Equal(t, "160", vs["width"])
	assert.Equal(t, "120", vs["height"])
	assert.Equal(t, "yuv420p", vs["pix_fmt"])
	assert.Equal(t, "25/1", vs["avg_frame_rate"])
	frames, err := strconv.Atoi(vs["nb_read_frames"])
	require.NoError(t, err)
	assert.InDelta(t, 75, frames, 1, "3 s at 25 fps")
	vdur, _ := strconv.ParseFloat(vs["duration"], 64)
	assert.InDelta(t, 3.0, vdur, 0.05)

	b, err := exec.Command("ffprobe", "-v", "error", "-select_streams", "a:0", "-show_entries", "stream=codec_name,duration",
		"-of", "default=noprint_wrappers=1:nokey=1", out).CombinedOutput()
	require.NoError(t, err, "%s", b)
	l := strings.Fields(string(b))
	require.Len(t, l, 2)
	assert.Equal(t, "aac", l[0])
	adur, _ := strconv.ParseFloat(l[1], 64)
	assert.InDelta(t, vdur, adur, 0.05, "audio and video last as long")

	dec, err := exec.Command("ffmpeg", "-v", "error", "-i", out, "-f", "null", "-").CombinedOutput()
	require.NoError(t, err)
	assert.Empty(t, string(dec), "the file decodes without errors")
}
