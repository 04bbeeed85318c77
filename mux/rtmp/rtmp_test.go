package rtmp_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/asticode/go-astiav"
	"github.com/onair-go/onair"
	"github.com/onair-go/onair/internal/peertest"
	"github.com/onair-go/onair/internal/streamtest"
	"github.com/onair-go/onair/mux"
	"github.com/onair-go/onair/mux/rtmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMain(m *testing.M) {
	for _, bin := range []string{"ffmpeg", "ffprobe"} {
		if _, err := exec.LookPath(bin); err != nil {
			fmt.Fprintf(os.Stderr, "%s (FFmpeg 7.1) is not on PATH: run eval \"$(scripts/ffmpeg.sh env)\" first (make test does)\n", bin)
			os.Exit(1)
		}
	}
	astiav.SetLogLevel(astiav.LogLevelFatal)
	os.Exit(m.Run())
}

// reader records what nginx relays of a stream with ffmpeg (-c copy to
// FLV), until the stream has been unpublished for rw_timeout.
type reader struct {
	path string
	cmd  *exec.Cmd
	done chan error
	out  strings.Builder
}

func startReader(t *testing.T, url string) *reader {
	t.Helper()
	r := &reader{path: filepath.Join(t.TempDir(), "got.flv"), done: make(chan error, 1)}
	r.cmd = exec.Command("ffmpeg", "-nostdin", "-hide_banner", "-v", "warning", "-rw_timeout", "3000000",
		"-i", url, "-c", "copy", "-f", "flv", r.path)
	r.cmd.Stdout, r.cmd.Stderr = &r.out, &r.out
	require.NoError(t, r.cmd.Start())
	go func() { r.done <- r.cmd.Wait() }()
	t.Cleanup(func() { _ = r.cmd.Process.Kill() })
	return r
}

// wait waits for ffmpeg to give up on the ended stream.
func (r *reader) wait(t *testing.T) {
	t.Helper()
	select {
	case <-r.done:
	case <-time.After(60 * time.Second):
		t.Fatalf("ffmpeg reader did not end:\n%s", r.out.String())
	}
}

// TestVideoAndAudio publishes H.264 + AAC (and AAC alone) to nginx-rtmp
// at real time, and reads it back through nginx with ffmpeg.
func TestVideoAndAudio(t *testing.T) {
	for _, video := range []bool{true, false} {
		t.Run(map[bool]string{true: "h264+aac", false: "aac"}[video], func(t *testing.T) {
			srv := peertest.StartNginxRTMP(t, nil)
			r := startReader(t, srv.URL("show"))
			format := onair.Format{}
			if video {
				format = streamtest.AVFormat
			}
			out, err := rtmp.New(streamtest.Encoded(t, video), srv.URL("show"), nil)
			require.NoError(t, err)
			l := streamtest.RunLive(t, format, out)
			streamtest.WaitFor(t, "connected", out.Connected)
			l.WaitTime(t, 8*time.Second)
			require.NoError(t, l.Stop())
			r.wait(t)
			s := out.Stats()
			assert.Equal(t, int64(1), s.Connects)
			assert.Zero(t, s.Failures)
			assert.Zero(t, s.Dropped)
			streamtest.CheckStream(t, streamtest.Probe(t, r.path), video, 8, 1.0)
		})
	}
}

// TestServerRestart kills nginx mid-stream: the output notices, retries
// with backoff, and publishes a fresh stream (keyframe first) when the
// server is back; the clock never waits.
func TestServerRestart(t *testing.T) {
	srv := peertest.StartNginxRTMP(t, nil)
	out, err := rtmp.New(streamtest.Encoded(t, true), srv.URL("show"), &rtmp.Options{MinRetryDelay: 100 * time.Millisecond, MaxRetryDelay: 400 * time.Millisecond, Timeout: 2 * time.Second})
	require.NoError(t, err)
	l := streamtest.RunLive(t, streamtest.AVFormat, out)
	streamtest.WaitFor(t, "connected", out.Connected)
	l.WaitTime(t, 2*time.Second)
	srv.Kill()
	streamtest.WaitFor(t, "a few failed attempts", func() bool { return out.Stats().Failures >= 2 })
	srv.Start()
	r := startReader(t, srv.URL("show"))
	streamtest.WaitFor(t, "connected again", func() bool { return out.Stats().Connects >= 2 && out.Connected() })
	l.WaitTime(t, 6*time.Second)
	require.NoError(t, l.Stop())
	r.wait(t)
	assert.NoError(t, out.Err())
	assert.Zero(t, l.G.Status()[0].Lag, "the clock kept time")
	assert.Positive(t, out.Stats().Offline, "frames made while disconnected were not muxed")
	streamtest.CheckStream(t, streamtest.Probe(t, r.path), true, 5, 1.0)
}

// TestRejectedKey: nginx's on_publish hook answers 403 for a wrong key;
// the output fails once with ErrRejected, and stops trying.
func TestRejectedKey(t *testing.T) {
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.FormValue("name") == "good" {
			return
		}
		w.WriteHeader(http.StatusForbidden)
	}))
	defer hook.Close()
	srv := peertest.StartNginxRTMP(t, &peertest.NginxOptions{OnPublish: hook.URL + "/auth"})
	var errs []error
	out, err := rtmp.New(streamtest.Encoded(t, false), srv.URL("badkey123"), &rtmp.Options{MinRetryDelay: 50 * time.Millisecond, OnError: func(err error) { errs = append(errs, err) }})
	require.NoError(t, err)
	g, clk := streamtest.NewGraph(t, onair.Format{}, out)
	streamtest.TickUntil(t, clk, "given up", func() bool { return out.Err() != nil })
	ticks(clk, 50)
	require.NoError(t, g.Close())
	assert.ErrorIs(t, out.Err(), rtmp.ErrRejected)
	assert.NotContains(t, out.Err().Error(), "badkey123", "the key is not shown")
	assert.Contains(t, out.Err().Error(), "/live/***")
	assert.Len(t, errs, 1, "one attempt, no retry loop")
	assert.Positive(t, out.Stats().Offline, "nothing muxed without a connection")

	// The right key goes through the same hook.
	out, err = rtmp.New(streamtest.Encoded(t, false), srv.URL("good"), nil)
	require.NoError(t, err)
	g, clk = streamtest.NewGraph(t, onair.Format{}, out)
	streamtest.TickUntil(t, clk, "connected", out.Connected)
	ticks(clk, 10)
	require.NoError(t, g.Close())
	assert.NoError(t, out.Err())
}

func TestOptions(t *testing.T) {
	for _, u := range []string{"http://x/app/key", "rtmp:///app/key", "rtmp://host/app", "::"} {
		_, err := rtmp.New(onair.Sine(440, nil), u, nil)
		assert.ErrorIs(t, err, rtmp.ErrOption, u)
	}
	_, err := rtmp.New(onair.Sine(440, nil), "rtmp://h/app/k", &rtmp.Options{Tracks: []mux.Track{{Name: "x", Action: 9}}})
	assert.ErrorIs(t, err, rtmp.ErrOption)
}

// ticks runs n ticks of the manual clock.
func ticks(clk *onair.Clock, n int) {
	for range n {
		clk.Tick()
	}
}
