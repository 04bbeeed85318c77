package listen

import (
	"log/slog"
	"sync/atomic"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/mux"
)

// Mount is one stream of a [Server]: an encoded track of a graph source,
// muxed once into a container whose bytes every listener of the mount
// shares. It is a graph output: add it to the graph that runs the source.
// Make it with [Server.Mount].
//
// The clock goroutine only appends the muxed bytes to the mount's buffer
// (MaxLag bytes, shared by all listeners) and never waits for a listener;
// each listener's goroutine sends from the buffer at its own position.
// When the graph closes the mount, its stream ends after the container's
// trailer: the listeners get the rest and are disconnected in order, and
// new requests get 404.
// The methods of Mount are safe from any goroutine.
type Mount struct {
	srv  *Server
	path string
	cfg  mountConfig
	out  *mux.WriterOutput
	ring *ring
	log  *slog.Logger

	fr framer  // clock goroutine only
	ev []event // clock goroutine only

	// listeners, peak are guarded by srv.mu.
	listeners map[*listener]struct{}
	peak      int

	active      atomic.Int64 // len(listeners)
	connections atomic.Uint64
	dropped     atomic.Uint64
}

// MountStats are the counters of a mount.
type MountStats struct {
	// Listeners is the number of listeners now, Peak the largest number
	// at once.
	Listeners, Peak int
	// Connections counts the listeners served since the mount was made;
	// Dropped those disconnected as too slow.
	Connections, Dropped uint64
	// Bytes is the size of the stream so far (what a listener connected
	// from the start received, without ICY metadata).
	Bytes int64
	// Title is the current ICY title.
	Title string
	// Ended is set once the mount's stream ended (its graph closed it).
	Ended bool
}

// Node returns the mount's graph node: add the mount to the graph with
// [onair.Graph.Add].
func (m *Mount) Node() *onair.Node { return m.out.Node() }

// Output returns the muxer output that writes the mount's stream.
func (m *Mount) Output() *mux.WriterOutput { return m.out }

// Path returns the mount's URL path.
func (m *Mount) Path() string { return m.path }

// Title returns the current ICY title: the last one the muxer reached,
// which listeners hear later (see [Mount.Heard]).
func (m *Mount) Title() string { return m.ring.currentTitle() }

// Stats returns the mount's counters.
func (m *Mount) Stats() MountStats {
	m.srv.mu.Lock()
	peak := m.peak
	m.srv.mu.Unlock()
	return MountStats{
		Listeners:   int(m.active.Load()),
		Peak:        peak,
		Connections: m.connections.Load(),
		Dropped:     m.dropped.Load(),
		Bytes:       m.ring.written.Load(),
		Title:       m.ring.currentTitle(),
		Ended:       m.ring.isEnded(),
	}
}

// Listeners returns the mount's listeners now, in no particular order.
func (m *Mount) Listeners() []ListenerInfo {
	m.srv.mu.Lock()
	defer m.srv.mu.Unlock()
	l := make([]ListenerInfo, 0, len(m.listeners))
	for li := range m.listeners {
		l = append(l, li.snapshot())
	}
	for i := range l {
		l[i].Title = m.heardBy(&l[i])
	}
	return l
}

// mountWriter is the io.Writer the muxer writes the stream to, on the
// clock goroutine.
type mountWriter Mount

func (w *mountWriter) Write(p []byte) (int, error) {
	m := (*Mount)(w)
	m.ev = m.fr.feed(p, m.ring.written.Load(), m.ev[:0])
	m.ring.append(p, m.ev)
	clear(m.ev) // do not keep header copies alive here
	if m.active.Load() > 0 {
		m.srv.kick()
	}
	return len(p), nil
}

// onMetadata runs on the clock goroutine when the muxer reaches md: every
// byte before md's position is in the ring, none after it.
func (m *Mount) onMetadata(md onair.Metadata) {
	off := m.ring.written.Load()
	if m.cfg.OnMetadata != nil {
		m.cfg.OnMetadata(md, off)
	}
	song := m.cfg.Song(md)
	if song == "" || !m.ring.setTitle(song) {
		return
	}
	m.log.Info("title", "mount", m.path, "title", song, "offset", off)
	if m.cfg.ogg {
		// Ogg listeners read titles from the comment header of each
		// chained logical stream.
		c := make(map[string]string, len(md))
		for k, v := range md {
			c[k] = v
		}
		m.out.ReopenWith(c)
	}
}

// onEnd runs on the goroutine that closes the graph, after the muxer
// wrote its last bytes (the container's trailer) to the ring: the stream
// ends there for every listener.
func (m *Mount) onEnd() {
	m.ring.end()
	m.log.Info("stream ended", "mount", m.path, "bytes", m.ring.written.Load())
}

// reap disconnects the listeners that fell more than MaxLag behind.
// Called with srv.mu held.
func (m *Mount) reap() {
	w := m.ring.written.Load()
	for l := range m.listeners {
		p := l.pos.Load() // -1 before the listener starts
		if lag := w - p; p >= 0 && lag > int64(m.cfg.MaxLag) {
			l.drop(lagError(lag, m.cfg.MaxLag))
		}
	}
}
