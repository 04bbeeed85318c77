package onair

import (
	"fmt"
	"slices"
	"strconv"
)

// attach adds a source created at run time to clock c. It applies the
// checks of Start to the part of the graph it adds: every new node gets
// one clock (its consumer's, or the one it is pinned to), a node already
// running in another clock is a [ClockConflictError], or a
// [NestedClockError] when a read-ahead operator's child clock would read
// it; owned outputs keep the fallibility rule and clocks at most one
// synchronisation source. Nothing is changed when a check fails.
func (g *Graph) attach(src Source, c *Clock) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	p := planAttach(g, c)
	p.place(src.Node(), c, nil)
	if p.err != nil {
		return p.err
	}
	if err := p.check(); err != nil {
		return err
	}
	for _, n := range p.order {
		nc := p.clock[n]
		if nc.graph == nil {
			g.adoptClock(nc)
		}
		n.clock = nc
		n.graph = g
		n.format = &g.format
		n.attached = true
		g.uniqueID(n)
	}
	for _, n := range p.order {
		g.nameOwnedClocks(n)
	}
	for nc, id := range p.sync {
		nc.syncSrc = id
	}
	return nil
}

// attachPlan decides the clocks of the nodes an Attach adds, before
// anything is changed.
type attachPlan struct {
	g     *Graph
	clock map[*Node]*Clock
	order []*Node
	owner map[*Clock]*Node // passive clock -> the operator that owns it
	sync  map[*Clock]string
	err   error
}

func planAttach(g *Graph, c *Clock) *attachPlan {
	return &attachPlan{g: g, clock: map[*Node]*Clock{}, owner: map[*Clock]*Node{}, sync: map[*Clock]string{}}
}

// place gives n clock c (or its pinned clock) and goes on with its
// children and owned outputs. owner is the operator whose owned output
// led here, if any.
func (p *attachPlan) place(n *Node, c *Clock, owner *Node) {
	if p.err != nil {
		return
	}
	want := c
	if n.pinned != nil {
		want = n.pinned
		if want.kind == Passive && owner != nil {
			p.owner[want] = owner
		}
	}
	have := n.clock
	if have == nil {
		have = p.clock[n]
	}
	switch {
	case n.graph != nil && n.graph != p.g:
		p.err = fmt.Errorf("onair: source %q already belongs to another graph", n.id)
		return
	case have == want:
		return
	case have != nil && n.output == nil:
		p.err = p.conflict(n, have, want)
		return
	case have != nil:
		return // an output keeps its own clock
	}
	p.clock[n] = want
	p.order = append(p.order, n)
	for _, ch := range n.children {
		p.place(ch.Node(), want, owner)
	}
	for _, o := range n.owned {
		p.place(o.Node(), want, n)
	}
}

// conflict names a node reached in two clocks.
func (p *attachPlan) conflict(n *Node, a, b *Clock) error {
	for _, pc := range []*Clock{b, a} {
		if pc.kind != Passive {
			continue
		}
		other := a
		if pc == a {
			other = b
		}
		op := "?"
		if o := p.owner[pc]; o != nil {
			op = o.id
		}
		return &NestedClockError{Operator: op, Clock: pc.name, Parent: other.name, Sources: []string{n.id}}
	}
	return clockConflict(n.id, a, b)
}

// check applies the fallibility and synchronisation rules to the new nodes.
func (p *attachPlan) check() error {
	syncs := map[*Clock][]string{}
	for _, n := range p.order {
		if o := n.output; o != nil && !o.opts.Fallible && o.src.Node().fallible {
			return &FallibleError{Output: n.id, Source: o.src.Node().id}
		}
		if n.sync != "" {
			syncs[p.clock[n]] = append(syncs[p.clock[n]], n.id+" ("+n.sync+")")
		}
	}
	for c, l := range syncs {
		if c.syncSrc != "" {
			l = append([]string{c.syncSrc}, l...)
		}
		if len(l) > 1 {
			return &SyncConflictError{Clock: c.name, Sources: l}
		}
		p.sync[c] = l[0]
	}
	return nil
}

// adoptClock makes c a clock of the graph (a child clock attached at run
// time), under a name no other clock of the graph has.
func (g *Graph) adoptClock(c *Clock) {
	c.graph = g
	c.frame = g.format.FrameDuration
	c.log = g.log
	c.name = g.uniqueClockName(c.name, c)
	g.clocks = append(g.clocks, c)
}

// uniqueClockName returns name, or name with a suffix (".2", ...) when
// another clock of the graph than c has it.
func (g *Graph) uniqueClockName(name string, c *Clock) string {
	taken := func(s string) bool {
		return slices.ContainsFunc(g.clocks, func(o *Clock) bool { return o != c && o.name == s })
	}
	if !taken(name) {
		return name
	}
	for k := 2; ; k++ {
		if s := name + "." + strconv.Itoa(k); !taken(s) {
			return s
		}
	}
}

// nameOwnedClocks names the child clocks of operator n after its unique
// ID: a crossfade made unique as "crossfade.2" reads ahead in
// "crossfade.2.clock", not in a second "crossfade.clock".
func (g *Graph) nameOwnedClocks(n *Node) {
	if n.id == n.base {
		return
	}
	for _, o := range n.owned {
		pc := o.Node().pinned
		if pc == nil || pc.kind != Passive || pc.name != n.base+".clock" {
			continue
		}
		pc.name = ""
		pc.name = g.uniqueClockName(n.id+".clock", pc)
	}
}

// release forgets the nodes of src's subgraph that were attached at run
// time and are now asleep: their IDs, their clock and the child clocks
// they owned, so that attaching and detaching a source per track change
// (transitions) does not grow the graph's tables, and a released source
// can be attached again (to this clock or another).
func (g *Graph) release(src Source) {
	g.mu.Lock()
	defer g.mu.Unlock()
	w := newWalk()
	w.visit(src.Node(), nil)
	for _, n := range w.nodes {
		if !n.attached || n.activations != 0 {
			continue
		}
		delete(g.ids, n.id)
		n.id = n.base
		for _, o := range n.owned {
			if pc := o.Node().pinned; pc != nil && pc.kind == Passive && pc.graph == g {
				g.clocks = slices.DeleteFunc(g.clocks, func(c *Clock) bool { return c == pc })
				pc.graph = nil
				pc.syncSrc = ""
			}
		}
		n.clock, n.graph, n.attached = nil, nil, false
	}
}
