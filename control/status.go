package control

import (
	"time"

	"github.com/onair-go/onair"
)

// SchemaVersion is the version of the status document ([Status.Version]).
// It changes when a field is removed or changes meaning; fields may be
// added within a version.
const SchemaVersion = 1

// Status is the status document: the whole station at one moment. It is
// served as JSON by GET /status; durations are in seconds.
//
// Clock values (ticks, lag) are read when the document is made. The state
// of sources and outputs (readiness, started) can only be read on the
// clock goroutine: it is the sample the clock took last, at SampledTick of
// its clock (every Options.SampleEvery ticks); before the first tick a
// source has Sampled false. Counters of mounts, HLS, Icecast, encoders and
// harbors are read when the document is made.
type Status struct {
	Version int       `json:"version"`
	Time    time.Time `json:"time"`
	// Running is false before the graph starts and once it is closed.
	Running  bool            `json:"running"`
	Clocks   []ClockStatus   `json:"clocks"`
	Sources  []SourceStatus  `json:"sources"`
	Outputs  []OutputStatus  `json:"outputs"`
	Encoders []EncoderStatus `json:"encoders"`
	Harbors  []HarborStatus  `json:"harbors"`
	// NowPlaying is the current metadata of [Station.NowPlaying], and
	// Title the title built from it ("artist - title").
	NowPlaying onair.Metadata `json:"now_playing,omitempty"`
	Title      string         `json:"title"`
}

// ClockStatus is one clock.
type ClockStatus struct {
	Name string `json:"name"`
	// Kind is "real-time", "free-running", "manual" or "passive".
	Kind  string  `json:"kind"`
	Ticks uint64  `json:"ticks"`
	Time  float64 `json:"time_seconds"`
	// Lag is how far a real-time clock is behind the wall clock.
	Lag       float64 `json:"lag_seconds"`
	Sync      string  `json:"sync,omitempty"`
	Outputs   int     `json:"outputs"`
	SubClocks int     `json:"sub_clocks"`
	// Resets counts the times a real-time clock fell more than its
	// maximum latency behind and reset its outputs.
	Resets uint64 `json:"resets"`
	// SampledTick is the tick of the last sample of its sources (0: none
	// yet, or a clock the controller does not reach).
	SampledTick uint64 `json:"sampled_tick"`
}

// SourceStatus is one source (outputs included: they are graph nodes).
type SourceStatus struct {
	ID string `json:"id"`
	// Kind is "output", "switch", "queue" (a request queue of the
	// station), "encoder" (a shared encoder), "harbor" (a harbor mount),
	// or else the Go type of the source's generator ("onair.xfGen"), for
	// display only.
	Kind     string   `json:"kind"`
	Clock    string   `json:"clock"`
	Fallible bool     `json:"fallible"`
	Children []string `json:"children,omitempty"`
	Sampled  bool     `json:"sampled"`
	Ready    bool     `json:"ready"`
	Active   bool     `json:"active"`
	Ended    bool     `json:"ended,omitempty"`
	// Selected is the child a switch plays (ID), Forced the child chosen
	// by hand.
	Selected string `json:"selected,omitempty"`
	Forced   string `json:"forced,omitempty"`
	// Metadata is the last metadata the source produced.
	Metadata onair.Metadata `json:"metadata,omitempty"`
	// Elapsed is the time played of the current track; Remaining what is
	// left of it (-1: unknown).
	Elapsed   float64 `json:"elapsed_seconds"`
	Remaining float64 `json:"remaining_seconds"`
	// QueueLength is the number of requests waiting, for a queue.
	QueueLength *int `json:"queue_length,omitempty"`
}

// OutputStatus is one output.
type OutputStatus struct {
	ID string `json:"id"`
	// Kind is "mount", "hls", "icecast" or "output".
	Kind   string `json:"kind"`
	Source string `json:"source"`
	Clock  string `json:"clock"`
	// State is "started", "stopped" (its source is not ready, or it
	// failed and waits to restart), "held" (stopped by hand) or "unknown"
	// (not sampled yet).
	State    string `json:"state"`
	Fallible bool   `json:"fallible"`
	// Bytes written; Drops: listeners dropped as too slow (mount), rounds
	// dropped (HLS), bytes dropped (Icecast); Reconnects (Icecast).
	Bytes      int64 `json:"bytes"`
	Drops      int64 `json:"drops"`
	Reconnects int64 `json:"reconnects"`
	// Missed counts the ticks the output's infallible source had no frame
	// for (see onair.Output.Missed): 0 on a healthy station.
	Missed    int64  `json:"missed_ticks"`
	Segments  int64  `json:"segments,omitempty"`
	Errors    int64  `json:"errors,omitempty"`
	Mount     string `json:"mount,omitempty"`
	Listeners *int   `json:"listeners,omitempty"`
	Peak      int    `json:"peak_listeners,omitempty"`
	// Title is the mount's current title, the last the muxer reached (and
	// what ICY listeners get at the end of the stream); HeardTitle is the
	// title its listeners hear now, BurstSize bytes of stream earlier
	// (see listen.Mount.Heard), and HeardFrom the stream offset where it
	// starts. Connection is the Icecast connection's state.
	Title      string `json:"title,omitempty"`
	HeardTitle string `json:"heard_title,omitempty"`
	HeardFrom  int64  `json:"heard_from,omitempty"`
	Connection string `json:"connection,omitempty"`
}

// EncoderStatus is one shared encoder.
type EncoderStatus struct {
	ID      string `json:"id"`
	Encodes int64  `json:"encodes"`
	Frames  int64  `json:"frames"`
	Packets int64  `json:"packets"`
	Streams int64  `json:"streams"`
	// Errors counts the codec's failures; CPU is the time spent in the
	// codec's calls, the codec's CPU time while a core is free for it
	// (see encode.Stats).
	Errors int64   `json:"errors"`
	CPU    float64 `json:"cpu_seconds"`
}

