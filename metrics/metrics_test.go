package metrics_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/control"
	"github.com/onair-go/onair/decode"
	"github.com/onair-go/onair/decode/harbor"
	"github.com/onair-go/onair/encode"
	"github.com/onair-go/onair/fault"
	"github.com/onair-go/onair/metrics"
	"github.com/onair-go/onair/mux/listen"
	"github.com/onair-go/onair/onairtest"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// station is a sine encoded to MP3 on one listener mount, with a
// controller and a collector, served over HTTP: the mount at /radio.mp3,
// the metrics at /metrics.
type station struct {
	g     *onair.Graph
	clk   *onair.Clock
	ctl   *control.Controller
	col   *metrics.Collector
	mount *listen.Mount
	srv   *httptest.Server
	// queue is a request queue (on a dummy output) that logs its bad
	// entries through the faults' logger.
	queue  *decode.QueueSource
	faults *fault.Counter
}

func newStation(t *testing.T, kind onair.ClockKind) *station {
	st := &station{clk: onair.NewClock("station", &onair.ClockOptions{Kind: kind}), faults: &fault.Counter{}}
	log := slog.New(st.faults.Handler(nil))
	var err error
	st.g, err = onair.NewGraph(&onair.GraphOptions{Clock: st.clk, Logger: log})
	require.NoError(t, err)
	st.queue, err = decode.Queue(&decode.QueueOptions{ID: "requests", Synchronous: true, Logger: log})
	require.NoError(t, err)
	require.NoError(t, st.g.Add(onair.Sink(st.queue, nil, &onair.OutputOptions{ID: "requests-out", Fallible: true})))
	sine := onair.Sine(440, &onair.GenOptions{ID: "sine"})
	mp3, err := encode.Audio(sine, &encode.AudioOptions{Codec: "libmp3lame", BitRate: 64000, Track: "audio_mp3", ID: "mp3"})
	require.NoError(t, err)
	ls, err := listen.NewServer(nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = ls.Close() })
	st.mount, err = ls.Mount("/radio.mp3", mp3, nil)
	require.NoError(t, err)
	require.NoError(t, st.g.Add(st.mount))
	st.ctl, err = control.New(&control.Station{Graph: st.g, NowPlaying: sine, Listen: []*listen.Server{ls}, Encoders: []*encode.Shared{mp3}},
		&control.Options{ReadOnly: true, PublicStatus: true, SampleEvery: 1})
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.ctl.Close() })
	st.col = metrics.New(st.ctl, &metrics.Options{Faults: st.faults})
	st.col.HarborAuth(func(harbor.Credentials) bool { return false })(harbor.Credentials{})
	st.col.HarborConnected("/live")
	reg := prometheus.NewRegistry()
	require.NoError(t, reg.Register(st.col))
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorHandling: promhttp.HTTPErrorOnError}))
	mux.Handle("/", ls)
	st.srv = httptest.NewServer(mux)
	t.Cleanup(st.srv.Close)
	return st
}

func (st *station) scrape(t *testing.T) string {
	resp, err := http.Get(st.srv.URL + "/metrics")
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode, string(b))
	return string(b)
}

// listenTo connects a listener to the mount and reads its stream until
// the test ends.
func (st *station) listenTo(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, "GET", st.srv.URL+"/radio.mp3", nil)
	require.NoError(t, err)
	done := make(chan struct{})
	go func() {
		defer close(done)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return
		}
		defer resp.Body.Close()
		_, _ = io.Copy(io.Discard, resp.Body)
	}()
	t.Cleanup(func() { cancel(); <-done })
}

func TestExpositionPromtool(t *testing.T) {
	st := newStation(t, onair.Manual)
	require.NoError(t, st.g.Start())
	t.Cleanup(func() { _ = st.g.Close() })
	st.queue.Push(filepath.Join(t.TempDir(), "missing.mp3"))
	for range 10 {
		st.clk.Tick()
	}
	require.Equal(t, uint64(1), st.faults.Count(fault.FileSkipped, "requests"), "the missing file was skipped")
	text := st.scrape(t)
	for _, want := range []string{
		`onair_clock_ticks_total{clock="station",kind="manual"} 10`,
		`onair_clock_lag_seconds{clock="station"} 0`,
		`onair_source_ready{source="sine"} 1`,
		`onair_output_state{output="listen:/radio.mp3",state="started"} 1`,
		`onair_output_missed_ticks_total{output="listen:/radio.mp3"} 0`,
		`onair_mount_listeners{mount="/radio.mp3"} 0`,
		`onair_faults_total{component="requests",event="file_skipped"} 1`,
		`onair_harbor_auth_failures_total 1`,
		`onair_harbor_connections_total{mount="/live"} 1`,
		`onair_graph_running 1`,
	} {
		assert.Contains(t, text, want)
	}
	assert.Regexp(t, `onair_encoder_packets_total\{encoder="mp3"\} [1-9]`, text)
	assert.Contains(t, text, `onair_encoder_errors_total{encoder="mp3"} 0`)
	assert.Regexp(t, `onair_encoder_cpu_seconds_total\{encoder="mp3"\} (0\.0*[1-9][0-9]*|[1-9][0-9.]*e-0[1-9])\n`, text, "some CPU time, less than a second for 10 frames")
	assert.Regexp(t, `onair_output_bytes_total\{kind="mount",output="listen:/radio.mp3"\} [1-9]`, text)

	promtool, err := exec.LookPath("promtool")
	require.NoError(t, err, "promtool is missing: run scripts/test-deps.sh (Debian package prometheus)")
	cmd := exec.Command(promtool, "check", "metrics")
	cmd.Stdin = strings.NewReader(text)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "promtool check metrics: %s\n%s", out, text)
	assert.Empty(t, strings.TrimSpace(string(out)), "promtool has no complaint")
}

