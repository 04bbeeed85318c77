package onair

import (
	"io"
	"sync/atomic"
	"time"
)

// A Sender consumes the frames an [Output] pulls. Send is called once per
// tick on the clock's goroutine with the frame of the output's source; it
// must not retain f and must not block for long: a sender that talks to the
// network hands the data to a goroutine of its own through a bounded queue.
//
// An error from Send is logged and stops the output; it starts again (Start
// is called again) after [OutputOptions.RestartDelay].
//
// A sender may also implement Start() error and Stop() error (called when
// the output starts and stops: when its source becomes ready and fails,
// and around errors), [Resetter] (clock reset) and io.Closer (called once
// when the graph closes).
type Sender interface {
	Send(f *Frame) error
}

type starter interface{ Start() error }
type stopper interface{ Stop() error }

// OutputOptions configure an [Output]. A zero OutputOptions is valid.
type OutputOptions struct {
	// ID names the output. It defaults to "output".
	ID string
	// Fallible allows a fallible source: the output stops when the source
	// fails and starts again when it is ready. By default an output refuses
	// a fallible source when the graph starts (see [FallibleError]); should
	// its infallible source have no data for a tick anyway, the output
	// logs it (once), counts it ([Output.Missed]) and goes on with the
	// next frame, and stops only when the source has ended.
	Fallible bool
	// RestartDelay is how long (in stream time) an output waits after a
	// Send or Start error before it starts again. It defaults to 1s.
	RestartDelay time.Duration
	// OnStart and OnStop are called on the clock goroutine when the output
	// starts and stops.
	OnStart, OnStop func()
	// OnError is called on the clock goroutine with each Send or Start
	// error, after it is logged.
	OnError func(err error)
}

// Output is a graph node that pulls its source every tick of its clock and
// hands the frames to a [Sender]. Add outputs to a [Graph] to run them.
type Output struct {
	node    *Node
	src     Source
	sender  Sender
	opts    OutputOptions
	started bool
	waitTo  uint64 // tick before which no restart is tried
	warned  bool
	missed  atomic.Uint64 // ticks its infallible source had no frame for (see Missed)
}

// NewOutput returns an output that sends src's frames to s. opts may be nil.
func NewOutput(src Source, s Sender, opts *OutputOptions) *Output {
	o := valueOr(opts)
	if o.ID == "" {
		o.ID = "output"
	}
	if o.RestartDelay <= 0 {
		o.RestartDelay = time.Second
	}
	out := &Output{src: src, sender: s, opts: o}
	out.node = NewNode(nil, &NodeOptions{ID: o.ID, Children: []Source{src}})
	out.node.output = out
	return out
}

// Node returns the output's graph node.
func (o *Output) Node() *Node { return o.node }

// ID returns the output's ID.
func (o *Output) ID() string { return o.node.id }

// Source returns the output's source.
func (o *Output) Source() Source { return o.src }

// Sender returns the output's sender.
func (o *Output) Sender() Sender { return o.sender }

// Started reports whether the output is started (its source was ready).
func (o *Output) Started() bool { return o.started }

// animate runs one tick of the output.
func (o *Output) animate() {
	sn := o.src.Node()
	if !o.started {
		if o.node.clock.ticks.Load() < o.waitTo || !sn.Ready() {
			return
		}
		if s, ok := o.sender.(starter); ok {
			if err := s.Start(); err != nil {
				o.fail("start", err)
				return
			}
		}
		o.started = true
		if o.opts.OnStart != nil {
			o.opts.OnStart()
		}
	}
	if !sn.Ready() {
		o.unready(sn)
		return
	}
	f := sn.Read()
	if err := o.sender.Send(f); err != nil {
		o.fail("send", err)
		return
	}
	if f.Len() < f.Size() && !sn.Ready() {
		// The source ran out: stop until it is ready again.
		o.unready(sn)
	}
}

// unready handles a source that has no data: a fallible one failed, and
// the output stops until it is ready again. An infallible one that has
// not ended broke its contract for this tick (an input of it was ready
// without data): that is logged once, and the output goes on with the
// next frame rather than stop, which would disconnect an Icecast source
// or cut an HLS segment short for a hiccup of a frame.
func (o *Output) unready(sn *Node) {
	// In the drain tick of Close, only sources that hold data are
	// ready; the others are not failing.
	if o.opts.Fallible || o.node.graph.draining.Load() {
		o.stop()
		return
	}
	if !o.warned {
		o.warned = true
		o.node.logger().Error("infallible source is not ready", "output", o.node.id, "source", sn.id)
	}
	if sn.Ended() {
		o.stop()
		return
	}
	o.missed.Add(1)
}

func (o *Output) fail(op string, err error) {
	o.node.logger().Error("output failed", "output", o.node.id, "op", op, "err", err)
	if o.opts.OnError != nil {
		o.opts.OnError(err)
	}
	o.stop()
	c := o.node.clock
	o.waitTo = c.ticks.Load() + uint64(o.opts.RestartDelay/c.frame) + 1
}

func (o *Output) stop() {
	if !o.started {
		return
	}
	o.started = false
	if s, ok := o.sender.(stopper); ok {
		if err := s.Stop(); err != nil {
			o.node.logger().Error("output stop failed", "output", o.node.id, "err", err)
		}
	}
	if o.opts.OnStop != nil {
		o.opts.OnStop()
	}
}

func (o *Output) reset() {
	if r, ok := o.sender.(Resetter); ok {
		r.Reset()
	}
}

func (o *Output) close() error {
	o.stop()
	if c, ok := o.sender.(io.Closer); ok {
		return c.Close()
	}
	return nil
}
