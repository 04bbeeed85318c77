package decode_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/decode"
	"github.com/onair-go/onair/internal/logtest"
	"github.com/onair-go/onair/internal/peertest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// startFFmpegSource feeds mount of ic with a real-time MP3 sine made by
// the ffmpeg program (HTTP PUT, the icecast:// protocol). The process is
// killed by PID when the test ends or when the returned func is called.
func startFFmpegSource(t *testing.T, ic *peertest.Icecast, mount string) (stop func()) {
	t.Helper()
	bin := peertest.LookPath(t, "ffmpeg")
	dst := "icecast://source:" + ic.SourcePassword + "@" + ic.Addr() + mount
	cmd := exec.Command(bin, "-nostdin", "-v", "error", "-re",
		"-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100", "-t", "60", "-ac", "2",
		"-c:a", "libmp3lame", "-b:a", "128k", "-content_type", "audio/mpeg", "-f", "mp3", dst)
	require.NoError(t, cmd.Start())
	done := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(done)
	}()
	stop = func() {
		_ = cmd.Process.Kill()
		<-done
	}
	t.Cleanup(stop)
	return stop
}

// setSong sets the title icecast sends to listeners of mount as ICY
// metadata (/admin/metadata).
func setSong(t *testing.T, ctx context.Context, ic *peertest.Icecast, mount, song string) {
	t.Helper()
	u := ic.URL("/admin/metadata") + "?mode=updinfo&mount=" + url.QueryEscape(mount) + "&song=" + url.QueryEscape(song)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	require.NoError(t, err)
	req.SetBasicAuth(ic.AdminUser, ic.AdminPassword)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	require.Equal(t, 200, resp.StatusCode, "metadata update: %s", body)
	require.Contains(t, string(body), "successful", "metadata update")
}

// TestHTTPIcecast listens to Debian's icecast2 fed by the ffmpeg program:
// the stream plays, the title set on the server arrives as metadata, and
// when icecast is killed and started again on the same port (with its
// source), the source reconnects while a fallback keeps the stream going.
func TestHTTPIcecast(t *testing.T) {
	ctx := deadline(t)
	ic := peertest.StartIcecast(t, nil)
	const mount = "/live.mp3"
	stopFeed := startFFmpegSource(t, ic, mount)
	_, err := ic.WaitMount(ctx, mount, nil)
	require.NoError(t, err, "icecast error log: %s", ic.ErrorLog())
	setSong(t, ctx, ic, mount, "Artist X - Title Y")

	logs := &logtest.Handler{}
	src, err := decode.HTTP(ic.URL(mount), &decode.HTTPOptions{
		Prebuffer: 300 * time.Millisecond, MinDelay: 50 * time.Millisecond, MaxDelay: 200 * time.Millisecond,
		Logger: slog.New(logs),
	})
	require.NoError(t, err)
	defer src.Close()
	live := decode.HTTPLive(src)
	fb, err := onair.Fallback([]onair.Source{src, onair.Blank(nil)}, &onair.SwitchOptions{Immediate: true})
	require.NoError(t, err)
	r := newRig(t, fb, false)
	selected := func() *onair.Node { return fb.Selected().Node() }

	// Icecast sends its first title after icy-metaint (16000) bytes: one
	// second of this stream.
	waitLive(t, ctx, live, "1.5s of audio buffered", func(s decode.LiveState) bool { return s.Buffered >= 1500*time.Millisecond })
	for range 100 {
		r.clk.Tick()
		if countTitle(r.cap.meta, "Title Y") > 0 {
			break
		}
	}
	require.Equal(t, src.Node(), selected())
	require.Equal(t, 1, countTitle(r.cap.meta, "Title Y"), "the title set on icecast arrives: %v", r.cap.meta)
	for _, m := range r.cap.meta {
		if m.Metadata["title"] == "Title Y" {
			assert.Equal(t, "Artist X", m.Metadata["artist"])
		}
	}
	assert.Greater(t, rms(r.cap.audio[0][r.cap.samples/2:]), 0.05, "the sine plays")
	req := logs.Wait(t, ctx, "live stream connected")
	assert.Equal(t, "mp3", logtest.Attr(req, "format").String())

	// Kill icecast (and its source): the fallback takes over.
	ic.Kill()
	stopFeed()
	waitLive(t, ctx, live, "disconnected", func(s decode.LiveState) bool { return !s.Playing })
	logs.Wait(t, ctx, "cannot connect")
	for range 500 {
		if selected() != src.Node() {
			break
		}
		r.clk.Tick()
	}
	require.NotEqual(t, src.Node(), selected(), "the fallback plays while icecast is down")

	// Icecast back on the same port with a new source.
	require.NoError(t, ic.Start())
	startFFmpegSource(t, ic, mount)
	waitLive(t, ctx, live, "reconnected and prebuffered", func(s decode.LiveState) bool {
		return s.Connected && s.Buffered >= 300*time.Millisecond
	})
	r.run(1)
	require.Equal(t, src.Node(), selected(), "the stream plays again")
	assert.Empty(t, r.cap.short, "the output never missed audio")
	var statuses []string
	for _, rec := range logs.Find("server error") {
		statuses = append(statuses, logtest.Attr(rec, "status").String())
	}
	t.Logf("reconnection: %d refused attempts, statuses while the mount was missing: %v",
		len(logs.Find("cannot connect")), statuses)
	for _, s := range statuses {
		code, _, _ := strings.Cut(s, " ")
		_, err := strconv.Atoi(code)
		assert.NoError(t, err, "status %q names the code", s)
	}
}
