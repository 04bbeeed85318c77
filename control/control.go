package control

import (
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/decode"
	"github.com/onair-go/onair/decode/harbor"
	"github.com/onair-go/onair/encode"
	"github.com/onair-go/onair/internal/opterr"
	"github.com/onair-go/onair/mux/hls"
	"github.com/onair-go/onair/mux/icecast"
	"github.com/onair-go/onair/mux/listen"
)

// ErrOption reports options a controller cannot use.
// It wraps onair.ErrInvalidOption: errors.Is matches either.
var ErrOption = opterr.New("control: invalid option")

// Station is what a controller reports on and acts on: a graph and the
// objects of it that have status of their own. Only Graph is required;
// the rest adds to the status document, the events and the metrics.
type Station struct {
	// Graph is the station's graph.
	Graph *onair.Graph
	// NowPlaying is the source whose tracks are on air (typically the
	// last operator before the encoders): its track changes and metadata
	// are the "track" and "metadata" events.
	NowPlaying onair.Source
	// Listen are listener servers: each mount's listeners, bytes and
	// title.
	Listen []*listen.Server
	// HLS, Icecast, Encoders and Harbors add their counters.
	HLS      []*hls.Output
	Icecast  []*icecast.Output
	Encoders []*encode.Shared
	Harbors  []*harbor.Mount
	// Queues are the request queues the push action can fill, addressed
	// by their node's ID.
	Queues []*decode.QueueSource
}

// Options configure a [Controller]. A nil *Options is not valid: actions
// need a Token (or ReadOnly).
type Options struct {
	// Token is the bearer token actions need ("Authorization: Bearer
	// TOKEN"), compared in constant time. It must be at least 16 bytes
	// unless ReadOnly is set.
	Token string
	// ReadOnly refuses every action (403); status and events stay
	// available.
	ReadOnly bool
	// PublicStatus serves the status document and the events without the
	// token. By default they need it too.
	PublicStatus bool
	// AllowedOrigins are origins ("https://ops.example.com") whose
	// browser pages may post actions besides the handler's own origin.
	AllowedOrigins []string
	// PushDirs are the folders whose files the push action may queue.
	// By default only http and https URLs may be pushed.
	PushDirs []string
	// Clocks are the clocks actions can reach. It defaults to the graph's
	// default clock; add every other real-time or free-running clock of
	// the graph. Sources of a passive clock are reached through the clock
	// that drives it.
	Clocks []*onair.Clock
	// MaxBody bounds an action's JSON body. It defaults to 16 KiB.
	MaxBody int64
	// Rate is how many actions per second are accepted, with bursts of
	// Burst; more get 429. They default to 5 and 20.
	Rate  float64
	Burst int
	// Wait is how long an action waits for the clock to run it before the
	// answer says it is queued (202). It defaults to 2s.
	Wait time.Duration
	// SampleEvery is how often, in ticks, the clock goroutine records the
	// state the status document reads. It defaults to 10 (200 ms at 20 ms
	// frames).
	SampleEvery int
	// EventInterval is how often the events stream checks listeners,
	// outputs and mount titles for changes (in [Controller.Run]). It
	// defaults to 500ms.
	EventInterval time.Duration
	// MaxSubscribers bounds the event streams served at once (GET
	// /events); more get 503. It defaults to 10,000 (about 5 KB each,
	// see BenchmarkSSE1000).
	MaxSubscribers int
	// EventBuffer is the number of events a subscriber may lag behind
	// before it misses some. It defaults to 8 (events are rare: a few a
	// second at most).
	EventBuffer int
	// Logger receives the actions taken and refused. It defaults to
	// discarding them.
	Logger *slog.Logger
}

// Controller is an [http.Handler] that serves a station's status
// document, its now-playing events (Server-Sent Events) and its actions,
// and the same as Go calls. Make it with [New] before the graph starts.
//
// Routes, relative to where the handler is mounted (use
// [http.StripPrefix]):
//
//	GET  /status     the status document (see [Status])
//	GET  /events     Server-Sent Events (see [Event])
//	POST /skip       {"source": ID}
//	POST /push       {"queue": ID, "uri": PATH, "metadata": {...}}; metadata is optional
//	POST /metadata   {"source": ID, "metadata": {...}, "new_track": false}
//	POST /select     {"switch": ID, "child": ID}; "child": "" gives the choice back
//	POST /stop       {"output": ID}
//	POST /start      {"output": ID}
//
// Its methods are safe from any goroutine.
type Controller struct {
	st    Station
	opts  Options
	hooks []*hook
	self  map[*onair.Node]bool // the hooks' nodes
	log   *slog.Logger
	limit *limiter

	mounts   []*listen.Mount
	outKinds map[*onair.Node]outputInfo
	queues   map[*onair.Node]*decode.QueueSource
	encoders map[*onair.Node]bool
	harbors  map[*onair.Node]bool

	hub *hub

	closeOnce sync.Once
	removeCbs []func()
}

// outputInfo says which station object an output node is.
type outputInfo struct {
	kind    string
	mount   *listen.Mount
	hls     *hls.Output
	icecast *icecast.Output
}

