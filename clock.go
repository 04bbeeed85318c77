package onair

import (
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// ClockKind says what paces a clock.
type ClockKind int

const (
	// RealTime clocks follow the wall clock on an absolute schedule
	// (t0 + ticks × frame duration). A real-time clock that holds a
	// synchronisation source (a sound card) lets the device pace it instead.
	RealTime ClockKind = iota
	// FreeRunning clocks tick as fast as possible (offline rendering).
	FreeRunning
	// Manual clocks tick only when Tick is called (tests).
	Manual
	// Passive clocks are child clocks ticked by the operator that owns them
	// (read-ahead operators such as Crossfade).
	Passive
)

func (k ClockKind) String() string {
	switch k {
	case RealTime:
		return "real-time"
	case FreeRunning:
		return "free-running"
	case Manual:
		return "manual"
	case Passive:
		return "passive"
	}
	return "unknown"
}

// ClockOptions configure a [Clock]. A zero ClockOptions is a real-time clock
// with the defaults below.
type ClockOptions struct {
	// Kind defaults to RealTime.
	Kind ClockKind
	// Latency is how far ahead of the wall clock a real-time clock may run
	// before it sleeps. It defaults to 100ms.
	Latency time.Duration
	// MaxLatency is how far behind a real-time clock may fall before it
	// resets its outputs and jumps to the present. It defaults to 60s.
	MaxLatency time.Duration
	// LagLogThreshold is the lag from which a late clock logs. It defaults
	// to 200ms; lag is logged at most once a second.
	LagLogThreshold time.Duration
}

// Clock drives the outputs that belong to it, one frame per tick. Every
// source belongs to exactly one clock, decided when the graph starts.
//
// Tick, Ticks, Name and Status are safe to call from any goroutine, but
// Tick must not be called concurrently with itself or while the clock runs.
type Clock struct {
	name string
	kind ClockKind
	opts ClockOptions

	ticks   atomic.Uint64
	lagNS   atomic.Int64
	resets  atomic.Uint64
	graph   *Graph
	outputs []*Output // registration order
	frame   time.Duration
	syncSrc string

	subMu sync.Mutex // guards subs
	subs  []*Clock

	running atomic.Bool
	log     *slog.Logger
}

// NewClock returns a clock. opts may be nil.
func NewClock(name string, opts *ClockOptions) *Clock {
	o := valueOr(opts)
	if o.Latency <= 0 {
		o.Latency = 100 * time.Millisecond
	}
	if o.MaxLatency <= 0 {
		o.MaxLatency = 60 * time.Second
	}
	if o.LagLogThreshold <= 0 {
		o.LagLogThreshold = 200 * time.Millisecond
	}
	if name == "" {
		name = "clock"
	}
	return &Clock{name: name, kind: o.Kind, opts: o, log: discardLogger}
}

// Name returns the clock's name.
func (c *Clock) Name() string { return c.name }

// Kind returns the clock's kind.
func (c *Clock) Kind() ClockKind { return c.kind }

// Ticks returns the number of ticks run so far.
func (c *Clock) Ticks() uint64 { return c.ticks.Load() }

// Assign pins sources to clock c: they, and every source connected to them
// (other than through a Buffer or a child clock), belong to c. A source
// pinned to two clocks is reported by Graph.Start as a [ClockConflictError].
// Call it before the graph starts.
func Assign(c *Clock, sources ...Source) {
	for _, s := range sources {
		s.Node().pinned = c
	}
}

// AddOutput registers out with c and pins it there. Operators that own a
// passive child clock use it for the reader they drive; the graph finds the
// output through [NodeOptions.Owned]. Call it before the graph starts.
func (c *Clock) AddOutput(out *Output) {
	out.node.pinned = c
	if !slices.Contains(c.outputs, out) {
		c.outputs = append(c.outputs, out)
	}
}

// Tick runs one tick: every output of the clock, in registration order,
// pulls its source. Manual clocks are stepped with it in tests; operators
// tick their passive child clocks with it. Tick on a clock whose graph has
// not started, or has been closed, does nothing.
func (c *Clock) Tick() {
	if c.graph == nil || c.graph.closed.Load() {
		return
	}
	c.tick()
}

func (c *Clock) tick() {
	c.ticks.Add(1)
	for _, o := range c.outputs {
		o.animate()
	}
}

// reset is called when a real-time clock falls too far behind.
func (c *Clock) reset() {
	c.resets.Add(1)
	seen := map[*Node]bool{}
	var walk func(n *Node)
	walk = func(n *Node) {
		if seen[n] || n.activations == 0 {
			return
		}
		seen[n] = true
		if r, ok := n.gen.(Resetter); ok {
			r.Reset()
		}
		if n.output != nil {
			n.output.reset()
		}
		for _, ch := range n.children {
			walk(ch.Node())
		}
		for _, o := range n.owned {
			walk(o.Node())
		}
	}
	for _, o := range c.outputs {
		walk(o.node)
	}
}

func (c *Clock) addSub(s *Clock) {
	c.subMu.Lock()
	defer c.subMu.Unlock()
	if !slices.Contains(c.subs, s) {
		c.subs = append(c.subs, s)
	}
}

func (c *Clock) removeSub(s *Clock) {
	c.subMu.Lock()
	defer c.subMu.Unlock()
	c.subs = slices.DeleteFunc(c.subs, func(x *Clock) bool { return x == s })
}

// SubClocks returns the child clocks currently registered with c (those of
// awake read-ahead operators).
func (c *Clock) SubClocks() []*Clock {
	c.subMu.Lock()
	defer c.subMu.Unlock()
	return slices.Clone(c.subs)
}

// ClockStatus describes a clock at one moment.
type ClockStatus struct {
	Name string
	Kind ClockKind
	// Ticks run so far, and the stream time they amount to.
	Ticks uint64
	Time  time.Duration
	// Lag is how far a real-time clock is behind the wall clock (0 when on
	// time or ahead).
	Lag time.Duration
	// Sync names the device that paces the clock, if any.
	Sync string
	// Outputs is the number of outputs; SubClocks the number of child
	// clocks registered now.
	Outputs   int
	SubClocks int
	// Resets counts the resets of a real-time clock that fell more than
	// its maximum latency behind.
	Resets uint64
}

// Status returns the clock's status. Safe from any goroutine.
func (c *Clock) Status() ClockStatus {
	t := c.ticks.Load()
	return ClockStatus{
		Name:      c.name,
		Kind:      c.kind,
		Ticks:     t,
		Time:      time.Duration(t) * c.frame,
		Lag:       time.Duration(c.lagNS.Load()),
		Sync:      c.syncSrc,
		Outputs:   len(c.outputs),
		SubClocks: len(c.SubClocks()),
		Resets:    c.resets.Load(),
	}
}
