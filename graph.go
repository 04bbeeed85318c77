package onair

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"

	"golang.org/x/sync/errgroup"
)

// GraphOptions configure a [Graph]. A zero GraphOptions is valid.
type GraphOptions struct {
	// Format is the graph format; zero fields take their defaults (44.1 kHz
	// stereo, 20 ms frames, no video).
	Format Format
	// Clock is the clock of every source not assigned to another one. It
	// defaults to a real-time clock named "main".
	Clock *Clock
	// Logger receives the graph's logs. It defaults to discarding them.
	Logger *slog.Logger
	// SyncCallbacks runs OnTrack and OnMetadata callbacks on the clock
	// goroutine, synchronously, instead of on the graph's callback
	// goroutine. Tests under a manual clock use it for determinism; a slow
	// callback then delays the clock.
	SyncCallbacks bool
	// CallbackQueue is the capacity of the callback queue. When it is full
	// a callback is dropped and logged. It defaults to 1024.
	CallbackQueue int
}

// Graph is a set of outputs, the sources they pull and the clocks that
// drive them. Build the sources, add the outputs, then Run (or Start and
// step manual clocks with [Clock.Tick]).
//
// Add, Start, Run and Close must not be called concurrently; Status is safe
// from any goroutine.
type Graph struct {
	format        Format
	defClock      *Clock
	log           *slog.Logger
	syncCallbacks bool
	queueCap      int

	outputs []*Output
	clocks  []*Clock
	nodes   []*Node
	ids     map[string]int

	started  atomic.Bool
	closed   atomic.Bool
	draining atomic.Bool // the drain tick of Close is running
	mu       sync.Mutex  // guards nodes, ids, clocks and the clocks' names and registrations from Start on

	cbq  chan callbackCall
	cbwg sync.WaitGroup
}

// NewGraph returns an empty graph. opts may be nil.
func NewGraph(opts *GraphOptions) (*Graph, error) {
	o := valueOr(opts)
	f, err := o.Format.Normalize()
	if err != nil {
		return nil, err
	}
	g := &Graph{format: f, defClock: o.Clock, log: o.Logger, syncCallbacks: o.SyncCallbacks, queueCap: o.CallbackQueue, ids: map[string]int{}}
	if g.defClock == nil {
		g.defClock = NewClock("main", nil)
	}
	if g.log == nil {
		g.log = discardLogger
	}
	if g.queueCap <= 0 {
		g.queueCap = 1024
	}
	return g, nil
}

// Format returns the graph format.
func (g *Graph) Format() *Format { return &g.format }

// Logger returns the graph's logger.
func (g *Graph) Logger() *slog.Logger { return g.log }

// Add adds outputs (sources whose node is an output: made by [NewOutput],
// [Sink], or the output constructors of other packages) to the graph. It must be called before Start.
func (g *Graph) Add(outputs ...Source) error {
	if g.started.Load() {
		return ErrStarted
	}
	for _, s := range outputs {
		o := s.Node().output
		if o == nil {
			return fmt.Errorf("%w: %q", ErrNotOutput, s.Node().ID())
		}
		g.outputs = append(g.outputs, o)
	}
	return nil
}

// Clocks returns the graph's clocks (known once started).
func (g *Graph) Clocks() []*Clock {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]*Clock(nil), g.clocks...)
}

// Status returns the status of every clock of the graph, child clocks
// included. Safe from any goroutine.
func (g *Graph) Status() []ClockStatus {
	g.mu.Lock()
	defer g.mu.Unlock()
	st := make([]ClockStatus, 0, len(g.clocks))
	for _, c := range g.clocks {
		st = append(st, c.Status())
	}
	return st
}

// Start checks the graph (clocks, fallibility), assigns every source to its
// clock and wakes the outputs' sources up. It returns a [ClockConflictError],
// [NestedClockError], [SyncConflictError] or [FallibleError] when the graph
// cannot run, or the error of a source that failed to wake up.
func (g *Graph) Start() error {
	if g.closed.Load() {
		return ErrClosed
	}
	if !g.started.CompareAndSwap(false, true) {
		return ErrStarted
	}
	g.mu.Lock()
	err := g.assign()
	g.mu.Unlock()
	if err != nil {
		g.started.Store(false)
		return err
	}
	if !g.syncCallbacks {
		g.cbq = make(chan callbackCall, g.queueCap)
		g.cbwg.Add(1)
		go g.runCallbacks()
	}
	for i, o := range g.outputs {
		if err := o.node.activate(nil); err != nil {
			for _, p := range g.outputs[:i] {
				p.node.deactivate(nil)
			}
			g.stopCallbacks()
			g.closed.Store(true)
			return err
		}
	}
	return nil
}

