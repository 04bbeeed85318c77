package decode

import (
	"errors"
	"time"
)

// Skip ends the current track: buffered data of the track is dropped and
// the helper goroutine stops decoding it.
func (p *player) Skip() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.trk == nil {
		return
	}
	p.skipID = p.trk.id
	if p.cur != nil {
		p.recycle(p.cur)
		p.cur = nil
	}
	// Drop the skipped track's queued chunks now, so that Ready tells
	// whether the next track is already there.
	q := p.queue[:0]
	for _, c := range p.queue {
		if c.trk != nil && c.trk.id == p.skipID {
			p.recycle(c)
		} else {
			q = append(q, c)
		}
	}
	clear(p.queue[len(q):])
	p.queue = q
	p.trk = nil
	p.wake()
}

// Remaining returns the samples left in the current track, or -1.
func (p *player) Remaining() int {
	t := p.trk
	if t == nil {
		return -1
	}
	l := int(t.length.Load())
	if l < 0 || (!t.exact.Load() && l < p.pos) {
		return -1
	}
	return max(0, l-p.pos)
}

// seek asks the helper goroutine to continue the current track from d.
func (p *player) seek(d time.Duration) error {
	if d < 0 {
		return errors.New("decode: negative seek position")
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return ErrClosed
	}
	if p.format == nil {
		return errors.New("decode: seek before the source is started")
	}
	p.seekTo = p.format.Samples(d)
	p.seekReq = true
	p.gen++
	p.wake()
	return nil
}

// request wakes the helper goroutine up (a push, a reload).
func (p *player) request() {
	p.mu.Lock()
	p.wake()
	p.mu.Unlock()
}
