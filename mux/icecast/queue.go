package icecast

import (
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/onair-go/onair"
)

// chunk is a piece of the container stream: what the muxer wrote during
// one frame, or the part of it before a metadata. Muxers flush whole
// packets (MP3 and ADTS frames, Ogg pages), so a chunk never cuts one.
type chunk struct {
	data []byte
	// meta, when set, is published through the admin API once every chunk
	// before this one has been written to the server.
	meta onair.Metadata
	// head marks a chunk that starts a container (its header): it is
	// never dropped, or the rest would be unreadable.
	head bool
}

// queue is the bounded queue between the clock goroutine (push) and the
// network goroutine (pop). Chunks belong to one connection: push drops
// chunks of a connection that is not the current one, and a new
// connection discards what the previous one left.
type queue struct {
	max    int
	log    *slog.Logger
	id     string
	notify chan struct{} // cap 1: a chunk was pushed
	gen    atomic.Uint64 // mirrors cur for lock-free reads

	mu        sync.Mutex // guards the following
	cur       uint64     // connection whose chunks are accepted; 0: none
	items     []chunk
	bytes     int
	free      [][]byte
	dropped   int64 // bytes dropped on overflow
	discarded int64 // bytes discarded with a connection
	lastLog   time.Time
	logged    int64 // dropped bytes at the last log
}

func newQueue(max int, log *slog.Logger, id string) *queue {
	return &queue{max: max, log: log, id: id, notify: make(chan struct{}, 1)}
}

// generation returns the connection whose data the queue accepts, 0 when
// none. Safe from any goroutine.
func (q *queue) generation() uint64 { return q.gen.Load() }

// setGeneration switches the queue to connection g (0: none), discarding
// every queued chunk.
func (q *queue) setGeneration(g uint64) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.cur = g
	q.gen.Store(g)
	for _, c := range q.items {
		q.discarded += int64(len(c.data))
		q.recycleLocked(c.data)
	}
	clear(q.items)
	q.items = q.items[:0]
	q.bytes = 0
}

// push appends c for connection g. When the queue then holds more than
// max bytes, the oldest chunks are dropped (never a head chunk, never c
// itself), their metadata moving to the chunk after them. It reports
// whether c was queued (false: g is not the current connection).
func (q *queue) push(g uint64, c chunk) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	if g == 0 || g != q.cur {
		q.discarded += int64(len(c.data))
		q.recycleLocked(c.data)
		return false
	}
	q.items = append(q.items, c)
	q.bytes += len(c.data)
	for i := 0; q.bytes > q.max && i < len(q.items)-1; {
		if q.items[i].head {
			i++
			continue
		}
		d := q.items[i]
		if d.meta != nil && q.items[i+1].meta == nil {
			q.items[i+1].meta = d.meta
		}
		q.bytes -= len(d.data)
		q.dropped += int64(len(d.data))
		q.recycleLocked(d.data)
		copy(q.items[i:], q.items[i+1:])
		q.items[len(q.items)-1] = chunk{}
		q.items = q.items[:len(q.items)-1]
	}
	if q.dropped != q.logged {
		if now := time.Now(); now.Sub(q.lastLog) >= time.Second {
			q.log.Warn("network too slow: queue full, oldest data dropped", "output", q.id,
				"dropped_bytes", q.dropped-q.logged, "queue_bytes", q.bytes, "queue_max", q.max)
			q.lastLog, q.logged = now, q.dropped
		}
	}
	select {
	case q.notify <- struct{}{}:
	default:
	}
	return true
}

// pop takes the oldest chunk, if any.
func (q *queue) pop() (chunk, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.items) == 0 {
		return chunk{}, false
	}
	c := q.items[0]
	copy(q.items, q.items[1:])
	q.items[len(q.items)-1] = chunk{}
	q.items = q.items[:len(q.items)-1]
	q.bytes -= len(c.data)
	return c, true
}

// dropQueued drops every queued chunk but head chunks, keeping the last
// metadata (clock reset: the data is late).
func (q *queue) dropQueued() {
	q.mu.Lock()
	defer q.mu.Unlock()
	var meta onair.Metadata
	kept := q.items[:0]
	for _, c := range q.items {
		if c.meta != nil {
			meta = c.meta
		}
		if c.head {
			kept = append(kept, c)
			continue
		}
		q.bytes -= len(c.data)
		q.dropped += int64(len(c.data))
		q.recycleLocked(c.data)
	}
	clear(q.items[len(kept):])
	q.items = kept
	if meta != nil {
		// An empty chunk carries it to the network goroutine.
		q.items = append(q.items, chunk{meta: meta})
	}
}

// buffer returns an empty buffer for a new chunk.
func (q *queue) buffer() []byte {
	q.mu.Lock()
	defer q.mu.Unlock()
	if n := len(q.free); n > 0 {
		b := q.free[n-1]
		q.free = q.free[:n-1]
		return b[:0]
	}
	return make([]byte, 0, 4096)
}

// recycle gives back the buffer of a sent chunk.
func (q *queue) recycle(b []byte) {
	q.mu.Lock()
	q.recycleLocked(b)
	q.mu.Unlock()
}

func (q *queue) recycleLocked(b []byte) {
	if cap(b) > 0 && cap(b) <= 1<<20 && len(q.free) < 64 {
		q.free = append(q.free, b[:0])
	}
}

// counts returns the queued bytes, and the bytes dropped on overflow and
// discarded with connections so far.
func (q *queue) counts() (queued int, dropped, discarded int64) {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.bytes, q.dropped, q.discarded
}
