package page_test

import (
	"context"
	"math"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/encode"
	"github.com/onair-go/onair/internal/opus"
	"github.com/onair-go/onair/internal/rtc/rtctest"
	"github.com/pion/rtp"
	"github.com/stretchr/testify/require"
)

// TestLiveLatency measures the whole live path on loopback, DJ to
// listener: a pion publisher sends Opus over WHIP (silence with a 100 ms
// 1 kHz burst every second), the station decodes it, plays it through its
// Fallback, encodes it once to Opus and serves it over WHEP to a pion
// listener, which detects each burst. The time from sending a burst's first
// packet to receiving the first packet that plays it is logged (go test -v
// -run TestLiveLatency): it holds the WHIP prebuffer (250 ms by default),
// the graph's frame, the encoder's hand-off and lookahead and the pacing of
// the WHEP mount, but not the capture and playout buffers of a browser (its
// jitter buffer targets about 40 ms here, see TestBrowserListens). The test
// checks that every burst sent on air is received, once.
func TestLiveLatency(t *testing.T) {
	st := startStation(t)
	api, err := rtctest.NewAPI()
	require.NoError(t, err)
	defer api.Close()
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	listener, err := rtctest.Play(ctx, api, st.url+"/live", "", true, false)
	require.NoError(t, err)
	defer listener.Close(context.Background(), false)
	pub, err := rtctest.Publish(ctx, api, st.url+"/dj", "dj")
	require.NoError(t, err)
	defer pub.Close(context.Background(), false)
	select {
	case <-pub.Connected():
	case <-ctx.Done():
		t.Fatal("publisher not connected")
	}

	// 8 s of silence with a burst at the start of every second.
	const secs = 8
	pcm := make([]float32, secs*rate)
	for i := range pcm {
		if p := i % rate; p < rate/10 {
			pcm[i] = float32(0.5 * math.Sin(2*math.Pi*1000*float64(p)/rate))
		}
	}
	enc, err := encode.NewAudioEncoder(rate, 1, &encode.AudioOptions{Codec: "libopus", BitRate: 64000})
	require.NoError(t, err)
	var pkts [][]byte
	require.NoError(t, enc.Encode([][]float32{pcm}, func(p onair.Packet) error { pkts = append(pkts, p.Data); return nil }))
	enc.Close()
	var mu sync.Mutex
	var sent []time.Time
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for i, p := range pkts {
		<-tick.C
		require.NoError(t, pub.Track.WriteRTP(&rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 111,
			SequenceNumber: uint16(i), Timestamp: uint32(960 * i), SSRC: 7}, Payload: p}))
		if i%50 == 0 && i > 0 { // the first burst starts the show: not measured
			mu.Lock()
			sent = append(sent, time.Now())
			mu.Unlock()
		}
	}
	time.Sleep(time.Second) // the last burst's way through
	got := onsetsOf(t, listener.Take())
	// Each burst sent is matched with the first onset received within
	// 900 ms (the first burst, which started the show, and the fallback's
	// return after the show are not bursts sent).
	var lat []time.Duration
	for _, s := range sent {
		for _, at := range got {
			if d := at.Sub(s); d >= 0 && d < 900*time.Millisecond {
				lat = append(lat, d)
				break
			}
		}
	}
	require.Len(t, lat, len(sent), "bursts received of those sent; onsets at %v, sent at %v", got, sent)
	slices.Sort(lat)
	t.Logf("DJ-to-listener latency (WHIP → graph → WHEP, loopback), %d bursts: median %v, worst %v, best %v",
		len(lat), lat[len(lat)/2].Round(time.Millisecond), lat[len(lat)-1].Round(time.Millisecond), lat[0].Round(time.Millisecond))
}

// onsetsOf decodes pkts and returns the arrival time of each packet in
// which a burst starts (a sample over 0.3 after at least 200 ms under it:
// above the 220 Hz fallback's 0.2, which plays when the live source
// underruns on a loaded machine).
func onsetsOf(t *testing.T, pkts []rtctest.Packet) []time.Time {
	t.Helper()
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
			if math.Abs(float64(pcm[i])) > 0.3 {
				if quiet >= rate/5 {
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
