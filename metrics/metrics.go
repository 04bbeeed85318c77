// Package metrics exposes an onair station to Prometheus: a
// [prometheus.Collector] that reads the station's status (clocks, sources,
// outputs, listener mounts, HLS, Icecast, shared encoders, harbors) at
// each scrape, and counters for the faults a station survives.
//
// # Faults
//
// Every fault a station survives (a bad file skipped, a reconnection, a
// listener dropped, a clock reset or catch-up, an HLS round dropped or a
// storage error) is logged by the package that survives it as one
// [log/slog] record with the attribute event=<fault> (the schema is
// documented at [fault.Event]). Give every component a logger whose
// handler comes from an [fault.Counter], and pass the counter as
// Options.Faults: each record is then one increment of
//
//	onair_faults_total{event="reconnect",component="icecast"}
//
// where component is the source or output ID, mount path or clock name
// the record names. The log and the metric cannot disagree: the metric
// counts the records.
//
//	faults := &fault.Counter{}
//	log := slog.New(faults.Handler(slog.NewJSONHandler(os.Stderr, nil)))
//	// ... every Options.Logger / GraphOptions.Logger: log ...
//	col := metrics.New(ctl, &metrics.Options{Faults: faults})
//
// One more counter is worth an alert of its own:
// onair_output_missed_ticks_total{output} counts the ticks in which an
// output's infallible source had no frame (an operator broke its
// contract for a tick; the output logged it once and went on). It stays 0
// on a healthy station, and a sound card plays each tick of it as a gap.
//
// Harbor clients refused and accepted are counted through the hooks
// [Collector.HarborAuth] and [Collector.HarborConnected].
//
// Register the collector with a registry of your own (the package never
// uses the global one):
//
//	col := metrics.New(ctl, nil)
//	reg := prometheus.NewRegistry()
//	reg.MustRegister(col)
//	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
//
// Every metric is prefixed "onair_". Labels are the IDs of graph nodes,
// clock names and mount paths: a station has a fixed set of them, so the
// number of series does not grow while it runs (no per-listener or
// per-title label). Reading the status does not touch the clock
// goroutine: the state only that goroutine may read comes from the
// sample it records every few ticks (see control.Options.SampleEvery).
package metrics

import (
	"sync"

	"github.com/onair-go/onair/control"
	"github.com/onair-go/onair/decode/harbor"
	"github.com/onair-go/onair/fault"
	"github.com/prometheus/client_golang/prometheus"
)

// Options configure a [Collector]. A nil *Options is valid.
type Options struct {
	// Namespace prefixes every metric name. It defaults to "onair".
	Namespace string
	// Faults is the counter of the station logger's fault records,
	// exported as onair_faults_total (see the package doc). Without it
	// that metric is left out.
	Faults *fault.Counter
}

// Collector is a prometheus.Collector for a station. Its methods are safe
// from any goroutine.
type Collector struct {
	ctl    *control.Controller
	desc   descs
	faults *fault.Counter

	mu        sync.Mutex
	harborCon map[string]float64 // harbor mount -> connections accepted
	authFail  float64
}

// New returns a collector of the station ctl controls.
func New(ctl *control.Controller, opts *Options) *Collector {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.Namespace == "" {
		o.Namespace = "onair"
	}
	return &Collector{ctl: ctl, desc: newDescs(o.Namespace), faults: o.Faults, harborCon: map[string]float64{}}
}

// HarborAuth wraps a harbor's Auth function to count the clients it
// refuses.
func (c *Collector) HarborAuth(fn harbor.AuthFunc) harbor.AuthFunc {
	return func(cr harbor.Credentials) bool {
		ok := fn(cr)
		if !ok {
			c.mu.Lock()
			c.authFail++
			c.mu.Unlock()
		}
		return ok
	}
}

// HarborConnected counts a source client accepted on a harbor mount;
// call it from the mount's OnConnect option.
func (c *Collector) HarborConnected(mount string) {
	c.mu.Lock()
	c.harborCon[mount]++
	c.mu.Unlock()
}

// Describe sends the descriptors of every metric the collector makes.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range c.desc.all() {
		ch <- d
	}
}

// Collect reads the station's status and sends its metrics.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	s := c.ctl.Status()
	d := &c.desc
	counter := func(desc *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(desc, prometheus.CounterValue, v, labels...)
	}
	gauge := func(desc *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(desc, prometheus.GaugeValue, v, labels...)
	}
	b := func(v bool) float64 {
		if v {
			return 1
		}
		return 0
	}
	gauge(d.up, b(s.Running))
	for _, cl := range s.Clocks {
		counter(d.clockTicks, float64(cl.Ticks), cl.Name, cl.Kind)
		gauge(d.clockTime, cl.Time, cl.Name)
		gauge(d.clockLag, cl.Lag, cl.Name)
		gauge(d.clockSub, float64(cl.SubClocks), cl.Name)
	}
	for _, src := range s.Sources {
		if !src.Sampled || src.Kind == "output" {
			continue
		}
		gauge(d.srcReady, b(src.Ready), src.ID)
		gauge(d.srcActive, b(src.Active), src.ID)
	}
	if c.faults != nil {
		for _, f := range c.faults.Counts() {
			counter(d.faults, float64(f.N), string(f.Event), f.Component)
		}
	}
	c.mu.Lock()
	for m, v := range c.harborCon {
		counter(d.harborConns, v, m)
	}
	counter(d.harborAuth, c.authFail)
	c.mu.Unlock()
	for _, o := range s.Outputs {
		for _, st := range []string{"started", "stopped", "held"} {
			gauge(d.outState, b(o.State == st), o.ID, st)
		}
		counter(d.outMissed, float64(o.Missed), o.ID)
		if o.Kind == "output" {
			continue
		}
		counter(d.outBytes, float64(o.Bytes), o.ID, o.Kind)
		counter(d.outDrops, float64(o.Drops), o.ID, o.Kind)
		switch o.Kind {
		case "icecast":
			counter(d.outReconn, float64(o.Reconnects), o.ID)
		case "mount":
			gauge(d.listeners, float64(*o.Listeners), o.Mount)
			gauge(d.listenersPeak, float64(o.Peak), o.Mount)
		case "hls":
			counter(d.hlsSegments, float64(o.Segments), o.ID)
			counter(d.hlsDropped, float64(o.Drops), o.ID)
			counter(d.hlsErrors, float64(o.Errors), o.ID)
		}
	}
	for _, e := range s.Encoders {
		counter(d.encFrames, float64(e.Frames), e.ID)
		counter(d.encPackets, float64(e.Packets), e.ID)
		counter(d.encStreams, float64(e.Streams), e.ID)
		counter(d.encErrors, float64(e.Errors), e.ID)
		counter(d.encCPU, e.CPU, e.ID)
	}
	for _, h := range s.Harbors {
		gauge(d.harborUp, b(h.Connected), h.Mount)
		gauge(d.harborBuf, h.Buffered, h.Mount)
		counter(d.harborUnder, float64(h.Underruns), h.Mount)
		counter(d.harborOver, float64(h.Overruns), h.Mount)
	}
	gauge(d.subscribers, float64(c.ctl.Subscribers()))
}
