package decode

import (
	"fmt"
	"log/slog"
	"maps"
	"sync"
	"time"

	"github.com/onair-go/onair"
)

// QueueOptions configure [Queue]. A nil *QueueOptions is valid.
type QueueOptions struct {
	// ID names the source. It defaults to "queue".
	ID string
	// Logger receives one error per bad entry, and FFmpeg's messages
	// about the files (see package avlog). It defaults to discarding.
	Logger *slog.Logger
	// OnFail is called with each bad entry, on the helper goroutine.
	OnFail func(path string, err error)
	// Buffer and Synchronous are as in [FileOptions].
	Buffer      time.Duration
	Synchronous bool
	// TrimSilence is as in [PlaylistOptions].
	TrimSilence bool
}

// QueueSource plays the files pushed to it, in order, each as a track
// that starts with a track mark and the file's tags. It is fallible: it
// is unready while the queue is empty. Bad entries are skipped with one
// logged error each and a call to OnFail.
//
// Push, Len and Close are safe to call from any goroutine.
type QueueSource struct {
	node *onair.Node
	p    *player

	mu      sync.Mutex
	pending []entry
	open    int // entries taken by the helper goroutine and not yet started
}

// Queue returns an empty request queue. opts may be nil.
func Queue(opts *QueueOptions) (*QueueSource, error) {
	var o QueueOptions
	if opts != nil {
		o = *opts
	}
	if o.ID == "" {
		o.ID = "queue"
	}
	if o.Buffer < 0 {
		return nil, fmt.Errorf("%w: negative buffer %v", onair.ErrInvalidOption, o.Buffer)
	}
	q := &QueueSource{}
	onFail := func(path string, err error) {
		q.mu.Lock()
		q.open--
		q.mu.Unlock()
		if o.OnFail != nil {
			o.OnFail(path, err)
		}
	}
	q.p = newPlayer(q, playerOptions{
		id: o.ID, log: o.Logger, buffer: o.Buffer, synchronous: o.Synchronous, onFail: onFail, trim: o.TrimSilence,
	})
	q.p.onStart = func() {
		q.mu.Lock()
		q.open = max(0, q.open-1)
		q.mu.Unlock()
	}
	q.node = onair.NewNode(q.p, &onair.NodeOptions{ID: o.ID, Fallible: true})
	return q, nil
}

// Node returns the source's graph node.
func (q *QueueSource) Node() *onair.Node { return q.node }

// Push appends the media file at path to the queue.
func (q *QueueSource) Push(path string) { q.PushMetadata(path, nil) }

// PushMetadata appends the media file at path to the queue, with
// metadata m (title, artist, ...) that its track carries: m's keys
// override the file's tags of the same name, the file's other tags are
// kept. m is copied.
func (q *QueueSource) PushMetadata(path string, m onair.Metadata) {
	e := entry{path: path}
	if len(m) > 0 {
		e.meta = maps.Clone(m)
	}
	q.mu.Lock()
	q.pending = append(q.pending, e)
	q.mu.Unlock()
	q.p.request()
}

// Len returns the number of pushed entries that have not started playing.
func (q *QueueSource) Len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.pending) + q.open
}

// Close stops the helper goroutine. It is idempotent.
func (q *QueueSource) Close() error { return q.p.close() }

func (q *QueueSource) rewind()                     {}
func (q *QueueSource) poll() (bool, time.Duration) { return false, 0 }
func (q *QueueSource) next() (entry, feedStatus) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.pending) == 0 {
		return entry{}, feedWait
	}
	e := q.pending[0]
	q.pending = q.pending[1:]
	q.open++
	return e, feedOK
}