// TestPrometheusServer runs a real Prometheus server that scrapes the
// station and asks its query API for the clock's lag and the mount's
// listener count.
func TestPrometheusServer(t *testing.T) {
	bin, err := exec.LookPath("prometheus")
	require.NoError(t, err, "prometheus is missing: run scripts/test-deps.sh (Debian package prometheus)")
	st := newStation(t, onair.RealTime)
	ctx, cancel := context.WithCancel(context.Background())
	runDone := make(chan error, 1)
	go func() { runDone <- st.g.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-runDone })
	st.listenTo(t)

	dir := t.TempDir()
	target := strings.TrimPrefix(st.srv.URL, "http://")
	cfg := fmt.Sprintf("global:\n  scrape_interval: 200ms\n  scrape_timeout: 150ms\nscrape_configs:\n  - job_name: station\n    static_configs:\n      - targets: [%q]\n", target)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "prometheus.yml"), []byte(cfg), 0o644))
	port := freePort(t)
	prom := exec.Command(bin, "--config.file="+filepath.Join(dir, "prometheus.yml"), "--storage.tsdb.path="+filepath.Join(dir, "data"),
		"--web.listen-address=127.0.0.1:"+port, "--log.level=warn")
	var logs bytes.Buffer
	prom.Stdout, prom.Stderr = &logs, &logs
	require.NoError(t, prom.Start())
	t.Cleanup(func() {
		_ = prom.Process.Kill()
		_ = prom.Wait()
		if t.Failed() {
			t.Logf("prometheus logs:\n%s", logs.String())
		}
	})
	api := "http://127.0.0.1:" + port + "/api/v1/query?query="
	// Wait (bounded, so that a broken setup fails rather than hangs) until
	// the server has scraped the listener.
	var listeners, lag []sample
	require.Eventually(t, func() bool {
		listeners = query(api + url.QueryEscape(`onair_mount_listeners{mount="/radio.mp3",job="station"}`))
		lag = query(api + url.QueryEscape(`onair_clock_lag_seconds{clock="station"}`))
		return len(listeners) == 1 && listeners[0].value == "1" && len(lag) == 1
	}, 60*time.Second, 100*time.Millisecond, "prometheus never saw the listener: %v %v", listeners, lag)
	assert.Equal(t, target, listeners[0].labels["instance"])
	ticks := query(api + url.QueryEscape(`onair_clock_ticks_total{clock="station"}`))
	require.Len(t, ticks, 1)
	assert.NotEqual(t, "0", ticks[0].value)
}

type sample struct {
	labels map[string]string
	value  string
}

// query asks Prometheus's query API for an instant vector.
func query(u string) []sample {
	resp, err := http.Get(u)
	if err != nil {
		return nil
	}
	defer resp.Body.Close()
	var r struct {
		Status string `json:"status"`
		Data   struct {
			Result []struct {
				Metric map[string]string `json:"metric"`
				Value  [2]any            `json:"value"`
			} `json:"result"`
		} `json:"data"`
	}
	if json.NewDecoder(resp.Body).Decode(&r) != nil || r.Status != "success" {
		return nil
	}
	var out []sample
	for _, s := range r.Data.Result {
		v, _ := s.Value[1].(string)
		out = append(out, sample{labels: s.Metric, value: v})
	}
	return out
}

func freePort(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	require.NoError(t, ln.Close())
	return port
}

// An infallible source that has no frame for a tick (a hiccup the output
// logs once and goes on from) is counted, per output.
func TestOutputMissedTicks(t *testing.T) {
	clk := onair.NewClock("station", &onair.ClockOptions{Kind: onair.Manual})
	g, err := onair.NewGraph(&onair.GraphOptions{Clock: clk, Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	src := onairtest.NewSource(&onairtest.Script{ID: "music", Loop: true,
		Segments: []onairtest.Segment{{Len: 44100, Value: 0.5}},
		Ready:    func(tick uint64) bool { return tick%4 != 3 }})
	require.NoError(t, g.Add(onair.Sink(src, func(*onair.Frame) error { return nil }, &onair.OutputOptions{ID: "air"})))
	ctl, err := control.New(&control.Station{Graph: g}, &control.Options{ReadOnly: true, SampleEvery: 1})
	require.NoError(t, err)
	t.Cleanup(func() { _ = ctl.Close() })
	require.NoError(t, g.Start())
	t.Cleanup(func() { _ = g.Close() })
	for range 12 {
		clk.Tick()
	}
	reg := prometheus.NewRegistry()
	require.NoError(t, reg.Register(metrics.New(ctl, nil)))
	rec := httptest.NewRecorder()
	promhttp.HandlerFor(reg, promhttp.HandlerOpts{}).ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	assert.Contains(t, rec.Body.String(), `onair_output_missed_ticks_total{output="air"} 3`, "ticks 3, 7 and 11")
}
