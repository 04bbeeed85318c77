package whep_test

import (
	"math"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/internal/opus"
	"github.com/onair-go/onair/internal/rtc/rtctest"
	"github.com/stretchr/testify/require"
)

// bursts is a source of silence with a 1 kHz burst of 100 ms at the start
// of every second of stream; it records the wall time at which it
// generated each burst's first sample.
type bursts struct {
	pos  int // samples generated
	rate int

	mu    sync.Mutex
	times []time.Time
}

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
		if p < b.rate/10 {
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

// onsets decodes pkts and returns the arrival time of each packet in which
// a burst starts (a sample over 0.1 after at least 200 ms of silence).
func onsets(t testing.TB, pkts []rtctest.Packet) []time.Time {
	d, err := opus.NewDecoder(2)
	require.NoError(t, err)
	defer d.Close()
	var out []time.Time
	quiet := 0
	var pcm []float32
	for _, p := range pkts {
		pcm, err = d.Decode(pcm[:0], p.RTP.Payload)
		require.NoError(t, err)
		for i := 0; i < len(pcm); i += 2 {
			if math.Abs(float64(pcm[i])) > 0.1 {
				if quiet >= 9600 {
					out = append(out, p.At)
				}
				quiet = 0
			} else {
				quiet++
			}
		}
	}
	return out
}

// latencies pairs each onset with the burst generated just before it.
func latencies(gen, got []time.Time) []time.Duration {
	var out []time.Duration
	for _, at := range got {
		var best time.Duration = -1
		for _, g := range gen {
			if d := at.Sub(g); d >= 0 && (best < 0 || d < best) {
				best = d
			}
		}
		if best >= 0 && best < 900*time.Millisecond {
			out = append(out, best)
		}
	}
	return out
}

// TestLatency injects a 1 kHz burst every second into the graph and detects
// each in the audio a pion listener receives over loopback: the time from
// the tick that generated the burst to the arrival of the RTP packet whose
// decoded audio starts it (encoder hand-off, libopus lookahead, RTP over
// loopback; a browser adds its jitter buffer). The numbers are logged
// (go test -v -run TestLatency); the test checks that every burst arrives,
// once. With the real-time clock's default Latency (100ms) the clock runs
// ticks in batches of up to 100 ms, so packets leave in bursts; with a
// Latency of one frame they leave one per tick.
func TestLatency(t *testing.T) {
	for _, tc := range []struct {
		name    string
		latency time.Duration
	}{{"default clock", 0}, {"clock latency 20ms", 20 * time.Millisecond}} {
		t.Run(tc.name, func(t *testing.T) {
			b := &bursts{}
			st := startStationOf(t, onair.NewNode(b, &onair.NodeOptions{ID: "bursts"}),
				&onair.ClockOptions{Latency: tc.latency}, 0, nil, nil)
			p := st.play(t, "", true, false)
			pkts := collect(t, p, 300) // 6 s
			got := onsets(t, pkts)
			lat := latencies(b.generated(), got)
			require.GreaterOrEqual(t, len(got), 4, "bursts detected")
			require.Len(t, lat, len(got), "each burst matches one generated before it")
			var gaps []time.Duration // between packet arrivals
			for i := 1; i < len(pkts); i++ {
				gaps = append(gaps, pkts[i].At.Sub(pkts[i-1].At))
			}
			slices.Sort(lat)
			slices.Sort(gaps)
			t.Logf("%s: tick-to-listener latency over loopback, %d bursts: median %v, worst %v, best %v; packet gaps: median %v, 99th %v, max %v",
				tc.name, len(lat), lat[len(lat)/2].Round(time.Millisecond), lat[len(lat)-1].Round(time.Millisecond),
				lat[0].Round(time.Millisecond), gaps[len(gaps)/2].Round(time.Millisecond),
				gaps[len(gaps)*99/100].Round(time.Millisecond), gaps[len(gaps)-1].Round(time.Millisecond))
		})
	}
}
