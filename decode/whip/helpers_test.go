package whip_test

import (
	"context"
	"log/slog"
	"math"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/asticode/go-astiav"
	"github.com/onair-go/onair"
	"github.com/onair-go/onair/decode/whip"
	"github.com/onair-go/onair/encode"
	"github.com/onair-go/onair/internal/logtest"
	"github.com/onair-go/onair/internal/rtc"
	"github.com/onair-go/onair/internal/rtc/rtctest"
	"github.com/onair-go/onair/internal/tonetest"
	"github.com/pion/rtp"
	"github.com/stretchr/testify/require"
)

const waitTimeout = 30 * time.Second

func init() { astiav.SetLogLevel(astiav.LogLevelError) }

// graphRate is the graph's rate: the publisher's 48 kHz is resampled.
const graphRate = 44100

// studio is a running graph: Fallback(WHIP mount, 220 Hz sine) into a
// recorder.
type studio struct {
	srv   *whip.Server
	mount *whip.Mount
	url   string
	base  string
	logs  *logtest.Buffer
	api   *rtc.API
	graph *onair.Graph

	mu  sync.Mutex
	out []float32 // left channel of the output
}

func (s *studio) output() []float32 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]float32(nil), s.out...)
}

// startStudio runs the studio until the test ends; run false leaves the
// graph stopped.
func startStudio(t *testing.T, opts *whip.Options, mopts *whip.MountOptions, run bool) *studio {
	t.Helper()
	s := &studio{logs: &logtest.Buffer{}}
	if opts == nil {
		opts = &whip.Options{}
	}
	opts.ICE.Loopback = true
	opts.Logger = slog.New(slog.NewTextHandler(s.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	var err error
	s.srv, err = whip.NewServer(opts)
	require.NoError(t, err)
	s.mount, err = s.srv.Mount("/dj", mopts)
	require.NoError(t, err)
	show, err := onair.Fallback([]onair.Source{s.mount, onair.Sine(220, &onair.GenOptions{Amplitude: 0.2})},
		&onair.SwitchOptions{Immediate: true})
	require.NoError(t, err)
	sink := onair.Sink(show, func(f *onair.Frame) error {
		s.mu.Lock()
		s.out = append(s.out, f.Audio()[0]...)
		s.mu.Unlock()
		return nil
	}, nil)
	s.graph, err = onair.NewGraph(&onair.GraphOptions{Format: onair.Format{SampleRate: graphRate, Channels: 2}, Logger: opts.Logger})
	require.NoError(t, err)
	require.NoError(t, s.graph.Add(sink))
	hs := httptest.NewServer(s.srv)
	s.base, s.url = hs.URL, hs.URL+"/dj"
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	if run {
		go func() { done <- s.graph.Run(ctx) }()
	} else {
		done <- nil
	}
	s.api, err = rtctest.NewAPI()
	require.NoError(t, err)
	t.Cleanup(func() {
		require.NoError(t, s.srv.Close())
		cancel()
		<-done
		require.NoError(t, s.graph.Close())
		hs.Close()
		require.NoError(t, s.api.Close())
	})
	return s
}

// publish connects a publisher and waits for its peer connection.
func (s *studio) publish(t *testing.T, token string) *rtctest.Publisher {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	p, err := rtctest.Publish(ctx, s.api, s.url, token)
	require.NoError(t, err)
	t.Cleanup(func() { _, _ = p.Close(context.Background(), false) })
	select {
	case <-p.Connected():
	case <-ctx.Done():
		t.Fatalf("publisher not connected; log:\n%s", s.logs)
	}
	return p
}

// opusTone encodes d of a freq Hz sine (amplitude 0.5) into 20 ms Opus
// packets.
func opusTone(t *testing.T, freq float64, d time.Duration) [][]byte {
	t.Helper()
	enc, err := encode.NewAudioEncoder(48000, 2, &encode.AudioOptions{Codec: "libopus", BitRate: 96000})
	require.NoError(t, err)
	defer enc.Close()
	n := int(d.Seconds() * 48000)
	l := make([]float32, n)
	for i := range l {
		l[i] = float32(0.5 * math.Sin(2*math.Pi*freq*float64(i)/48000))
	}
	var pkts [][]byte
	emit := func(p onair.Packet) error { pkts = append(pkts, p.Data); return nil }
	require.NoError(t, enc.Encode([][]float32{l, l}, emit))
	require.NoError(t, enc.Flush(emit))
	return pkts
}

// send sends pkts as RTP at real-time pace (one 20 ms packet per 20 ms);
// drop(i) leaves packet i out, and swap(i) sends packet i after i+1.
func send(t *testing.T, p *rtctest.Publisher, pkts [][]byte, drop, swap func(i int) bool) {
	t.Helper()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	mk := func(i int) *rtp.Packet {
		return &rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 111, SequenceNumber: uint16(60000 + i),
			Timestamp: uint32(960 * i), SSRC: 1}, Payload: pkts[i]}
	}
	write := func(i int) bool {
		if err := p.Track.WriteRTP(mk(i)); err != nil {
			t.Errorf("send packet %d: %v", i, err) // may run on another goroutine: no FailNow
			return false
		}
		return true
	}
	for i := 0; i < len(pkts); i++ {
		<-tick.C
		switch {
		case drop != nil && drop(i):
		case swap != nil && swap(i) && i+1 < len(pkts):
			if !write(i+1) || !write(i) {
				return
			}
			i++
			<-tick.C
		default:
			if !write(i) {
				return
			}
		}
	}
}

// window is the analysis of one stretch of the output.
type window struct {
	rms, freq float64
}

// windows cuts x into windows of n samples and measures each.
func windows(x []float32, n int) []window {
	var out []window
	for i := 0; i+n <= len(x); i += n {
		rms, freq := tonetest.Measure(x[i:i+n], graphRate)
		out = append(out, window{rms: rms, freq: freq})
	}
	return out
}

// sections summarizes windows as runs of "live" (1 kHz), "fallback"
// (220 Hz) and "other", with their lengths in windows.
func sections(ws []window) []run {
	var out []run
	for _, w := range ws {
		kind := "other"
		switch {
		case math.Abs(w.freq-1000) < 30 && w.rms > 0.2:
			kind = "live"
		case math.Abs(w.freq-220) < 15 && w.rms > 0.1 && w.rms < 0.2:
			kind = "fallback"
		}
		if len(out) > 0 && out[len(out)-1].kind == kind {
			out[len(out)-1].n++
		} else {
			out = append(out, run{kind, 1})
		}
	}
	return out
}

type run struct {
	kind string
	n    int
}
