package onair

import (
	"fmt"
	"slices"
	"strconv"
)

// assign decides the clock of every node reachable from the graph's
// outputs, checks the clock rules and fallibility, and registers outputs.
func (g *Graph) assign() error {
	w := newWalk()
	for _, o := range g.outputs {
		w.visit(o.node, nil)
	}
	nodes := w.nodes

	// Union-find over nodes: a node and its children share a clock.
	uf := newUF(len(nodes))
	conn := newUF(len(nodes)) // same, ignoring pins: tells nesting apart
	pin := make([]*Clock, len(nodes))
	var conflict error
	for i, n := range nodes {
		if n.pinned != nil {
			pin[i] = n.pinned
		}
	}
	// Pins first travel along edges; conflicts name the child where two
	// pinned sides meet.
	for i, n := range nodes {
		for _, c := range n.children {
			j := w.index[c.Node()]
			conn.union(i, j)
			ri, rj := uf.find(i), uf.find(j)
			if ri == rj {
				continue
			}
			pi, pj := pin[ri], pin[rj]
			if pi != nil && pj != nil && pi != pj {
				if conflict == nil {
					conflict = clockConflict(c.Node().id, pi, pj)
				}
				continue
			}
			r := uf.union(ri, rj)
			if pi != nil {
				pin[r] = pi
			} else {
				pin[r] = pj
			}
		}
	}
	// A read-ahead operator must not share sources with its child clock.
	for i, n := range nodes {
		for _, o := range n.owned {
			on := o.Node()
			if on.pinned == nil || on.pinned.kind != Passive {
				continue
			}
			j := w.index[on]
			if conn.find(i) == conn.find(j) {
				return &NestedClockError{
					Operator: n.id,
					Clock:    on.pinned.name,
					Parent:   g.parentClockName(pin[uf.find(i)], on.pinned),
					Sources:  w.shared(on),
				}
			}
		}
	}
	if conflict != nil {
		return conflict
	}
	// A top-level output never runs in a passive clock: it reached one
	// through a source that a read-ahead operator owns.
	for _, o := range g.outputs {
		pc := pin[uf.find(w.index[o.node])]
		if pc == nil || pc.kind != Passive {
			continue
		}
		return clockConflict(w.sharedWithReader(o.node, pc), pc, g.defClock)
	}

	// Give every node its clock; unpinned components use the default clock.
	g.clocks = g.clocks[:0]
	addClock := func(c *Clock) error {
		if slices.Contains(g.clocks, c) {
			return nil
		}
		if c.graph != nil && c.graph != g {
			return fmt.Errorf("onair: clock %q already belongs to another graph", c.name)
		}
		c.graph = g
		c.frame = g.format.FrameDuration
		c.log = g.log
		c.syncSrc = ""
		g.clocks = append(g.clocks, c)
		return nil
	}
	for i, n := range nodes {
		c := pin[uf.find(i)]
		if c == nil {
			c = g.defClock
		}
		if n.graph != nil && n.graph != g {
			return fmt.Errorf("onair: source %q already belongs to another graph", n.id)
		}
		if err := addClock(c); err != nil {
			return err
		}
		n.clock = c
		n.graph = g
		n.format = &g.format
	}
	g.nodes = nodes
	for _, n := range nodes {
		g.uniqueID(n)
	}
	for _, n := range nodes {
		g.nameOwnedClocks(n)
	}
	seen := map[string]bool{}
	for _, c := range g.clocks {
		for k := 2; seen[c.name]; k++ {
			if s := c.name + "." + strconv.Itoa(k); !seen[s] {
				c.name = s
			}
		}
		seen[c.name] = true
	}

	// Register outputs in their clocks, in order: top-level ones first.
	for _, o := range g.outputs {
		if !slices.Contains(o.node.clock.outputs, o) {
			o.node.clock.outputs = append(o.node.clock.outputs, o)
		}
	}
	for _, n := range nodes {
		for _, o := range n.owned {
			out := o.Node().output
			if out != nil && !slices.Contains(out.node.clock.outputs, out) {
				out.node.clock.outputs = append(out.node.clock.outputs, out)
			}
		}
	}

	// At most one synchronisation source per clock.
	syncs := map[*Clock][]string{}
	for _, n := range nodes {
		if n.sync != "" {
			syncs[n.clock] = append(syncs[n.clock], n.id+" ("+n.sync+")")
		}
	}
	for _, c := range g.clocks {
		if l := syncs[c]; len(l) > 1 {
			return &SyncConflictError{Clock: c.name, Sources: l}
		} else if len(l) == 1 {
			c.syncSrc = l[0]
		}
	}

	// Fallibility.
	for _, o := range g.outputs {
		if !o.opts.Fallible && o.src.Node().fallible {
			return &FallibleError{Output: o.node.id, Source: o.src.Node().id}
		}
	}
	return nil
}

