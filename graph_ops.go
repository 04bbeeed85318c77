package onair

import (
	"fmt"
	"math"
	"slices"
)

// This file holds what operating a running station needs from the core:
// listing a graph's sources and outputs, and the hand controls (an output
// held stopped, a switch forced to one child). Package control builds its
// HTTP API on them.

// DefaultClock returns the graph's default clock: [GraphOptions.Clock], or
// the real-time clock named "main" that [NewGraph] made. Every source not
// assigned to another clock belongs to it.
func (g *Graph) DefaultClock() *Clock { return g.defClock }

// Running reports whether the graph was started and is not closed. Safe
// from any goroutine.
func (g *Graph) Running() bool { return g.started.Load() && !g.closed.Load() }

// Closed reports whether the graph was closed. Safe from any goroutine.
func (g *Graph) Closed() bool { return g.closed.Load() }

// Sources returns the nodes of the graph found when it started (everything
// reachable from its outputs, outputs included), in a stable order; nil
// before Start. Sources attached at run time (transitions) are not listed.
// Call it on a clock goroutine of the graph, or after Start returned on the
// goroutine that called it.
func (g *Graph) Sources() []*Node {
	g.mu.Lock()
	defer g.mu.Unlock()
	return slices.Clone(g.nodes)
}

// ParentClock returns the clock whose ticks drive the passive clock c (the
// clock of the read-ahead operator that owns c), or nil when c is not a
// passive clock of g. Call it as [Graph.Sources].
func (g *Graph) ParentClock(c *Clock) *Clock {
	if c == nil || c.kind != Passive {
		return nil
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, n := range g.nodes {
		for _, o := range n.owned {
			if on := o.Node(); on.clock == c || on.pinned == c {
				return n.clock
			}
		}
	}
	return nil
}

// Output returns the output n is the node of, or nil when n is not an
// output.
func (n *Node) Output() *Output { return n.output }

// Switcher returns the switching operator ([Fallback], [Switch], [Random],
// [Rotate], [Sequence], [Once], [MkSafe]) n is the node of, or nil.
func (n *Node) Switcher() *Switcher {
	sw, ok := n.gen.(*switcher)
	if !ok {
		return nil
	}
	return &Switcher{node: n, sw: sw}
}

// Fallible reports whether the output accepts a fallible source
// ([OutputOptions.Fallible]).
func (o *Output) Fallible() bool { return o.opts.Fallible }

// Missed returns how many ticks the output's infallible source had no
// frame for, or less than a frame, without having ended: hiccups, which
// the output logs once and goes on from (a real-time output, a sound card,
// plays them as a gap). It stays 0 for a fallible output, which stops
// instead. Safe to call from any goroutine.
func (o *Output) Missed() uint64 { return o.missed.Load() }

// Hold stops the output, as when its source fails (the sender's Stop is
// called), and keeps it stopped until [Output.Resume], whether or not its
// source is ready. Holding a held output does nothing. Call it on the
// output's clock goroutine (package control runs it there).
func (o *Output) Hold() {
	o.stop()
	o.waitTo = math.MaxUint64
}

// Resume ends a [Output.Hold]: the output starts again at its next tick
// when its source is ready. Call it on the output's clock goroutine.
func (o *Output) Resume() {
	if o.waitTo == math.MaxUint64 {
		o.waitTo = 0
	}
}

// Held reports whether the output is held stopped by [Output.Hold]. Call
// it on the output's clock goroutine.
func (o *Output) Held() bool { return o.waitTo == math.MaxUint64 }

// Force makes the switcher play child i (an index into its node's
// Children) from its next frame on, in the middle of a track if need be,
// whatever its own rule (predicates, priorities, order) would choose: the
// switch is chosen by hand. While child i is not ready the switcher's own
// rule chooses, and child i is taken again as soon as it is ready. Force(-1)
// gives the choice back: the child playing goes on to the end of its track,
// then the switcher's rule chooses again. Forcing does not change the
// switcher's fallibility. Call it on the switcher's clock goroutine
// (package control runs it there); it returns an error wrapping
// [ErrInvalidOption] for an index out of range.
func (s *Switcher) Force(i int) error {
	sw := s.sw
	if i < -1 || i >= len(sw.children) {
		return fmt.Errorf("%w: %s has %d children, no child %d", ErrInvalidOption, sw.node.id, len(sw.children), i)
	}
	fp, forced := sw.policy.(*forcedPolicy)
	switch {
	case i < 0 && forced:
		sw.policy = fp.inner
		sw.cfg.immediate = fp.immediate
	case i >= 0 && forced:
		fp.child = i
	case i >= 0:
		sw.policy = &forcedPolicy{inner: sw.policy, child: i, immediate: sw.cfg.immediate}
		sw.cfg.immediate = true
	}
	return nil
}

// Forced returns the index of the child forced by [Switcher.Force], or -1.
// Call it on the switcher's clock goroutine.
func (s *Switcher) Forced() int {
	if fp, ok := s.sw.policy.(*forcedPolicy); ok {
		return fp.child
	}
	return -1
}

// forcedPolicy wraps a switcher's policy while a child is forced.
type forcedPolicy struct {
	inner     switchPolicy
	child     int
	immediate bool // the switcher's own setting, restored on release
}

func (p *forcedPolicy) choose(s *switcher, ended bool) int {
	if s.children[p.child].Node().Ready() {
		if s.ok(p.child) {
			return p.child
		}
		return -1 // the forced child gave all it has in this tick
	}
	return p.inner.choose(s, ended)
}

func (p *forcedPolicy) ready(s *switcher) bool {
	return s.children[p.child].Node().Ready() || p.inner.ready(s)
}

func (p *forcedPolicy) finished() bool {
	f, ok := p.inner.(finisher)
	return ok && f.finished()
}

func (p *forcedPolicy) rewind() {
	if r, ok := p.inner.(rewinder); ok {
		r.rewind()
	}
}
