package page_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/onair-go/onair/internal/browsertest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// browser starts a headless Chromium whose fake microphone plays wav and
// returns a tab's context.
func browser(t *testing.T, wav string) context.Context {
	t.Helper()
	return browsertest.Start(t, &browsertest.Options{FakeMicrophone: wav})
}

// call runs a JavaScript expression in the page, awaiting its promise.
func call(ctx context.Context, js string) error { return browsertest.Eval(ctx, js) }

// rtpStats are fields of the page's inbound or outbound RTP stats.
type rtpStats struct {
	PacketsReceived  int64   `json:"packetsReceived"`
	PacketsLost      int64   `json:"packetsLost"`
	TotalAudioEnergy float64 `json:"totalAudioEnergy"`
	ConcealedSamples int64   `json:"concealedSamples"`
	TotalSamples     int64   `json:"totalSamplesReceived"`
	PacketsSent      int64   `json:"packetsSent"`
	JitterDelay      float64 `json:"jitterBufferDelay"` // seconds, summed over the samples emitted
	JitterEmitted    int64   `json:"jitterBufferEmittedCount"`
	JitterTarget     float64 `json:"jitterBufferTargetDelay"`  // seconds, summed likewise
	JitterMinimum    float64 `json:"jitterBufferMinimumDelay"` // seconds, summed likewise
	State            string  `json:"state"`
}

const statsJS = `(async () => {
  const o = { state: window.pc ? window.pc.connectionState : "none" };
  if (!window.pc) return o;
  (await window.pc.getStats()).forEach((s) => {
    if (s.kind !== "audio") return;
    if (s.type === "inbound-rtp") Object.assign(o, { packetsReceived: s.packetsReceived, packetsLost: s.packetsLost,
      totalAudioEnergy: s.totalAudioEnergy || 0, concealedSamples: s.concealedSamples, totalSamplesReceived: s.totalSamplesReceived,
      jitterBufferDelay: s.jitterBufferDelay, jitterBufferEmittedCount: s.jitterBufferEmittedCount,
      jitterBufferTargetDelay: s.jitterBufferTargetDelay, jitterBufferMinimumDelay: s.jitterBufferMinimumDelay });
    if (s.type === "outbound-rtp") o.packetsSent = s.packetsSent;
  });
  return o;
})()`

func stats(t *testing.T, ctx context.Context) rtpStats {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[rtpStats](statsJS, chromedp.EvalAwaitPromise))
	require.NoError(t, err)
	return s
}

// waitStats polls the page's stats until ok.
func waitStats(t *testing.T, ctx context.Context, ok func(rtpStats) bool) rtpStats {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for {
		s := stats(t, ctx)
		if ok(s) {
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("stats never as expected: %+v", s)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Chromium plays the WHEP stream from the listen page: packets arrive and
// keep arriving, none lost, and the audio it renders has energy; the page
// shows the metadata sent over the data channel.
func TestBrowserListens(t *testing.T) {
	st := startStation(t)
	ctx := browser(t, toneWAV(t, 1000, 5*time.Second))
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(st.url+"/listen.html")))
	require.NoError(t, call(ctx, "play()"))
	first := waitStats(t, ctx, func(s rtpStats) bool { return s.PacketsReceived >= 50 && s.TotalAudioEnergy > 0 })
	later := waitStats(t, ctx, func(s rtpStats) bool { return s.PacketsReceived >= first.PacketsReceived+150 })
	require.Equal(t, "connected", later.State)
	require.Zero(t, later.PacketsLost)
	require.Greater(t, later.TotalAudioEnergy, first.TotalAudioEnergy)
	emitted := float64(max(later.JitterEmitted-first.JitterEmitted, 1))
	t.Logf("chromium: %+v; jitter buffer over the last %d packets: delay %.0f ms, target %.0f ms, minimum %.0f ms",
		later, later.PacketsReceived-first.PacketsReceived, 1000*(later.JitterDelay-first.JitterDelay)/emitted,
		1000*(later.JitterTarget-first.JitterTarget)/emitted, 1000*(later.JitterMinimum-first.JitterMinimum)/emitted)
	require.Equal(t, 1, st.whep.Stats().Listeners)
	require.NoError(t, call(ctx, "stop()"))
	require.Eventually(t, func() bool { return st.whep.Stats().Listeners == 0 }, waitTimeout, 20*time.Millisecond)
}

// Chromium goes live from the go-live page with its fake microphone (a
// 1 kHz WAV): the show's audio carries the tone instead of the 220 Hz
// fallback, and goes back to the fallback when the page stops.
func TestBrowserGoesLive(t *testing.T) {
	st := startStation(t)
	ctx := browser(t, toneWAV(t, 1000, 5*time.Second))
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(st.url+"/golive.html?token=dj")))
	require.NoError(t, call(ctx, "start()"))
	waitStats(t, ctx, func(s rtpStats) bool { return s.State == "connected" && s.PacketsSent > 50 })
	require.Eventually(t, func() bool { _, on := st.whip.Publisher(); return on }, waitTimeout, 20*time.Millisecond)
	n := len(st.output())
	// Two seconds of show after the publisher connected hold at least a
	// second of the tone.
	require.Eventually(t, func() bool { return len(st.output()) > n+2*rate }, waitTimeout, 20*time.Millisecond)
	live := liveWindows(st.output()[n:], 1000)
	require.GreaterOrEqual(t, live, 20, "50 ms windows of 1 kHz in the show")
	require.NoError(t, call(ctx, "stop()"))
	require.Eventually(t, func() bool { _, on := st.whip.Publisher(); return !on }, waitTimeout, 20*time.Millisecond)
	n = len(st.output())
	// The live source's buffer plays out, then the fallback comes back
	// (how soon depends on the machine's load: polled, not timed).
	var back int
	found := func() bool {
		out := st.output()
		for back = n; back+rate/20 <= len(out); back += rate / 20 {
			if liveWindows(out[back:back+rate/20], 220) > 0 {
				return true
			}
		}
		return false
	}
	if !assert.Eventually(t, found, waitTimeout, 20*time.Millisecond) {
		// Described after the wait (the arguments of Eventually are
		// evaluated before it).
		t.Fatalf("the 220 Hz fallback never came back: %s; %s", tail(st.output(), n), st.state())
	}
	require.Eventually(t, func() bool { return len(st.output()) > back+rate }, waitTimeout, 20*time.Millisecond)
	require.Zero(t, liveWindows(st.output()[back:back+rate], 1000), "the fallback stays: no more of the tone")
}

// tail describes the output after position n for a failure message: its
// length and the level and frequency of its last few 50 ms windows.
func tail(out []float32, n int) string {
	w := rate / 20
	d := fmt.Sprintf("%d samples after the publisher left;", len(out)-n)
	for i := max(n, len(out)-5*w); i+w <= len(out); i += w {
		rms, f := freqOf(out[i : i+w])
		d += fmt.Sprintf(" [rms %.3f, %.0f Hz]", rms, f)
	}
	return d
}