func clockConflict(src string, a, b *Clock) *ClockConflictError {
	e := &ClockConflictError{Source: src, Clocks: [2]string{a.name, b.name}}
	switch {
	case a.kind == Passive || b.kind == Passive:
		e.Hint = "a source read ahead in a child clock cannot be used elsewhere; give each clock its own source"
	default:
		e.Hint = "connect the two clocks with onair.Buffer"
	}
	return e
}

func (g *Graph) parentClockName(c, child *Clock) string {
	if c != nil && c != child {
		return c.name
	}
	return g.defClock.name
}

// uniqueID makes n's ID unique in the graph ("sine", "sine.2", ...).
func (g *Graph) uniqueID(n *Node) {
	base := n.base
	k := g.ids[base]
	g.ids[base] = k + 1
	if k == 0 {
		return
	}
	for {
		k++
		id := base + "." + strconv.Itoa(k)
		if _, taken := g.ids[id]; !taken {
			g.ids[id] = 1
			n.id = id
			return
		}
	}
}

// walk collects the nodes reachable from outputs, with their consumers.
type walk struct {
	nodes   []*Node
	index   map[*Node]int
	parents map[*Node][]*Node
}

func newWalk() *walk { return &walk{index: map[*Node]int{}, parents: map[*Node][]*Node{}} }

func (w *walk) visit(n, parent *Node) {
	if parent != nil {
		w.parents[n] = append(w.parents[n], parent)
	}
	if _, ok := w.index[n]; ok {
		return
	}
	w.index[n] = len(w.nodes)
	w.nodes = append(w.nodes, n)
	for _, c := range n.children {
		w.visit(c.Node(), n)
	}
	for _, o := range n.owned {
		w.visit(o.Node(), nil)
	}
}

// sharedWithReader returns the ID of the first source that out pulls and
// that the reader of passive clock pc pulls too.
func (w *walk) sharedWithReader(out *Node, pc *Clock) string {
	mine := map[*Node]bool{}
	var mark func(n *Node)
	mark = func(n *Node) {
		for _, c := range n.children {
			if !mine[c.Node()] {
				mine[c.Node()] = true
				mark(c.Node())
			}
		}
	}
	mark(out)
	for _, n := range w.nodes {
		if n.output == nil || n.pinned != pc {
			continue
		}
		var found string
		var look func(n *Node) bool
		look = func(n *Node) bool {
			for _, c := range n.children {
				if mine[c.Node()] {
					found = c.Node().id
					return true
				}
				if look(c.Node()) {
					return true
				}
			}
			return false
		}
		if look(n) {
			return found
		}
	}
	return out.id
}

// shared returns the IDs of nodes reachable from root that are also
// consumed from outside root's subgraph.
func (w *walk) shared(root *Node) []string {
	in := map[*Node]bool{root: true}
	var mark func(n *Node)
	mark = func(n *Node) {
		for _, c := range n.children {
			if !in[c.Node()] {
				in[c.Node()] = true
				mark(c.Node())
			}
		}
	}
	mark(root)
	var ids []string
	for _, n := range w.nodes {
		if !in[n] || n == root {
			continue
		}
		for _, p := range w.parents[n] {
			if !in[p] {
				ids = append(ids, n.id)
				break
			}
		}
	}
	return ids
}

type uf struct{ p []int }

func newUF(n int) *uf {
	u := &uf{p: make([]int, n)}
	for i := range u.p {
		u.p[i] = i
	}
	return u
}

func (u *uf) find(i int) int {
	for u.p[i] != i {
		u.p[i] = u.p[u.p[i]]
		i = u.p[i]
	}
	return i
}

func (u *uf) union(a, b int) int {
	ra, rb := u.find(a), u.find(b)
	u.p[rb] = ra
	return ra
}
