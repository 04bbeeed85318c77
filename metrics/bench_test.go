package metrics_test

import (
	"fmt"
	"io"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/control"
	"github.com/onair-go/onair/metrics"
	"github.com/onair-go/onair/onairtest"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/stretchr/testify/require"
)

// BenchmarkScrape is a whole scrape of a radio-sized graph through
// promhttp (goal: under 5 ms): the status document, the metrics, the text
// exposition.
func BenchmarkScrape(b *testing.B) {
	clk := onair.NewClock("station", &onair.ClockOptions{Kind: onair.Manual})
	g, err := onair.NewGraph(&onair.GraphOptions{Clock: clk})
	require.NoError(b, err)
	music := onairtest.NewSource(&onairtest.Script{ID: "music", Loop: true, Fallible: true, Segments: []onairtest.Segment{{Len: 44100 * 4, Metadata: onair.Metadata{"title": "One"}}}})
	jingle := onairtest.NewSource(&onairtest.Script{ID: "jingle", Loop: true, Segments: []onairtest.Segment{{Len: 44100}}})
	fb, err := onair.Fallback([]onair.Source{music, jingle}, nil)
	require.NoError(b, err)
	xf, err := onair.Crossfade(fb, &onair.CrossfadeOptions{Duration: time.Second, FadeIn: 500 * time.Millisecond, FadeOut: 500 * time.Millisecond})
	require.NoError(b, err)
	var outs []onair.Source
	for i := range 3 {
		enc, err := onair.Amplify(xf, 1, &onair.AmplifyOptions{ID: fmt.Sprintf("enc%d", i)})
		require.NoError(b, err)
		outs = append(outs, onair.Sink(enc, nil, &onair.OutputOptions{ID: fmt.Sprintf("mount%d", i)}))
	}
	outs = append(outs, onair.Sink(xf, nil, &onair.OutputOptions{ID: "hls"}), onair.Sink(xf, nil, &onair.OutputOptions{ID: "icecast", Fallible: true}))
	require.NoError(b, g.Add(outs...))
	ctl, err := control.New(&control.Station{Graph: g, NowPlaying: xf}, &control.Options{ReadOnly: true, SampleEvery: 1})
	require.NoError(b, err)
	defer ctl.Close()
	require.NoError(b, g.Start())
	defer g.Close()
	for range 100 {
		clk.Tick()
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(metrics.New(ctl, nil))
	h := promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", "/metrics", nil))
		if w.Code != 200 {
			b.Fatal(w.Code)
		}
		_, _ = io.Copy(io.Discard, w.Body)
	}
}
