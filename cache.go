package onair

import (
	"errors"
	"io"
	"log/slog"
	"slices"
)

// syncTick brings the cache to the clock's current tick: data computed in an
// earlier tick and not consumed is carried over.
func (n *Node) syncTick() {
	if n.clock == nil {
		return
	}
	t := n.clock.ticks.Load()
	if n.tick == t {
		return
	}
	if n.computed {
		n.advanceElapsed()
		switch {
		case n.consumed >= n.cur.Len():
			n.cur.Reset()
		case n.consumed > 0:
			n.spare.Reset()
			n.spare.Append(n.cur, n.consumed, n.cur.Len())
			n.cur, n.spare = n.spare, n.cur
		}
	}
	n.tick = t
	n.computed = false
	n.readyDone = false
	n.consumed = 0
}

// advanceElapsed accounts the consumed prefix of the current frame.
func (n *Node) advanceElapsed() {
	c := n.consumed
	last := -1
	for _, m := range n.cur.Marks() {
		if m <= c && !(m == c && c < n.cur.Len()) {
			last = m
		}
	}
	if last >= 0 {
		n.elapsed = c - last
	} else {
		n.elapsed += c
	}
	n.elapsedPub.Store(int64(n.elapsed))
}

// Ready reports whether the node can produce data in this tick: it has
// data left over from the previous tick, or its generator is ready. The
// answer is computed once per tick and stays the same during the tick.
func (n *Node) Ready() bool {
	if n.clock == nil || n.cur == nil {
		return false
	}
	n.syncTick()
	if !n.readyDone {
		n.readyDone = true
		if n.graph != nil && n.graph.draining.Load() {
			n.genReady = n.drainReady()
		} else {
			n.genReady = n.generatorReady()
		}
		n.ready = n.cur.Len() > 0 || n.genReady
	}
	return n.ready
}

// drainReady is the readiness during the drain tick: drainers are ready,
// and so are operators with a ready child (they pass drained data on);
// sources with nothing to drain are not.
func (n *Node) drainReady() bool {
	if _, ok := n.gen.(Drainer); ok {
		return !n.ended
	}
	if len(n.children) == 0 || !n.generatorReady() {
		return false
	}
	for _, c := range n.children {
		if c.Node().Ready() {
			return true
		}
	}
	return false
}

// Ended reports whether the node's generator returned io.EOF: the node
// will not produce new data again (data left over from earlier ticks may
// still be replayed). For use on the clock goroutine.
func (n *Node) Ended() bool { return n.ended }

func (n *Node) generatorReady() bool {
	if n.ended || n.gen == nil {
		return false
	}
	if r, ok := n.gen.(Readier); ok {
		return r.Ready()
	}
	if len(n.children) == 0 {
		return true
	}
	for _, c := range n.children {
		if c.Node().Ready() {
			return true
		}
	}
	return false
}

// Peek returns the node's frame for this tick, computing it on the first
// call in the tick. It does not mark anything consumed. The frame is
// immutable and valid until the end of the tick; it is shorter than the
// frame size when the source has no more data now (empty when not ready).
func (n *Node) Peek() *Frame {
	if n.clock == nil || n.cur == nil {
		return emptyFrame
	}
	n.syncTick()
	if n.computed {
		return n.cur
	}
	n.computed = true
	n.Ready()
	n.applyRequests()
	if n.genReady && n.cur.Len() < n.cur.Size() {
		start := n.cur.Len()
		n.applyPending()
		var err error
		if d, ok := n.gen.(Drainer); ok && n.graph != nil && n.graph.draining.Load() {
			err = d.Drain(n.cur)
		} else {
			err = n.gen.Generate(n.cur)
		}
		if err != nil {
			if err == io.EOF {
				n.ended = true
			} else {
				n.logger().Error("source failed to generate a frame", "source", n.id, "err", err)
			}
		}
		n.notify(start)
	}
	return n.cur
}

// emptyFrame is returned by nodes that are not part of a running graph.
var emptyFrame = &Frame{}

// Consume declares that the caller used the first k samples of this tick's
// frame. The node keeps the rest for the next tick unless another consumer
// used more.
func (n *Node) Consume(k int) {
	n.syncTick()
	if k > n.consumed {
		n.consumed = k
	}
}

