// Package browsertest starts headless Chromium for the tests that drive a
// web page through the DevTools protocol (chromedp): the live pages of
// examples/radio and internal/rtc/page, and the hls.js playback test of
// mux/hls. It also finds hls.js, fetched by scripts/hlsjs.sh.
//
// Chromium is a Debian package installed by scripts/test-deps.sh; a test
// that needs it fails with the install hint when it is missing, never
// skips.
package browsertest

import (
	"context"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// Options are the browser's settings beyond the common ones. The zero
// value is a plain headless browser.
type Options struct {
	// FakeMicrophone is a WAV file played by the fake capture device that
	// getUserMedia gets, without a permission prompt. Empty: no fake
	// media devices.
	FakeMicrophone string
	// Width and Height are the window's size, for screenshots. Zero:
	// Chromium's default.
	Width, Height int
}

// Start starts a headless Chromium with a fresh profile in a temporary
// folder and returns the context of its first tab, for chromedp.Run and
// chromedp.Do. Media plays without a user gesture (autoplay policy), QUIC,
// component updates and background networking are off, and WebRTC gives
// real host candidates instead of mDNS names (which need multicast). The
// browser is stopped when the test ends; tests that also stop a server
// the page talks to should register that stop (t.Cleanup) before calling
// Start, so the browser goes first.
func Start(t testing.TB, o *Options) context.Context {
	t.Helper()
	if o == nil {
		o = &Options{}
	}
	path, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatal("browsertest: chromium not found: run scripts/test-deps.sh (Debian package chromium)")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.NoSandbox, // the tests run as root
		chromedp.DisableGPU,
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("autoplay-policy", "no-user-gesture-required"),
		chromedp.Flag("disable-features", "Translate,BlinkGenPropertyTrees,WebRtcHideLocalIpsWithMdns"),
	)
	if o.FakeMicrophone != "" {
		opts = append(opts,
			chromedp.Flag("use-fake-ui-for-media-stream", true),
			chromedp.Flag("use-fake-device-for-media-stream", true),
			chromedp.Flag("use-file-for-fake-audio-capture", o.FakeMicrophone),
		)
	}
	if o.Width > 0 && o.Height > 0 {
		opts = append(opts, chromedp.WindowSize(o.Width, o.Height))
	}
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	ctx, cancelTab := chromedp.NewContext(actx)
	t.Cleanup(cancelTab)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("browsertest: starting chromium: %v", err)
	}
	return ctx
}

// Eval runs a JavaScript expression in the page and waits for its promise,
// if it returns one.
func Eval(ctx context.Context, js string) error {
	_, err := chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void](js, chromedp.EvalAwaitPromise))
	return err
}

// HLSJS returns the path of hls.min.js, the release pinned by
// scripts/hlsjs.sh, from the cache outside the checkout. The test fails
// with the command to run when it has not been fetched.
func HLSJS(t testing.TB) string {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	script := filepath.Join(filepath.Dir(file), "..", "..", "scripts", "hlsjs.sh")
	out, err := exec.Command(script, "path").Output()
	if err != nil {
		msg := err.Error() + "; run scripts/hlsjs.sh ensure (scripts/test-deps.sh does)"
		if ee, ok := err.(*exec.ExitError); ok && len(ee.Stderr) > 0 {
			msg = strings.TrimSpace(string(ee.Stderr)) // names the command to run
		}
		t.Fatalf("browsertest: hls.js is missing: %s", msg)
	}
	return strings.TrimSpace(string(out))
}
