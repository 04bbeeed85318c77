package control_test

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/control"
	"github.com/onair-go/onair/onairtest"
	"github.com/stretchr/testify/require"
)

// radioGraph builds a graph shaped like examples/radio without FFmpeg:
// a playlist-like source and a jingle in a fallback, a crossfade, three
// "renditions" (amplifiers standing for the encoders) and six outputs
// (HLS, three mounts, Icecast, a stop counter). It returns the graph,
// its manual clock and the crossfade.
func radioGraph(tb testing.TB) (*onair.Graph, *onair.Clock, onair.Source) {
	clk := onair.NewClock("station", &onair.ClockOptions{Kind: onair.Manual})
	g, err := onair.NewGraph(&onair.GraphOptions{Clock: clk})
	require.NoError(tb, err)
	music := onairtest.NewSource(&onairtest.Script{ID: "music", Loop: true, Fallible: true, Segments: []onairtest.Segment{
		{Len: 44100 * 4, Metadata: onair.Metadata{"title": "One", "artist": "Band"}},
		{Len: 44100 * 4, Metadata: onair.Metadata{"title": "Two", "artist": "Band"}},
	}})
	jingle := onairtest.NewSource(&onairtest.Script{ID: "jingle", Loop: true, Segments: []onairtest.Segment{{Len: 44100, Metadata: onair.Metadata{"title": "Jingle"}}}})
	fb, err := onair.Fallback([]onair.Source{music, jingle}, nil)
	require.NoError(tb, err)
	xf, err := onair.Crossfade(fb, &onair.CrossfadeOptions{Duration: time.Second, FadeIn: 500 * time.Millisecond, FadeOut: 500 * time.Millisecond})
	require.NoError(tb, err)
	var outs []onair.Source
	for i := range 3 {
		enc, err := onair.Amplify(xf, 1, &onair.AmplifyOptions{ID: fmt.Sprintf("enc%d", i)})
		require.NoError(tb, err)
		outs = append(outs, onair.Sink(enc, nil, &onair.OutputOptions{ID: fmt.Sprintf("mount%d", i)}))
	}
	outs = append(outs, onair.Sink(xf, nil, &onair.OutputOptions{ID: "hls"}), onair.Sink(xf, nil, &onair.OutputOptions{ID: "icecast", Fallible: true}),
		onair.Sink(xf, nil, &onair.OutputOptions{ID: "stop-after"}))
	require.NoError(tb, g.Add(outs...))
	return g, clk, xf
}

// BenchmarkStatus makes the status document of a radio-sized graph and
// encodes it as JSON, as GET /status does (goal: under 1 ms).
func BenchmarkStatus(b *testing.B) {
	g, clk, xf := radioGraph(b)
	ctl, err := control.New(&control.Station{Graph: g, NowPlaying: xf}, &control.Options{ReadOnly: true, SampleEvery: 1})
	require.NoError(b, err)
	require.NoError(b, g.Start())
	defer g.Close()
	for range 100 {
		clk.Tick()
	}
	s := ctl.Status()
	require.GreaterOrEqual(b, len(s.Sources), 12)
	b.ReportMetric(float64(len(s.Sources)), "sources")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := json.Marshal(ctl.Status()); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTick is a tick of the radio-sized graph with and without a
// controller: the controller's output runs at the end of every tick and
// samples the graph every SampleEvery ticks (here every tick, the worst
// case). Both must allocate nothing.
func BenchmarkTick(b *testing.B) {
	for _, with := range []bool{false, true} {
		b.Run(fmt.Sprintf("controller=%v", with), func(b *testing.B) {
			g, clk, xf := radioGraph(b)
			if with {
				_, err := control.New(&control.Station{Graph: g, NowPlaying: xf}, &control.Options{ReadOnly: true, SampleEvery: 1})
				require.NoError(b, err)
			}
			require.NoError(b, g.Start())
			defer g.Close()
			for range 500 {
				clk.Tick()
			}
			b.ReportAllocs()
			for b.Loop() {
				clk.Tick()
			}
		})
	}
}

// TestTickAllocs pins that a controller adds no allocation to a tick,
// including the ticks at which it samples the graph.
func TestTickAllocs(t *testing.T) {
	g, clk, xf := radioGraph(t)
	ctl, err := control.New(&control.Station{Graph: g, NowPlaying: xf}, &control.Options{ReadOnly: true, SampleEvery: 1})
	require.NoError(t, err)
	defer ctl.Close()
	require.NoError(t, g.Start())
	defer g.Close()
	for range 500 {
		clk.Tick()
	}
	if a := testing.AllocsPerRun(200, clk.Tick); a != 0 {
		t.Errorf("%v allocations per tick with a controller, want 0", a)
	}
}
