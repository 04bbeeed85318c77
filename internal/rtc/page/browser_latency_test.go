package page_test

import (
	"math"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/onair-go/onair"
	"github.com/stretchr/testify/require"
)

// bursts is a source of silence with a 1 kHz burst at the start of every
// second of stream, 50 to 120 ms long (see burstLen), so that a receiver
// more than a second late can still tell them apart; it records the wall
// time at which it generated each burst's first sample.
type bursts struct {
	pos  int
	rate int

	mu    sync.Mutex
	times []time.Time
}

// burstLen is the length, in samples, of burst k: 50 ms + 10 ms × (k mod 8).
func burstLen(rate, k int) int { return rate/20 + (k%8)*rate/100 }

func (b *bursts) WakeUp(f *onair.Format) error { b.rate = f.SampleRate; return nil }

func (b *bursts) Generate(f *onair.Frame) error {
	start := f.Len()
	n := f.Extend(f.Free())
	now := time.Now()
	for i := range n {
		p := (b.pos + i) % b.rate
		if p == 0 {
			b.mu.Lock()
			b.times = append(b.times, now)
			b.mu.Unlock()
		}
		if p < burstLen(b.rate, (b.pos+i)/b.rate) {
			v := float32(0.5 * math.Sin(2*math.Pi*1000*float64(p)/float64(b.rate)))
			for _, ch := range f.Audio() {
				ch[start+i] = v
			}
		}
	}
	b.pos += n
	return nil
}

func (b *bursts) generated() []time.Time {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.times)
}

// detectJS listens to the audio the page plays (the WHEP stream, through
// Web Audio) and records in window.onsets the wall time, in Unix
// milliseconds, of each burst: a sample over 0.1 after 200 ms under it.
const detectJS = `(async () => {
  window.onsets = [];
  const ctx = new AudioContext();
  await ctx.resume();
  const src = ctx.createMediaStreamSource(document.getElementById("audio").srcObject);
  const proc = ctx.createScriptProcessor(256, 1, 1);
  let quiet = 0;
  proc.onaudioprocess = (e) => {
    const x = e.inputBuffer.getChannelData(0);
    const end = performance.timeOrigin + performance.now();
    for (let i = 0; i < x.length; i++) {
      if (Math.abs(x[i]) > 0.1) {
        if (quiet >= ctx.sampleRate / 5) window.onsets.push(end - (x.length - i) * 1000 / ctx.sampleRate);
        quiet = 0;
      } else quiet++;
    }
  };
  src.connect(proc);
  proc.connect(ctx.destination);
})()`

// TestBrowserLatency measures graph-to-browser latency on loopback: a 1 kHz
// burst is generated in the graph every second, encoded, sent over WHEP,
// and detected in the audio Chromium plays (Web Audio on the received
// track: its jitter buffer and decoding included, the sound card's output
// buffer not). The start is measured from when the graph generated the
// burst, which a real-time clock does up to its Latency (100 ms) ahead of
// the wall clock; the WHEP mount's pacing holds the packets back by that. The numbers are logged (go test -v -run TestBrowserLatency);
// the test checks that bursts are detected, each after the one generated.
func TestBrowserLatency(t *testing.T) {
	b := &bursts{}
	st := startStationWith(t, onair.NewNode(b, &onair.NodeOptions{ID: "bursts"}))
	ctx := browser(t, toneWAV(t, 1000, time.Second))
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(st.url+"/listen.html")))
	require.NoError(t, call(ctx, "play()"))
	waitStats(t, ctx, func(s rtpStats) bool { return s.PacketsReceived > 0 })
	require.NoError(t, call(ctx, detectJS))
	var ms []float64
	deadline := time.Now().Add(waitTimeout)
	for len(ms) < 15 {
		require.True(t, time.Now().Before(deadline), "bursts detected: %d", len(ms))
		time.Sleep(500 * time.Millisecond)
		var err error
		ms, err = chromedp.Run(ctx, chromedp.Evaluate[[]float64]("window.onsets"))
		require.NoError(t, err)
	}
	gen := b.generated()
	var lat []time.Duration
	for _, m := range ms {
		at := time.UnixMicro(int64(m * 1000))
		var best time.Duration = -1
		for _, g := range gen {
			if d := at.Sub(g); d >= 0 && (best < 0 || d < best) {
				best = d
			}
		}
		require.GreaterOrEqual(t, best, time.Duration(0), "an onset before any burst")
		lat = append(lat, best)
	}
	// Chromium's jitter buffer starts deep (packets arrive before its
	// playout starts) and drains over a few seconds: the steady state is
	// from the sixth burst on.
	t.Logf("in order: %v", lat)
	steady := slices.Clone(lat[5:])
	slices.Sort(lat)
	slices.Sort(steady)
	t.Logf("graph-to-Chromium latency over loopback, %d bursts: median %v, worst %v, best %v; steady state (from the 6th): median %v, worst %v",
		len(lat), lat[len(lat)/2].Round(time.Millisecond), lat[len(lat)-1].Round(time.Millisecond), lat[0].Round(time.Millisecond),
		steady[len(steady)/2].Round(time.Millisecond), steady[len(steady)-1].Round(time.Millisecond))
}
