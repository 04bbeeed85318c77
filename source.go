package onair

import (
	"sync"
	"sync/atomic"
)

// A Source is a node of a source graph: a stream of frames with metadata
// and track marks, pulled once per tick by its clock.
//
// Every source is backed by a [*Node], made by [NewNode] from a
// [Generator]; a *Node is itself a Source. Types that add methods of their
// own (a playlist's Reload, a fallback's Selected) keep their node in a
// field and return it from Node; the node carries the methods every source
// has (ID, Ready, Skip, InsertMetadata, OnTrack, ...).
type Source interface {
	// Node returns the graph node of the source. It returns the same node
	// on every call.
	Node() *Node
}

// A Generator produces a source's data. It is what a custom source or
// operator implements; the [Node] around it handles caching, activation,
// clocks and callbacks.
//
// Generate is called at most once per tick, on the clock's goroutine, and
// only when the node's readiness check passed (see [Readier]). It appends
// data to f — at most f.Free() samples, typically with [Frame.Extend] or
// [Frame.Append] — and may add track marks and metadata at positions it
// appended. Appending fewer samples than f.Free() means "no more data now";
// a track boundary is a track mark ([Frame.AddMark]), never a short frame.
// f may already hold data left over from the previous tick: append after
// f.Len(). Implementations must not retain f.
//
// Generate returns io.EOF (unwrapped) when the source will never produce
// data again; the node then stays unready. Any other error is logged with
// the source's ID, the data appended so far is used, and the source is
// asked again on the next tick.
//
// Generators are driven from one goroutine at a time and need no locking,
// except for methods documented as safe to call from any goroutine.
type Generator interface {
	Generate(f *Frame) error
}

// GeneratorFunc is an adapter to allow the use of ordinary functions as
// Generators. Like any generator without a Ready method, a node around it
// is ready when one of its children is (always, without children).
type GeneratorFunc func(f *Frame) error

// Generate calls fn(f).
func (fn GeneratorFunc) Generate(f *Frame) error { return fn(f) }

// Readier is implemented by generators that decide their readiness
// themselves. Ready is asked at most once per tick; it reports whether
// Generate can produce data now. Without it, the node is ready when at
// least one of its children is ready, and always when it has none, so that
// a one-input operator is ready exactly when its input is.
type Readier interface {
	Ready() bool
}

// Skipper is implemented by generators that can end their current track
// early. Skip is called on the clock goroutine; the next data the generator
// appends starts a new track (with a track mark).
type Skipper interface {
	Skip()
}

// Remainer is implemented by generators that know how many samples are left
// in their current track. Remaining returns -1 when unknown. Without it, a
// node with exactly one child reports the child's remaining samples (a
// one-input operator keeps its input's track lengths), and -1 otherwise.
type Remainer interface {
	Remaining() int
}

// Waker is implemented by generators that prepare resources when the node
// is woken up (its first consumer attached): open files, start prefetching
// on helper goroutines. WakeUp runs before the first tick that may pull the
// node, with the graph format. An error aborts the graph's start.
type Waker interface {
	WakeUp(f *Format) error
}

// Sleeper is implemented by generators that release resources when the
// node's last consumer leaves.
type Sleeper interface {
	Sleep()
}

// Drainer is implemented by generators that hold data back (an encoder's
// delay, a lookahead) and can hand it over when the stream stops. When a
// graph with a drainer closes, it runs one last tick on each of its
// clocks in which only drainers produce data (operators above them pass it
// on) and Drain is called instead of Generate: it appends what the
// generator still holds — a short frame is fine — so outputs write it
// before they close.
type Drainer interface {
	Drain(f *Frame) error
}

// Resetter is implemented by generators and senders that react to a clock
// reset (the clock fell more than its maximum latency behind).
type Resetter interface {
	Reset()
}

// NodeOptions configure a [Node]. A zero NodeOptions is valid.
type NodeOptions struct {
	// ID names the node in logs and errors. It defaults to "source". IDs are
	// made unique within a graph by adding a suffix ("sine", "sine.2").
	ID string
	// Children are the sources the node pulls. They belong to the node's
	// clock, are woken when the node wakes up and put to sleep with it.
	Children []Source
	// Fallible reports whether the source may fail to produce data
	// (become unready). Operators compute it from their children.
	Fallible bool
	// Owned are outputs the node owns and that run in their own clock: the
	// input side of a Buffer, or the reader a read-ahead operator drives
	// through a passive child clock (see [Clock.AddOutput]). They are
	// registered with the graph when the node is.
	Owned []Source
	// Sync names a synchronisation device (a sound card): a node with Sync
	// set paces its clock itself, and a clock may hold only one.
	Sync string
}

