package whep_test

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/asticode/go-astiav"
	"github.com/onair-go/onair"
	"github.com/onair-go/onair/encode"
	"github.com/onair-go/onair/internal/faulttest"
	"github.com/onair-go/onair/internal/logtest"
	"github.com/onair-go/onair/internal/opus"
	"github.com/onair-go/onair/internal/rtc"
	"github.com/onair-go/onair/internal/rtc/rtctest"
	"github.com/onair-go/onair/mux/whep"
	"github.com/stretchr/testify/require"
)

// waitTimeout bounds every wait of these tests.
const waitTimeout = 30 * time.Second

func init() { astiav.SetLogLevel(astiav.LogLevelError) }

// station is a running graph with a WHEP mount of a sine.
type station struct {
	srv   *whep.Server
	mount *whep.Mount
	graph *onair.Graph
	sine  *onair.Node
	url   string // the mount's endpoint
	base  string
	logs  *logtest.Buffer
	api   *rtc.API // for clients
	// faults records the fault records of the logs.
	faults *faulttest.Log
}

// startStation runs a 48 kHz graph of a freq Hz sine, encoded once to Opus,
// served by a WHEP mount at /live, until the test ends.
func startStation(t *testing.T, freq float64, opts *whep.Options, mopts *whep.MountOptions) *station {
	t.Helper()
	return startStationOf(t, nil, nil, freq, opts, mopts)
}

// startStationOf is startStation with src in place of the sine, when not
// nil, and a real-time clock with copts, when not nil.
func startStationOf(t testing.TB, src onair.Source, copts *onair.ClockOptions, freq float64, opts *whep.Options, mopts *whep.MountOptions) *station {
	t.Helper()
	st := &station{logs: &logtest.Buffer{}}
	if opts == nil {
		opts = &whep.Options{}
	}
	opts.ICE.Loopback = true
	st.faults = faulttest.New()
	st.faults.Next = slog.NewTextHandler(st.logs, &slog.HandlerOptions{Level: slog.LevelDebug})
	opts.Logger = st.faults.Logger()
	var err error
	st.srv, err = whep.NewServer(opts)
	require.NoError(t, err)
	st.sine = onair.Sine(freq, &onair.GenOptions{Amplitude: 0.5, Duration: time.Hour, Metadata: onair.Metadata{"title": "Tone", "artist": "onair"}})
	if src == nil {
		src = st.sine
	}
	enc, err := encode.Audio(src, &encode.AudioOptions{Codec: "libopus", BitRate: 96000})
	require.NoError(t, err)
	st.mount, err = st.srv.Mount("/live", enc, mopts)
	require.NoError(t, err)
	var clock *onair.Clock
	if copts != nil {
		clock = onair.NewClock("main", copts)
	}
	st.graph, err = onair.NewGraph(&onair.GraphOptions{Format: onair.Format{SampleRate: 48000, Channels: 2}, Logger: opts.Logger, Clock: clock})
	require.NoError(t, err)
	require.NoError(t, st.graph.Add(st.mount))
	hs := httptest.NewServer(st.srv)
	st.base = hs.URL
	st.url = hs.URL + "/live"
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- st.graph.Run(ctx) }()
	st.api, err = rtctest.NewAPI()
	require.NoError(t, err)
	t.Cleanup(func() {
		cancel()
		<-done
		require.NoError(t, st.graph.Close())
		require.NoError(t, st.srv.Close())
		hs.Close()
		require.NoError(t, st.api.Close())
	})
	return st
}

// play connects a player and waits for its first packet.
func (st *station) play(t *testing.T, token string, keep, meta bool) *rtctest.Player {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	p, err := rtctest.Play(ctx, st.api, st.url, token, keep, meta)
	require.NoError(t, err)
	t.Cleanup(func() { _, _ = p.Close(context.Background(), false) })
	select {
	case <-p.Started():
	case <-ctx.Done():
		t.Fatalf("no packet within %s; log:\n%s", waitTimeout, st.logs)
	}
	return p
}

// decode decodes packets with FFmpeg's libopus and returns the left
// channel, with a lost packet concealed.
func decode(t *testing.T, pkts []rtctest.Packet) []float32 {
	t.Helper()
	d, err := opus.NewDecoder(2)
	require.NoError(t, err)
	defer d.Close()
	var pcm []float32
	for i, p := range pkts {
		if i > 0 {
			for lost := p.RTP.SequenceNumber - pkts[i-1].RTP.SequenceNumber - 1; lost > 0 && lost < 50; lost-- {
				pcm, err = d.Conceal(pcm)
				require.NoError(t, err)
			}
		}
		pcm, err = d.Decode(pcm, p.RTP.Payload)
		require.NoError(t, err)
	}
	left := make([]float32, len(pcm)/2)
	for i := range left {
		left[i] = pcm[2*i]
	}
	return left
}

// collect waits until p has received n packets and returns them.
func collect(t *testing.T, p *rtctest.Player, n int) []rtctest.Packet {
	t.Helper()
	var got []rtctest.Packet
	deadline := time.Now().Add(waitTimeout)
	for len(got) < n {
		if time.Now().After(deadline) {
			t.Fatalf("got %d packets of %d", len(got), n)
		}
		got = append(got, p.Take()...)
		time.Sleep(20 * time.Millisecond)
	}
	return got
}