// Read returns this tick's frame (see [Node.Peek]) and marks it consumed
// entirely. It is for consumers that use the whole frame (outputs); an
// operator appending to a frame of its own, which may already hold data,
// uses [Node.Pull], which consumes only what fits.
func (n *Node) Read() *Frame {
	f := n.Peek()
	n.Consume(f.Len())
	return f
}

// Pull appends this tick's data of the node to dst, as much as dst has
// room for (with its track marks, metadata and other tracks), consumes
// exactly what it appended, and returns how many samples that was: 0 when
// the node is not ready. What did not fit is kept for the next tick.
func (n *Node) Pull(dst *Frame) int {
	if !n.Ready() {
		return 0
	}
	in := n.Peek()
	k := dst.Append(in, n.consumed, in.Len())
	n.Consume(n.consumed + k)
	return k
}

// applyRequests handles a pending Skip request with the rule every
// buffering operator follows (see [Node.Skip]): when what the node holds
// already reaches the next track, the rest of the current track is dropped
// and nothing else happens; otherwise everything held is dropped and the
// skip goes on to the generator (a [Skipper]), or to the only child.
func (n *Node) applyRequests() {
	if !n.skipReq.Load() || !n.skipReq.Swap(false) { // a load first: no locked write on every tick
		return
	}
	if m, ok := markAfter(n.cur.Marks(), 0); ok {
		// The generator never hears of this drop, so the node logs it.
		n.logger().Info("skip: dropped the rest of the track held in the cache", "source", n.id, "samples", m)
		n.spare.Reset()
		n.spare.Append(n.cur, m, n.cur.Len())
		n.cur, n.spare = n.spare, n.cur
		return
	}
	n.cur.Reset()
	if s, ok := n.gen.(Skipper); ok {
		s.Skip()
		n.readyDone = false
		n.Ready()
		return
	}
	if len(n.children) == 1 {
		n.children[0].Node().Skip()
	}
}

// markAfter returns the first of marks (sorted) after position p: the start
// of the track that follows the one playing at p.
func markAfter(marks []int, p int) (int, bool) {
	for _, m := range marks {
		if m > p {
			return m, true
		}
	}
	return 0, false
}

// applyPending places metadata inserted from other goroutines at the start
// of the data about to be generated.
func (n *Node) applyPending() {
	if !n.hasPending.Load() {
		return
	}
	n.mu.Lock()
	p := n.pending
	n.pending = nil
	n.hasPending.Store(false)
	n.mu.Unlock()
	pos := n.cur.Len()
	for _, pm := range p {
		if pm.newTrack {
			n.cur.AddMark(pos)
		}
		if pm.m != nil {
			n.cur.AddMetadata(pos, pm.m)
		}
	}
}

// notify runs the track and metadata callbacks for data generated from
// position start on, in position order (metadata at a mark's position
// before the mark), and remembers the last metadata. A track callback gets
// the metadata at its mark, or the last metadata before it.
func (n *Node) notify(start int) {
	f := n.cur
	var last Metadata
	for _, m := range f.meta {
		if m.Pos >= start {
			last = m.Metadata
		}
	}
	fire := n.cbs.any.Load()
	var prev Metadata
	if fire {
		prev = n.LastMetadata()
	}
	if last != nil {
		n.mu.Lock()
		n.lastMeta = last
		n.mu.Unlock()
	}
	if !fire {
		return
	}
	meta, marks := f.meta, f.marks
	mi, ki := 0, 0
	for mi < len(meta) && meta[mi].Pos < start {
		mi++
	}
	for ki < len(marks) && marks[ki] < start {
		ki++
	}
	for mi < len(meta) || ki < len(marks) {
		if ki == len(marks) || (mi < len(meta) && meta[mi].Pos <= marks[ki]) {
			prev = meta[mi].Metadata
			n.cbs.fireMetadata(n, prev)
			mi++
			continue
		}
		n.cbs.fireTrack(n, prev)
		ki++
	}
}

func (n *Node) logger() *slog.Logger {
	if n.graph != nil {
		return n.graph.log
	}
	return discardLogger
}