// allOutputs lists top-level outputs then owned outputs, in clock order.
func (g *Graph) allOutputs() []*Output {
	var l []*Output
	for _, c := range g.clocks {
		l = append(l, c.outputs...)
	}
	return l
}

// Run starts the graph if needed and runs every real-time and free-running
// clock on a goroutine of its own until ctx is done or a clock fails. It
// then closes the graph and returns the cause of ctx's cancellation or the
// error, joined with the error of Close (errors.Is finds either).
func (g *Graph) Run(ctx context.Context) error {
	if !g.started.Load() {
		if err := g.Start(); err != nil {
			return err
		}
	}
	eg, ctx := errgroup.WithContext(ctx)
	n := 0
	for _, c := range g.clocks {
		if c.kind == RealTime || c.kind == FreeRunning {
			n++
			eg.Go(func() error { return c.run(ctx) })
		}
	}
	if n == 0 {
		return errors.Join(ErrNoRunnableClock, g.Close())
	}
	err := eg.Wait()
	// Close writes what the outputs still hold (trailers, the last
	// segments): its failure is part of the result.
	return errors.Join(err, g.Close())
}

// Close puts every source to sleep, closes the outputs' senders (all at
// once, each on a goroutine of its own) and stops the callback goroutine.
// It returns the senders' Close errors, joined. A graph that never started
// closes its outputs' senders too. Close is idempotent; a closed graph
// cannot be started again.
func (g *Graph) Close() error {
	if g.closed.Swap(true) {
		return nil
	}
	if !g.started.Load() {
		// Senders made before the graph (files opened, connections
		// dialled) are released all the same.
		return closeOutputs(g.outputs)
	}
	g.drain()
	err := closeOutputs(g.allOutputs())
	for _, o := range g.outputs {
		o.node.deactivate(nil)
	}
	g.stopCallbacks()
	return err
}

// closeOutputs closes outputs at the same time, so that N outputs stalled
// on dead peers take as long as one, and joins their errors in order.
func closeOutputs(outs []*Output) error {
	errs := make([]error, len(outs))
	var wg sync.WaitGroup
	for i, o := range outs {
		wg.Go(func() {
			if err := o.close(); err != nil {
				errs[i] = fmt.Errorf("output %q: %w", o.node.id, err)
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// drain runs the drain tick (see [Drainer]) on every clock that is not
// passive, when the graph holds a drainer. The clocks are stopped by now:
// Close runs after Run's clock goroutines have returned, or on the
// goroutine that steps manual clocks.
func (g *Graph) drain() {
	has := false
	for _, n := range g.nodes {
		if _, ok := n.gen.(Drainer); ok && n.activations > 0 {
			has = true
			break
		}
	}
	if !has {
		return
	}
	g.draining.Store(true)
	for _, c := range g.clocks {
		if c.kind != Passive && c.graph == g {
			c.tick()
		}
	}
}

func (g *Graph) runCallbacks() {
	defer g.cbwg.Done()
	for c := range g.cbq {
		c.fn(c.m)
	}
}

func (g *Graph) stopCallbacks() {
	if g.cbq != nil {
		close(g.cbq)
		g.cbwg.Wait()
		g.cbq = nil
	}
}

// callbackCall is one queued callback; a struct rather than a closure so
// that queueing does not allocate.
type callbackCall struct {
	fn func(Metadata)
	m  Metadata
}

func (g *Graph) dispatch(n *Node, fn func(Metadata), m Metadata) {
	if g.cbq == nil {
		return
	}
	select {
	case g.cbq <- callbackCall{fn, m}:
	default:
		g.log.Warn("callback queue full: callback dropped", "source", n.id)
	}
}