// New returns a controller for st. Call it before the graph starts: it
// adds to the graph one output per clock of Options.Clocks (named
// "control"), which runs the actions on the clock goroutine at the end
// of each tick and samples the status there; it costs no allocation per
// tick. Close the controller when done with it (it removes its
// callbacks and ends the event streams).
func New(st *Station, opts *Options) (*Controller, error) {
	if st == nil || st.Graph == nil {
		return nil, fmt.Errorf("%w: no graph", ErrOption)
	}
	if opts == nil {
		return nil, fmt.Errorf("%w: nil options: actions need a Token (or set ReadOnly)", ErrOption)
	}
	o := *opts
	if !o.ReadOnly && len(o.Token) < 16 {
		return nil, fmt.Errorf("%w: the token must be at least 16 bytes (or set ReadOnly)", ErrOption)
	}
	if o.MaxBody <= 0 {
		o.MaxBody = 16 << 10
	}
	if o.Rate <= 0 {
		o.Rate = 5
	}
	if o.Burst <= 0 {
		o.Burst = 20
	}
	if o.Wait <= 0 {
		o.Wait = 2 * time.Second
	}
	if o.SampleEvery <= 0 {
		o.SampleEvery = 10
	}
	if o.EventInterval <= 0 {
		o.EventInterval = 500 * time.Millisecond
	}
	if o.MaxSubscribers <= 0 {
		o.MaxSubscribers = 10000
	}
	if o.EventBuffer <= 0 {
		o.EventBuffer = 8
	}
	if len(o.Clocks) == 0 {
		o.Clocks = []*onair.Clock{st.Graph.DefaultClock()}
	}
	o.Clocks = append([]*onair.Clock(nil), o.Clocks...)
	c := &Controller{
		st: *st, opts: o, log: o.Logger,
		self:     map[*onair.Node]bool{},
		outKinds: map[*onair.Node]outputInfo{},
		queues:   map[*onair.Node]*decode.QueueSource{},
		encoders: map[*onair.Node]bool{},
		harbors:  map[*onair.Node]bool{},
		limit:    newLimiter(o.Rate, o.Burst),
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	var outs []onair.Source
	for _, clk := range o.Clocks {
		if clk == nil || clk.Kind() == onair.Passive {
			return nil, fmt.Errorf("%w: clocks must be real-time, free-running or manual", ErrOption)
		}
		dup := false
		for _, h := range c.hooks {
			dup = dup || h.clock == clk
		}
		if dup {
			continue
		}
		h := newHook(c, clk)
		c.hooks = append(c.hooks, h)
		c.self[h.self] = true
		c.self[h.out.Node()] = true
		outs = append(outs, h.out)
	}
	for _, s := range st.Listen {
		for _, m := range s.Mounts() {
			c.mounts = append(c.mounts, m)
			c.outKinds[m.Node()] = outputInfo{kind: "mount", mount: m}
		}
	}
	for _, o := range st.HLS {
		c.outKinds[o.Node()] = outputInfo{kind: "hls", hls: o}
	}
	for _, o := range st.Icecast {
		c.outKinds[o.Node()] = outputInfo{kind: "icecast", icecast: o}
	}
	for _, q := range st.Queues {
		c.queues[q.Node()] = q
	}
	for _, e := range st.Encoders {
		c.encoders[e.Node()] = true
	}
	for _, m := range st.Harbors {
		c.harbors[m.Node()] = true
	}
	if err := st.Graph.Add(outs...); err != nil {
		return nil, fmt.Errorf("control: add the control outputs (make the controller before the graph starts): %w", err)
	}
	c.hub = newHub(o.EventBuffer)
	if st.NowPlaying != nil {
		n := st.NowPlaying.Node()
		c.removeCbs = append(c.removeCbs,
			n.OnTrack(func(m onair.Metadata) { c.hub.publish(c.trackEvent("track", n, m)) }),
			n.OnMetadata(func(m onair.Metadata) { c.hub.publish(c.trackEvent("metadata", n, m)) }),
		)
	}
	return c, nil
}

func (c *Controller) isHook(n *onair.Node) bool { return c.self[n] }

// Close removes the controller's callbacks and ends every event stream.
// It is idempotent. The control outputs stay in the graph (they do
// nothing once their queue is empty).
func (c *Controller) Close() error {
	c.closeOnce.Do(func() {
		for _, rm := range c.removeCbs {
			rm()
		}
		c.hub.close()
	})
	return nil
}

// find returns the node with the given ID and the hook of the clock that
// drives it, or an *Error.
func (c *Controller) find(id string) (*onair.Node, *hook, error) {
	if err := c.checkRunning(); err != nil {
		return nil, nil, err
	}
	if id == "" {
		return nil, nil, &Error{Status: 400, Msg: "no source ID given"}
	}
	known := false
	for _, h := range c.hooks {
		h.smu.Lock()
		k := h.known
		h.smu.Unlock()
		known = known || k
		if n, ok := h.lookup(id); ok {
			return n, h, nil
		}
	}
	if !known {
		return nil, nil, &Error{Status: 409, Msg: "the graph has not ticked yet: try again once it runs"}
	}
	return nil, nil, &Error{Status: 404, Msg: fmt.Sprintf("no source %q in the graph (or its clock is not one of the controller's Clocks)", id)}
}

func (c *Controller) checkRunning() error {
	g := c.st.Graph
	switch {
	case g.Closed():
		return &Error{Status: 409, Msg: "the graph is stopped (closed): no action can run"}
	case !g.Running():
		return &Error{Status: 409, Msg: "the graph is not running (not started yet)"}
	}
	return nil
}

// Error is an action's failure, with the HTTP status it is served with.
type Error struct {
	Status int
	Msg    string
}

func (e *Error) Error() string { return "control: " + e.Msg }