// HarborStatus is one harbor mount (a live input).
type HarborStatus struct {
	ID        string  `json:"id"`
	Mount     string  `json:"mount"`
	Connected bool    `json:"connected"`
	Buffered  float64 `json:"buffered_seconds"`
	Underruns int     `json:"underruns"`
	Overruns  int     `json:"overruns"`
	Dropped   float64 `json:"dropped_seconds"`
}

// Status returns the status document. Safe from any goroutine; it does
// not wait for the clock.
func (c *Controller) Status() *Status {
	g := c.st.Graph
	s := &Status{Version: SchemaVersion, Time: time.Now().UTC(), Running: g.Running()}
	sec := func(samples int) float64 { return g.Format().Duration(samples).Seconds() }
	type part struct {
		clock   *onair.Clock
		tick    uint64
		samples []nodeSample
	}
	parts := make([]part, len(c.hooks))
	total := 0
	for i, h := range c.hooks {
		parts[i].clock = h.clock
		parts[i].samples, parts[i].tick = h.snapshot(nil)
		total += len(parts[i].samples)
	}
	if s.Running {
		for _, cs := range g.Status() {
			st := ClockStatus{
				Name: cs.Name, Kind: cs.Kind.String(), Ticks: cs.Ticks, Time: cs.Time.Seconds(), Lag: cs.Lag.Seconds(),
				Sync: cs.Sync, Outputs: cs.Outputs, SubClocks: cs.SubClocks, Resets: cs.Resets,
			}
			for _, p := range parts {
				if p.clock.Name() == cs.Name {
					st.SampledTick = p.tick
				}
			}
			s.Clocks = append(s.Clocks, st)
		}
	}
	s.Sources = make([]SourceStatus, 0, total)
	for _, p := range parts {
		for i := range p.samples {
			ns := &p.samples[i]
			n := ns.node
			ss := SourceStatus{
				ID: n.ID(), Kind: c.kind(n), Fallible: n.Fallible(), Sampled: p.tick > 0,
				Ready: ns.ready, Active: ns.active, Ended: ns.ended,
				Metadata: n.LastMetadata(), Elapsed: sec(n.Elapsed()), Remaining: -1,
			}
			if clk := n.Clock(); clk != nil {
				ss.Clock = clk.Name()
			}
			for _, ch := range n.Children() {
				ss.Children = append(ss.Children, ch.Node().ID())
			}
			if ns.remaining >= 0 && ss.Sampled {
				ss.Remaining = sec(ns.remaining)
			}
			if ns.isSwitch {
				if sel := n.Switcher().Selected(); sel != nil {
					ss.Selected = sel.Node().ID()
				}
				if ns.forced >= 0 && ns.forced < len(ss.Children) {
					ss.Forced = ss.Children[ns.forced]
				}
			}
			if q := c.queues[n]; q != nil {
				l := q.Len()
				ss.QueueLength = &l
			}
			s.Sources = append(s.Sources, ss)
			if ns.isOutput {
				s.Outputs = append(s.Outputs, c.outputStatus(ns, ss))
			}
		}
	}
	if np := c.st.NowPlaying; np != nil {
		s.NowPlaying = np.Node().LastMetadata()
		s.Title = songOf(s.NowPlaying)
	}
	for _, e := range c.st.Encoders {
		st := e.Stats()
		s.Encoders = append(s.Encoders, EncoderStatus{ID: e.Node().ID(), Encodes: st.Encodes, Frames: st.Frames, Packets: st.Packets, Streams: st.Streams,
			Errors: st.Errors, CPU: st.CPU.Seconds()})
	}
	for _, m := range c.st.Harbors {
		st := m.Stats()
		s.Harbors = append(s.Harbors, HarborStatus{ID: m.Node().ID(), Mount: m.Path(), Connected: st.Connected, Buffered: st.Buffered.Seconds(),
			Underruns: st.Underruns, Overruns: st.Overruns, Dropped: st.Dropped.Seconds()})
	}
	return s
}

func (c *Controller) outputStatus(ns *nodeSample, ss SourceStatus) OutputStatus {
	n := ns.node
	o := n.Output()
	os := OutputStatus{ID: ss.ID, Kind: "output", Source: o.Source().Node().ID(), Clock: ss.Clock, Fallible: o.Fallible(), State: "unknown",
		Missed: int64(o.Missed())}
	if ss.Sampled {
		switch {
		case ns.held:
			os.State = "held"
		case ns.outStarted:
			os.State = "started"
		default:
			os.State = "stopped"
		}
	}
	info, ok := c.outKinds[n]
	if !ok {
		return os
	}
	os.Kind = info.kind
	switch {
	case info.mount != nil:
		st := info.mount.Stats()
		l := st.Listeners
		os.Mount, os.Listeners, os.Peak, os.Title = info.mount.Path(), &l, st.Peak, st.Title
		os.Bytes, os.Drops = st.Bytes, int64(st.Dropped)
		os.HeardTitle, os.HeardFrom = info.mount.Heard()
	case info.hls != nil:
		st := info.hls.Stats()
		os.Bytes, os.Drops, os.Segments, os.Errors = st.Bytes, st.Dropped, st.Segments, st.Errors
	case info.icecast != nil:
		st := info.icecast.Status()
		os.Bytes, os.Drops, os.Connection = st.BytesSent, st.BytesDropped, st.State.String()
		os.Reconnects = int64(max(0, st.Connections-1))
	}
	return os
}
