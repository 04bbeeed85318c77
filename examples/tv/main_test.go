package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/onair-go/onair"
	"github.com/onair-go/onair/internal/peertest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func streams(t *testing.T, url string) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, "ffprobe", "-v", "error", "-show_streams", "-of", "json", url).Output()
	require.NoError(t, err, "ffprobe %s", url)
	var p struct {
		Streams []struct {
			CodecName string `json:"codec_name"`
		} `json:"streams"`
	}
	require.NoError(t, json.Unmarshal(out, &p))
	var l []string
	for _, s := range p.Streams {
		l = append(l, s.CodecName)
	}
	return l
}

func testConfig(t *testing.T) *config {
	return &config{Dir: t.TempDir(), Addr: "127.0.0.1:0", Width: 160, Height: 96, Duration: 10 * time.Second,
		Segment: 2 * time.Second, Clock: onair.FreeRunning, Out: io.Discard, Logger: slog.New(slog.DiscardHandler)}
}

// TestNoFlags: the defaults need nothing but the machine: HLS in a local
// folder, served over HTTP, video and audio.
func TestNoFlags(t *testing.T) {
	cfg := testConfig(t)
	var out bytes.Buffer
	cfg.Out = &out
	require.NoError(t, run(context.Background(), cfg), out.String())
	assert.Contains(t, out.String(), "HLS:")
	assert.ElementsMatch(t, []string{"h264", "aac"}, streams(t, filepath.Join(cfg.Dir, "hls", "tv.m3u8")))
	assert.Equal(t, []string{"aac"}, streams(t, filepath.Join(cfg.Dir, "hls", "radio.m3u8")))
}

// TestPeers: RTMP to nginx-rtmp and HLS to a SeaweedFS bucket, both read
// back.
func TestPeers(t *testing.T) {
	nginx := peertest.StartNginxRTMP(t, nil)
	weed := peertest.StartSeaweedFS(t)
	t.Setenv("AWS_ACCESS_KEY_ID", weed.AccessKey)
	t.Setenv("AWS_SECRET_ACCESS_KEY", weed.SecretKey)
	got := filepath.Join(t.TempDir(), "got.flv")
	reader := peertest.Start(t, "", "", "ffmpeg", "-nostdin", "-v", "error", "-rw_timeout", "3000000", "-i", nginx.URL("tv"), "-c", "copy", "-f", "flv", got)
	cfg := testConfig(t)
	cfg.Clock = onair.RealTime
	cfg.Duration = 6 * time.Second
	cfg.RTMP, cfg.S3Endpoint, cfg.S3Bucket, cfg.S3Prefix = nginx.URL("tv"), weed.Endpoint, weed.Bucket, "tv/"
	var out bytes.Buffer
	cfg.Out = &out
	require.NoError(t, run(context.Background(), cfg), out.String())
	assert.NotContains(t, out.String(), "output error")
	_ = reader.Wait(time.Minute)
	assert.ElementsMatch(t, []string{"h264", "aac"}, streams(t, got), "the RTMP stream, read back through nginx")
	obj, err := weed.Client.GetObject(context.Background(), weed.Bucket, "tv/tv.m3u8", minio.GetObjectOptions{})
	require.NoError(t, err)
	pl, err := io.ReadAll(obj)
	require.NoError(t, err)
	assert.Contains(t, string(pl), "#EXT-X-ENDLIST")
	assert.ElementsMatch(t, []string{"h264", "aac"}, streams(t, weed.ReadProxy()+"/tv/tv.m3u8"), "the HLS from the bucket")
}
