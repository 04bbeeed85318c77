package listen

import (
	"slices"
	"sync"
	"sync/atomic"
)

// ring is a mount's broadcast buffer: the last len(buf) bytes of the
// stream, the offsets where listeners may start, the Ogg header pages
// and the ICY titles by stream offset. One goroutine (the clock's)
// appends; any number of listener goroutines read at their own offsets.
// Readers never hold the lock while they write to the network, so the
// appender waits at most for one memory copy.
type ring struct {
	mu      sync.RWMutex // guards the fields below, and buf's contents
	buf     []byte
	written atomic.Int64 // bytes appended so far; stored under mu
	syncs   []event      // start points, ascending, within the buffer
	headers []event      // Ogg header pages, ascending bos offsets
	titles  []title      // titles by offset, ascending; never empty
	ended   bool         // the stream ended: nothing is appended after
	notify  chan struct{}

	waiting atomic.Bool // a reader waits on notify
}

// title is the ICY title from a stream offset on.
type title struct {
	off   int64
	seq   int64  // increasing, to tell a change from a repeat
	text  string // the title
	block []byte // the encoded ICY metadata block
}

func newRing(size int) *ring {
	return &ring{
		buf:    make([]byte, size),
		titles: []title{{block: icyBlock("")}},
		notify: make(chan struct{}),
	}
}

// oldest returns the offset of the oldest byte still held, given w bytes
// written.
func (r *ring) oldest(w int64) int64 { return max(0, w-int64(len(r.buf))) }

// append adds p, with the events a framer found in it, and wakes the
// waiting readers.
func (r *ring) append(p []byte, ev []event) {
	r.mu.Lock()
	w := r.written.Load()
	if len(p) > len(r.buf) {
		w += int64(len(p) - len(r.buf))
		p = p[len(p)-len(r.buf):]
	}
	i := int(w % int64(len(r.buf)))
	k := copy(r.buf[i:], p)
	copy(r.buf, p[k:])
	w += int64(len(p))
	r.written.Store(w)
	for _, e := range ev {
		if e.header != nil {
			r.headers = append(r.headers, e)
		} else {
			r.syncs = append(r.syncs, e)
		}
	}
	r.prune(r.oldest(w))
	r.wake()
	r.mu.Unlock()
}

// end marks the end of the stream after the bytes appended so far, and
// wakes the waiting readers: from then on a read at the end returns no
// wait channel.
func (r *ring) end() {
	r.mu.Lock()
	r.ended = true
	r.wake()
	r.mu.Unlock()
}

// isEnded reports whether the stream ended.
func (r *ring) isEnded() bool {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.ended
}

// wake wakes the readers waiting for data. Called with mu held.
func (r *ring) wake() {
	if r.waiting.Swap(false) {
		close(r.notify)
		r.notify = make(chan struct{})
	}
}

// prune forgets start points, headers and titles older than from (keeping
// the header and title in force there). Called with mu held.
func (r *ring) prune(from int64) {
	n := 0
	for n < len(r.syncs) && r.syncs[n].off < from {
		n++
	}
	r.syncs = slices.Delete(r.syncs, 0, n)
	first := from
	if len(r.syncs) > 0 {
		first = min(first, r.syncs[0].off)
	}
	h := 0
	for h+1 < len(r.headers) && r.headers[h+1].off <= first {
		h++
	}
	r.headers = slices.Delete(r.headers, 0, h)
	t := 0
	for t+1 < len(r.titles) && r.titles[t+1].off <= from {
		t++
	}
	r.titles = slices.Delete(r.titles, 0, t)
}

// setTitle records a title from the current end of the stream on: every
// byte written so far plays before it. It reports whether the title
// changed.
func (r *ring) setTitle(text string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	last := r.titles[len(r.titles)-1]
	if text == last.text {
		return false
	}
	w := r.written.Load()
	t := title{off: w, seq: last.seq + 1, text: text, block: icyBlock(text)}
	if last.off == w {
		r.titles[len(r.titles)-1] = t
	} else {
		r.titles = append(r.titles, t)
	}
	return true
}

// currentTitle returns the latest title.
func (r *ring) currentTitle() string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.titles[len(r.titles)-1].text
}

// start returns where a new listener starts: the first start point at or
// after target, and the Ogg header pages it needs first (nil when it
// starts at a logical stream's start, or for other formats). ok is false
// when no start point is there yet: wait is closed when more bytes come,
// or is nil when the stream ended (there will be none).
func (r *ring) start(target int64) (off int64, prefix []byte, wait <-chan struct{}, ok bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	target = max(r.oldest(r.written.Load()), target)
	i, _ := slices.BinarySearchFunc(r.syncs, target, func(e event, t int64) int { return cmp64(e.off, t) })
	if i == len(r.syncs) {
		if r.ended {
			return 0, nil, nil, false
		}
		r.waiting.Store(true)
		return 0, nil, r.notify, false
	}
	s := r.syncs[i]
	if s.bos {
		return s.off, nil, nil, true
	}
	for j := len(r.headers) - 1; j >= 0; j-- {
		if r.headers[j].off < s.off {
			return s.off, r.headers[j].header, nil, true
		}
	}
	return s.off, nil, nil, true
}

// read copies the bytes from offset off into p. It returns the count, or
// 0 and a channel closed when more bytes arrive, or 0 and a nil channel
// at the end of an ended stream. lagged is set when off is no longer
// held: the reader fell behind by more than the buffer.
func (r *ring) read(p []byte, off int64) (n int, wait <-chan struct{}, lagged bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	w := r.written.Load()
	if off < r.oldest(w) {
		return 0, nil, true
	}
	if off >= w {
		if r.ended {
			return 0, nil, false
		}
		r.waiting.Store(true)
		return 0, r.notify, false
	}
	n = int(min(int64(len(p)), w-off))
	i := int(off % int64(len(r.buf)))
	k := copy(p[:n], r.buf[i:])
	copy(p[k:n], r.buf)
	return n, nil, false
}

// titleAt returns the ICY title in force at offset off. ok is false when
// a title at off may still be recorded (off is the end of the stream);
// then wait is closed when more bytes arrive, or is nil when the stream
// ended there.
func (r *ring) titleAt(off int64) (t title, wait <-chan struct{}, ok bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	if off >= r.written.Load() {
		// The muxer calls OnMetadata for a position after writing the
		// bytes before it and before writing any byte after it.
		if r.ended {
			return title{}, nil, false
		}
		r.waiting.Store(true)
		return title{}, r.notify, false
	}
	i, found := slices.BinarySearchFunc(r.titles, off, func(t title, o int64) int { return cmp64(t.off, o) })
	if !found {
		i-- // titles[0] is in force from the oldest byte held
	}
	return r.titles[max(i, 0)], nil, true
}

func cmp64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
