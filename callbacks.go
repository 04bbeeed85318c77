package onair

import (
	"log/slog"
	"sync/atomic"
)

var discardLogger = slog.New(slog.DiscardHandler)

// callbacks holds a node's track and metadata callbacks. Registration is
// rare and locks; firing reads an immutable snapshot and never locks.
type callbacks struct {
	any    atomic.Bool
	list   atomic.Pointer[[]callback]
	nextID int // guarded by Node.mu
}

type callback struct {
	id      int
	onTrack bool
	fn      func(Metadata)
}

// OnTrack registers fn to be called at each new track of the source, with
// the track's metadata (the metadata at the track mark, or the last
// metadata seen). Callbacks run on the graph's callback goroutine, in
// order, and never block the clock (unless the graph was created with
// [GraphOptions.SyncCallbacks]). The returned function removes fn. Safe
// from any goroutine.
func (n *Node) OnTrack(fn func(m Metadata)) (remove func()) {
	return n.addCallback(true, fn)
}

// OnMetadata registers fn to be called for each metadata the source
// produces. See [Node.OnTrack] for where it runs.
func (n *Node) OnMetadata(fn func(m Metadata)) (remove func()) {
	return n.addCallback(false, fn)
}

func (n *Node) addCallback(onTrack bool, fn func(Metadata)) func() {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.cbs.nextID++
	id := n.cbs.nextID
	var next []callback
	if old := n.cbs.list.Load(); old != nil {
		next = append(next, (*old)...)
	}
	next = append(next, callback{id: id, onTrack: onTrack, fn: fn})
	n.cbs.list.Store(&next)
	n.cbs.any.Store(true)
	return func() {
		n.mu.Lock()
		defer n.mu.Unlock()
		old := n.cbs.list.Load()
		if old == nil {
			return
		}
		var next []callback
		for _, c := range *old {
			if c.id != id {
				next = append(next, c)
			}
		}
		n.cbs.list.Store(&next)
		n.cbs.any.Store(len(next) > 0)
	}
}

func (c *callbacks) fireTrack(n *Node, m Metadata)    { c.fire(n, true, m) }
func (c *callbacks) fireMetadata(n *Node, m Metadata) { c.fire(n, false, m) }

func (c *callbacks) fire(n *Node, onTrack bool, m Metadata) {
	l := c.list.Load()
	if l == nil {
		return
	}
	for _, cb := range *l {
		if cb.onTrack != onTrack {
			continue
		}
		if n.graph == nil || n.graph.syncCallbacks {
			cb.fn(m)
			continue
		}
		n.graph.dispatch(n, cb.fn, m)
	}
}
