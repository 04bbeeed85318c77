package speaker

import (
	"encoding/binary"
	"io"
	"math"
	"sync"
)

// queue is the bounded buffer between the clock goroutine, which writes
// each frame into it, and the device, which reads it at its own pace. Its
// capacity is the output's latency: the writer waits for room, so the
// clock runs as fast as the device reads.
//
// All methods are safe to call from any goroutine; in practice one
// goroutine writes and one reads.
type queue struct {
	mu        sync.Mutex
	buf       []float32 // ring of interleaved samples
	r, n      int       // read position and length, in floats
	ch        int
	closed    bool
	starved   bool  // the reader found the queue empty and no write came since
	written   int64 // samples (per channel) written
	consumed  int64 // samples (per channel) read
	underruns int64

	// room receives a value when the reader frees room or the queue
	// closes (capacity 1: one pending wake-up is enough).
	room chan struct{}
	// onUnderrun, if set, is called (outside the lock, on the reader's
	// goroutine) at the start of each underrun with the running count.
	onUnderrun func(count int64)
}

// newQueue returns a queue of capacity samples of ch channels.
func newQueue(capacity, ch int, onUnderrun func(int64)) *queue {
	return &queue{
		buf:        make([]float32, capacity*ch),
		ch:         ch,
		room:       make(chan struct{}, 1),
		onUnderrun: onUnderrun,
	}
}

// write appends samples [from, to) of the planar audio to the queue, as
// many as fit, and returns how many it wrote; ok is false once the queue
// is closed. It never blocks.
func (q *queue) write(audio [][]float32, from, to int) (k int, ok bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return 0, false
	}
	k = min(to-from, (len(q.buf)-q.n)/q.ch)
	if k <= 0 {
		return 0, true
	}
	w := (q.r + q.n) % len(q.buf)
	for i := from; i < from+k; i++ {
		for c := 0; c < q.ch; c++ {
			q.buf[w] = audio[c][i]
			w++
			if w == len(q.buf) {
				w = 0
			}
		}
	}
	q.n += k * q.ch
	q.written += int64(k)
	q.starved = false
	return k, true
}

// full reports whether the queue has no room left.
func (q *queue) full() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.n == len(q.buf)
}

// Read implements the reader of the [Device] contract: whole samples as
// float32 little endian, 0, nil when empty, io.EOF once closed.
func (q *queue) Read(p []byte) (int, error) {
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return 0, io.EOF
	}
	frame := 4 * q.ch
	k := min(len(p)/frame, q.n/q.ch)
	if k == 0 {
		start := len(p) >= frame && !q.starved
		var count int64
		if start {
			q.starved = true
			q.underruns++
			count = q.underruns
		}
		q.mu.Unlock()
		if start && q.onUnderrun != nil {
			q.onUnderrun(count)
		}
		return 0, nil
	}
	for i := 0; i < k*q.ch; i++ {
		binary.LittleEndian.PutUint32(p[4*i:], math.Float32bits(q.buf[q.r]))
		q.r++
		if q.r == len(q.buf) {
			q.r = 0
		}
	}
	q.n -= k * q.ch
	q.consumed += int64(k)
	q.mu.Unlock()
	q.wake()
	return k * frame, nil
}

// wake signals the writer without blocking.
func (q *queue) wake() {
	select {
	case q.room <- struct{}{}:
	default:
	}
}

// close drops the queued audio, makes Read return io.EOF and wakes a
// waiting writer. It is idempotent.
func (q *queue) close() {
	q.mu.Lock()
	q.closed = true
	q.r, q.n = 0, 0
	q.mu.Unlock()
	q.wake()
}

// queueStats is a snapshot of the queue's counters.
type queueStats struct {
	written, consumed, underruns int64
	buffered                     int
}

func (q *queue) stats() queueStats {
	q.mu.Lock()
	defer q.mu.Unlock()
	return queueStats{written: q.written, consumed: q.consumed, underruns: q.underruns, buffered: q.n / q.ch}
}
