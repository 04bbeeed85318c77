package control

import (
	"errors"
	"sync"
	"sync/atomic"

	"github.com/onair-go/onair"
)

// errGraphClosed is what actions still queued when the graph closes get.
var errGraphClosed = errors.New("the graph closed before the action ran")

// hook is the control's foothold in one clock: an output, added to the
// graph last, whose Send runs at the end of each of the clock's ticks, on
// the clock goroutine. It runs the queued actions there, and every
// sampleEvery ticks it samples the state that only the clock goroutine may
// read (readiness, started outputs, forced switches) into a buffer that
// status requests copy.
type hook struct {
	c     *Controller
	clock *onair.Clock
	out   *onair.Output
	self  *onair.Node // the hook's own source, left out of the status

	mu      sync.Mutex // guards queue and closed
	queue   []task
	spare   []task
	closed  bool
	pending atomic.Bool

	// Clock goroutine only.
	ticks uint64
	nodes []*onair.Node // nodes this clock drives, found at the first tick
	sws   []*onair.Switcher
	back  []nodeSample

	smu   sync.Mutex // guards front and known
	front []nodeSample
	known bool // nodes found: actions may look IDs up
	ids   map[string]int
	tick  uint64 // clock tick of front
}

// task is an action waiting for the next tick.
type task struct {
	fn   func() error
	done chan result
}

type result struct {
	tick uint64
	err  error
}

// nodeSample is what the clock goroutine records about one node.
type nodeSample struct {
	node               *onair.Node
	ready, active      bool
	ended              bool
	remaining          int
	outStarted, held   bool
	forced             int
	isOutput, isSwitch bool
}

func newHook(c *Controller, clk *onair.Clock) *hook {
	h := &hook{c: c, clock: clk}
	h.self = onair.NewNode(onair.GeneratorFunc(func(*onair.Frame) error { return nil }), &onair.NodeOptions{ID: "control.tick"})
	h.out = onair.NewOutput(h.self, h, &onair.OutputOptions{ID: "control"})
	onair.Assign(clk, h.out)
	return h
}

// Send runs on the clock goroutine at the end of every tick (the hook is
// the clock's last output). It allocates nothing in steady state.
func (h *hook) Send(*onair.Frame) error {
	h.ticks++
	if h.nodes == nil {
		h.discover()
	}
	if h.pending.Load() {
		h.runTasks()
	}
	if h.ticks == 1 || h.ticks%uint64(h.c.opts.SampleEvery) == 0 {
		h.sample()
	}
	return nil
}

// discover finds the nodes this clock drives: those of its own clock and
// of the passive clocks it ticks.
func (h *hook) discover() {
	g := h.c.st.Graph
	all := g.Sources()
	h.nodes = make([]*onair.Node, 0, len(all))
	ids := make(map[string]int, len(all))
	for _, n := range all {
		if n == h.self || n == h.out.Node() || h.c.isHook(n) {
			continue
		}
		c := n.Clock()
		for c != nil && c.Kind() == onair.Passive {
			c = g.ParentClock(c)
		}
		if c != h.clock {
			continue
		}
		ids[n.ID()] = len(h.nodes)
		h.nodes = append(h.nodes, n)
	}
	h.sws = make([]*onair.Switcher, len(h.nodes))
	h.back = make([]nodeSample, len(h.nodes))
	front := make([]nodeSample, len(h.nodes))
	for i, n := range h.nodes {
		h.sws[i] = n.Switcher()
		front[i] = nodeSample{node: n, forced: -1, isOutput: n.Output() != nil, isSwitch: h.sws[i] != nil}
	}
	h.smu.Lock()
	h.front = front
	h.ids = ids
	h.known = true
	h.smu.Unlock()
}

func (h *hook) runTasks() {
	h.mu.Lock()
	q := h.queue
	h.queue = h.spare[:0]
	h.pending.Store(false)
	h.mu.Unlock()
	t := h.clock.Ticks()
	for i, k := range q {
		k.done <- result{tick: t, err: k.fn()}
		q[i] = task{}
	}
	h.mu.Lock()
	h.spare = q[:0]
	h.mu.Unlock()
}

func (h *hook) sample() {
	for i, n := range h.nodes {
		s := &h.back[i]
		s.node = n
		s.ready = n.Ready()
		s.active = n.Active()
		s.ended = n.Ended()
		s.remaining = n.Remaining()
		s.forced = -1
		if o := n.Output(); o != nil {
			s.isOutput = true
			s.outStarted = o.Started()
			s.held = o.Held()
		}
		if sw := h.sws[i]; sw != nil {
			s.isSwitch = true
			s.forced = sw.Forced()
		}
	}
	h.smu.Lock()
	h.front, h.back = h.back, h.front
	h.tick = h.clock.Ticks()
	h.smu.Unlock()
}

// enqueue queues fn for the clock's next tick. The returned channel gets
// the tick at whose end fn ran, or errGraphClosed.
func (h *hook) enqueue(fn func() error) (<-chan result, uint64) {
	done := make(chan result, 1)
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		done <- result{err: errGraphClosed}
		return done, 0
	}
	h.queue = append(h.queue, task{fn: fn, done: done})
	h.pending.Store(true)
	return done, h.clock.Ticks()
}

// Close is called once when the graph closes: actions still queued fail.
func (h *hook) Close() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closed = true
	for _, k := range h.queue {
		k.done <- result{err: errGraphClosed}
	}
	h.queue = nil
	return nil
}

// lookup returns the node with the given ID among those this hook drives.
func (h *hook) lookup(id string) (*onair.Node, bool) {
	h.smu.Lock()
	defer h.smu.Unlock()
	i, ok := h.ids[id]
	if !ok {
		return nil, false
	}
	return h.front[i].node, true
}

// snapshot appends a copy of the last sample to dst and returns it with
// the tick it was taken at (0, nil before the first tick).
func (h *hook) snapshot(dst []nodeSample) ([]nodeSample, uint64) {
	h.smu.Lock()
	defer h.smu.Unlock()
	return append(dst, h.front...), h.tick
}
