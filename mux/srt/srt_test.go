package srt_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/asticode/go-astiav"
	"github.com/onair-go/onair"
	"github.com/onair-go/onair/internal/peertest"
	"github.com/onair-go/onair/internal/streamtest"
	"github.com/onair-go/onair/mux/srt"
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

const secret = "onair-test-passphrase"

func addr(port int) string { return "127.0.0.1:" + strconv.Itoa(port) }

// receiver runs srt-live-transmit listening on port, writing what it
// receives to a file.
func receiver(t *testing.T, port int, passphrase string) *peertest.Proc {
	t.Helper()
	u := "srt://" + addr(port) + "?mode=listener"
	if passphrase != "" {
		u += "&passphrase=" + passphrase
	}
	return peertest.Start(t, filepath.Join(t.TempDir(), "got.ts"), "", "srt-live-transmit", "-q", u, "file://con")
}

// TestCaller sends H.264 + AAC, encrypted, at real time to
// srt-live-transmit listening; the peer is killed mid-stream and started
// again: the output reconnects and the new recording is a whole stream
// (keyframe first).
func TestCaller(t *testing.T) {
	port := peertest.FreeUDPPort(t)
	rx := receiver(t, port, secret)
	out, err := srt.New(streamtest.Encoded(t, true), addr(port), &srt.Options{
		Passphrase: secret, Latency: 200 * time.Millisecond, Timeout: time.Second,
		MinRetryDelay: 100 * time.Millisecond, MaxRetryDelay: 400 * time.Millisecond,
	})
	require.NoError(t, err)
	l := streamtest.RunLive(t, streamtest.AVFormat, out)
	streamtest.WaitFor(t, "connected", out.Connected)
	l.WaitTime(t, 4*time.Second)
	rx.Kill()
	first := rx.Out
	streamtest.WaitFor(t, "the lost peer noticed", func() bool { return out.Stats().Failures >= 1 })
	rx = receiver(t, port, secret)
	streamtest.WaitFor(t, "connected again", func() bool { return out.Stats().Connects >= 2 && out.Connected() })
	l.WaitTime(t, 4*time.Second)
	require.NoError(t, l.Stop())
	rx.Interrupt(5 * time.Second)
	assert.NoError(t, out.Err())
	assert.Zero(t, l.G.Status()[0].Lag, "the clock kept time")
	for _, f := range []string{first, rx.Out} {
		streamtest.CheckStream(t, streamtest.Probe(t, f), true, -1, 1.0)
	}
}

// TestListener waits for FFmpeg to call it, audio only.
func TestListener(t *testing.T) {
	port := peertest.FreeUDPPort(t)
	out, err := srt.New(streamtest.Encoded(t, false), addr(port), &srt.Options{Mode: srt.Listener})
	require.NoError(t, err)
	l := streamtest.RunLive(t, onair.Format{}, out)
	got := filepath.Join(t.TempDir(), "got.ts")
	ff := peertest.Start(t, "", "", "ffmpeg", "-nostdin", "-v", "error", "-i", "srt://"+addr(port)+"?mode=caller", "-c", "copy", "-f", "mpegts", got)
	streamtest.WaitFor(t, "a caller connected", out.Connected)
	l.WaitTime(t, 6*time.Second)
	require.NoError(t, l.Stop())
	require.NoError(t, ff.Wait(20*time.Second), "ffmpeg: %s", ff.Stderr())
	streamtest.CheckStream(t, streamtest.Probe(t, got), false, 6, 1.0)
}

// TestWrongPassphrase: the listening peer refuses the caller's
// passphrase; the output stops with ErrRejected after one attempt.
func TestWrongPassphrase(t *testing.T) {
	port := peertest.FreeUDPPort(t)
	receiver(t, port, secret)
	var errs int
	out, err := srt.New(streamtest.Encoded(t, false), addr(port), &srt.Options{
		Passphrase: "not-the-passphrase", Timeout: 2 * time.Second, MinRetryDelay: 50 * time.Millisecond,
		OnError: func(error) { errs++ },
	})
	require.NoError(t, err)
	g, clk := streamtest.NewGraph(t, onair.Format{}, out)
	streamtest.TickUntil(t, clk, "given up", func() bool { return out.Err() != nil })
	require.NoError(t, g.Close())
	assert.ErrorIs(t, out.Err(), srt.ErrRejected)
	assert.NotContains(t, out.Err().Error(), "not-the-passphrase")
	assert.Equal(t, 1, errs, "one attempt")
}

func TestOptions(t *testing.T) {
	for _, o := range []*srt.Options{{Passphrase: "short"}, {Mode: 7}, {Latency: -1}} {
		_, err := srt.New(onair.Sine(440, nil), "127.0.0.1:9", o)
		assert.ErrorIs(t, err, srt.ErrOption)
	}
	_, err := srt.New(onair.Sine(440, nil), "nowhere", nil)
	assert.ErrorIs(t, err, srt.ErrOption)
}
