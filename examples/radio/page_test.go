package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/onair-go/onair"
	"github.com/onair-go/onair/internal/browsertest"
	"github.com/onair-go/onair/internal/logtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestLivePage runs the station at real time and drives its live page in
// headless Chromium: the title comes from the events stream, the player
// plays a mount (its currentTime advances), and the skip button, with the
// token from the page's fragment, changes the title without a reload. A
// screenshot is saved to out/test/radio-page.png (or $ONAIR_TEST_OUT).
func TestLivePage(t *testing.T) {
	dir := t.TempDir()
	var out logtest.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	t.Cleanup(cancel)
	bases := make(chan string, 1)
	cfg := &config{
		Dir: dir, Addr: "127.0.0.1:0", Clock: onair.RealTime, Segment: 2 * time.Second, Out: &out,
		Token:  "live-page-test-token-0123456789",
		Logger: slog.New(slog.NewTextHandler(&out, &slog.HandlerOptions{Level: slog.LevelWarn})),
		ready:  func(base string) { bases <- base },
	}
	runCtx, stopStation := context.WithCancel(ctx)
	runDone := make(chan struct{})
	var runErr error
	go func() { runErr = run(runCtx, cfg); close(runDone) }()
	// Cleanups, not defers: they run after the browser's, registered
	// later, so the page is gone before the station stops.
	t.Cleanup(func() {
		stopStation()
		<-runDone
		assert.NoError(t, runErr)
		if t.Failed() {
			t.Logf("station output:\n%s", out.String())
		}
	})
	var base string
	select {
	case base = <-bases:
	case <-runDone:
		t.Fatalf("the station stopped: %v\n%s", runErr, out.String())
	}

	// The API answers on its own too: the page only uses it.
	resp, err := http.Get(base + "/api/status")
	require.NoError(t, err)
	var st struct{ Version int }
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&st))
	resp.Body.Close()
	assert.Equal(t, 1, st.Version)

	bctx := browsertest.Start(t, &browsertest.Options{Width: 1100, Height: 900})

	poll := func(expr string) {
		t.Helper()
		_, err := chromedp.Run(bctx, chromedp.Poll[bool](expr, chromedp.WithPollingTimeout(60*time.Second)))
		require.NoError(t, err, "waiting for %s", expr)
	}
	text := func(id string) string {
		t.Helper()
		s, err := chromedp.Run(bctx, chromedp.Text(chromedp.ID(id)))
		require.NoError(t, err)
		return s
	}
	require.NoError(t, chromedp.Do(bctx, chromedp.Navigate(base+"/#token="+cfg.Token), chromedp.WaitVisible(chromedp.ID("title"))))
	// The title from the events stream (hello) and a live connection.
	poll(`document.getElementById("conn").textContent === "live" && document.getElementById("title").textContent.startsWith("onair demo band - ")`)
	title := text("title")
	_, err = chromedp.Run(bctx, chromedp.Evaluate[chromedp.Void](`window.reloadMarker = 42; const p = document.getElementById("player"); p.muted = true; p.play(); undefined`))
	require.NoError(t, err)
	// The player plays the MP3 mount: its currentTime advances.
	poll(`document.getElementById("player").currentTime > 2`)
	played, err := chromedp.Run(bctx, chromedp.Evaluate[float64](`document.getElementById("player").currentTime`))
	require.NoError(t, err)
	poll(`Number(document.querySelector("#mounts tr[data-mount='/radio.mp3'] .listeners")?.textContent) >= 1`)
	// Skip: the action is accepted, and the title changes without a reload.
	require.NoError(t, chromedp.Do(bctx, chromedp.Click(chromedp.ID("skip"))))
	poll(`document.getElementById("action-result").textContent.startsWith("skipped at tick")`)
	result := text("action-result")
	poll(`document.getElementById("title").textContent !== ` + jsString(title))
	title2 := text("title")
	marker, err := chromedp.Run(bctx, chromedp.Evaluate[int](`window.reloadMarker`))
	require.NoError(t, err)
	t.Logf("title %q, then %q after skip (%s); played %.1f s", title, title2, result, played)
	assert.Equal(t, 42, marker, "the page was not reloaded")
	assert.True(t, strings.HasPrefix(title2, "onair demo band - "), title2)
	assert.Contains(t, out.String(), "now playing: "+title2, "the station played the title the page shows")

	png, err := chromedp.Run(bctx, chromedp.FullScreenshot(100))
	require.NoError(t, err)
	outDir := os.Getenv("ONAIR_TEST_OUT")
	if outDir == "" {
		outDir = filepath.Join("..", "..", "out", "test")
	}
	require.NoError(t, os.MkdirAll(outDir, 0o755))
	shot := filepath.Join(outDir, "radio-page.png")
	require.NoError(t, os.WriteFile(shot, png, 0o644))
	t.Logf("screenshot: %s", shot)

	// A skip with a wrong token is refused on the page too.
	require.NoError(t, chromedp.Do(bctx, chromedp.SetValue(chromedp.ID("token"), "wrong-token"), chromedp.Click(chromedp.ID("skip"))))
	poll(`document.getElementById("action-result").textContent.startsWith("refused (401)")`)
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