// Node is the graph node around a [Generator]: it holds the source's
// identity and static properties, its clock, the per-tick frame cache and
// its activations.
//
// The frame cache makes a node compute its frame at most once per tick:
// every consumer that calls [Node.Peek] or [Node.Read] in a tick gets the
// same frame. A consumer that uses only a prefix declares it with
// [Node.Consume]; what no consumer used is kept and replayed at the start
// of the next tick (consumed = the maximum over consumers).
//
// Peek, Read, Consume, Ready, Elapsed and Remaining are for use on the
// node's clock goroutine (by consumers inside the graph). ID, Fallible,
// Skip, InsertMetadata, LastMetadata, OnTrack and OnMetadata are safe to
// call from any goroutine.
type Node struct {
	id       string
	base     string // the ID asked for, before it was made unique
	gen      Generator
	children []Source
	owned    []Source
	fallible bool
	sync     string
	output   *Output // set when the node is an output

	// Set when the graph starts or when attached at run time.
	graph  *Graph
	clock  *Clock
	pinned *Clock
	format *Format

	// Activation state (clock goroutine, or Start/Close).
	activations int
	consumers   []*Node

	// Frame cache (clock goroutine).
	tick      uint64 // clock tick the cache state belongs to
	computed  bool
	readyDone bool
	ready     bool
	genReady  bool
	ended     bool
	consumed  int
	cur       *Frame
	spare     *Frame
	elapsed   int
	attached  bool // added by Attach at run time (its ID is released on Detach)

	// Cross-goroutine state.
	skipReq    atomic.Bool
	hasPending atomic.Bool
	elapsedPub atomic.Int64
	mu         sync.Mutex // guards following
	pending    []pendingMeta
	lastMeta   Metadata
	cbs        callbacks
}

type pendingMeta struct {
	m        Metadata
	newTrack bool
}

// NewNode returns a node around g. opts may be nil.
func NewNode(g Generator, opts *NodeOptions) *Node {
	if opts == nil {
		opts = &NodeOptions{}
	}
	n := &Node{
		id:       opts.ID,
		gen:      g,
		children: append([]Source(nil), opts.Children...),
		owned:    append([]Source(nil), opts.Owned...),
		fallible: opts.Fallible,
		sync:     opts.Sync,
	}
	if n.id == "" {
		n.id = "source"
	}
	n.base = n.id
	return n
}

// Node returns n, so that a *Node is a [Source].
func (n *Node) Node() *Node { return n }

// ID returns the node's identifier (unique within its graph once started).
func (n *Node) ID() string { return n.id }

// String returns the node's ID.
func (n *Node) String() string { return n.id }

// Fallible reports whether the source may fail (see [NodeOptions.Fallible]).
func (n *Node) Fallible() bool { return n.fallible }

// Generator returns the node's generator.
func (n *Node) Generator() Generator { return n.gen }

// Children returns the node's children. The slice must not be modified.
func (n *Node) Children() []Source { return n.children }

// Clock returns the node's clock, or nil before the graph starts.
func (n *Node) Clock() *Clock { return n.clock }

// Format returns the graph format, or nil before the node is woken up.
func (n *Node) Format() *Format { return n.format }

// Active reports whether at least one consumer has activated the node.
func (n *Node) Active() bool { return n.activations > 0 }

// Consumers returns the IDs of the nodes that activated n (an output's
// activation of its source counts too).
func (n *Node) Consumers() []string {
	ids := make([]string, 0, len(n.consumers))
	for _, c := range n.consumers {
		if c == nil {
			ids = append(ids, "")
		} else {
			ids = append(ids, c.id)
		}
	}
	return ids
}

// Skip asks the source to end its current track. Safe from any goroutine:
// it takes effect at the next frame the node computes. When the data the
// node holds from earlier ticks already reaches the next track, the rest
// of the current track is dropped (logged at Info, since the generator is
// not told) and the next one plays whole; otherwise
// the held data is dropped and the generator is asked to end its track
// ([Skipper]), or, for a generator that is not a Skipper, the request goes
// to the node's only child, if it has exactly one. Operators that buffer
// ahead ([Buffer], [Crossfade]) follow the same rule.
func (n *Node) Skip() { n.skipReq.Store(true) }

// InsertMetadata inserts m at the start of the next frame the node
// computes; with newTrack, a track mark is inserted there too. Safe from any
// goroutine. The node keeps m; do not modify it afterwards.
func (n *Node) InsertMetadata(m Metadata, newTrack bool) {
	n.mu.Lock()
	n.pending = append(n.pending, pendingMeta{m, newTrack})
	n.mu.Unlock()
	n.hasPending.Store(true)
}

// LastMetadata returns the last metadata the node produced, or nil. Safe
// from any goroutine; the result must not be modified.
func (n *Node) LastMetadata() Metadata {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.lastMeta
}

// Elapsed returns the number of samples consumed from the current track
// (see [Format.Duration] for a time). Safe from any goroutine.
func (n *Node) Elapsed() int {
	return int(n.elapsedPub.Load())
}

// Remaining returns the number of samples left in the current track, or -1
// when unknown. For use on the clock goroutine.
func (n *Node) Remaining() int {
	var left int
	switch r, ok := n.gen.(Remainer); {
	case ok:
		left = r.Remaining()
	case n.gen != nil && len(n.children) == 1:
		left = n.children[0].Node().Remaining()
	default:
		return -1
	}
	if left < 0 {
		return -1
	}
	if n.cur != nil {
		for _, m := range n.cur.Marks() {
			if m >= n.consumed {
				return m - n.consumed
			}
		}
		left += n.cur.Len() - n.consumed
	}
	return left
}

// valueOr returns *p, or the zero value when p is nil: the Options
// convention (a nil pointer means all defaults), copied on entry so that
// constructors never write into the caller's struct.
func valueOr[T any](p *T) T {
	if p == nil {
		var zero T
		return zero
	}
	return *p
}