// activate records that consumer (nil for the graph itself) uses n, and
// wakes n up on its first activation.
func (n *Node) activate(consumer *Node) error {
	n.consumers = append(n.consumers, consumer)
	n.activations++
	if n.activations > 1 {
		return nil
	}
	if n.format == nil {
		return errors.New("onair: source " + n.id + " woken up outside a graph")
	}
	if n.cur == nil {
		n.cur = NewFrame(n.format)
		n.spare = NewFrame(n.format)
	}
	n.ended = false
	n.mu.Lock()
	n.lastMeta = nil // a new life: metadata of the last one is stale
	n.mu.Unlock()
	for i, c := range n.children {
		if err := c.Node().activate(n); err != nil {
			for _, d := range n.children[:i] {
				d.Node().deactivate(n)
			}
			n.activations--
			n.consumers = n.consumers[:len(n.consumers)-1]
			return err
		}
	}
	if w, ok := n.gen.(Waker); ok {
		if err := w.WakeUp(n.format); err != nil {
			for _, d := range n.children {
				d.Node().deactivate(n)
			}
			n.activations--
			n.consumers = n.consumers[:len(n.consumers)-1]
			return &SourceError{Source: n.id, Op: "wake up", Err: err}
		}
	}
	for i, o := range n.owned {
		if err := o.Node().activate(n); err != nil {
			for _, p := range n.owned[:i] {
				p.Node().deactivate(n)
			}
			if s, ok := n.gen.(Sleeper); ok {
				s.Sleep()
			}
			for _, d := range n.children {
				d.Node().deactivate(n)
			}
			n.activations--
			n.consumers = n.consumers[:len(n.consumers)-1]
			return err
		}
		if oc := o.Node().clock; n.clock != nil && oc != nil && oc.kind == Passive && oc != n.clock {
			n.clock.addSub(oc)
		}
	}
	return nil
}

// deactivate releases consumer's activation; the last one puts n to sleep.
// A consumer that holds no activation releases nothing.
func (n *Node) deactivate(consumer *Node) {
	i := slices.Index(n.consumers, consumer)
	if i < 0 {
		return
	}
	n.consumers = slices.Delete(n.consumers, i, i+1)
	n.activations--
	if n.activations > 0 {
		return
	}
	n.activations = 0
	if s, ok := n.gen.(Sleeper); ok {
		s.Sleep()
	}
	for _, o := range n.owned {
		if oc := o.Node().clock; n.clock != nil && oc != nil && oc.kind == Passive && oc != n.clock {
			n.clock.removeSub(oc)
		}
		o.Node().deactivate(n)
	}
	for _, c := range n.children {
		c.Node().deactivate(n)
	}
	n.forget()
}

// forget clears the per-life state of a node put to sleep: a node woken
// again, even in the same tick, starts afresh (its readiness is asked
// again; its elapsed time and pending requests are those of its new life;
// its last metadata is kept for readers until it wakes up).
func (n *Node) forget() {
	if n.cur != nil {
		n.cur.Reset()
		n.spare.Reset()
	}
	n.computed = false
	n.readyDone = false
	n.ready, n.genReady = false, false
	n.consumed = 0
	n.elapsed = 0
	n.elapsedPub.Store(0)
	n.skipReq.Store(false)
	n.mu.Lock()
	n.pending = nil
	n.hasPending.Store(false)
	n.mu.Unlock()
}

// Attach adds src to the running graph as a new child of n and activates
// it: sources of src's graph that have no clock yet join n's clock. Use it
// for sources created while the graph runs (a transition built for one
// track change), and release them with [Node.Detach] so that they go to
// sleep and their child clocks are removed. Call it on n's clock goroutine.
func (n *Node) Attach(src Source) error {
	if n.graph == nil || n.clock == nil {
		return errors.New("onair: Attach on source " + n.id + " that is not in a running graph")
	}
	if err := n.graph.attach(src, n.clock); err != nil {
		return err
	}
	return src.Node().activate(n)
}

// Detach releases an activation made by [Node.Attach].
func (n *Node) Detach(src Source) {
	src.Node().deactivate(n)
	if n.graph != nil {
		n.graph.release(src)
	}
}
