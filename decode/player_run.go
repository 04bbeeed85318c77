package decode

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"time"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/fault"
)

// run is the helper goroutine: it opens entries and decodes them into the
// buffer until Sleep.
func (p *player) run(ctx context.Context) {
	defer p.wg.Done()
	r := &runner{p: p}
	defer r.closeLast()
	p.feed.rewind()
	r.nextPoll = time.Now()
	for {
		if !r.poll() {
			return
		}
		if p.opts.maxFail > 0 && r.fails >= p.opts.maxFail {
			if !r.wait() {
				return
			}
			continue
		}
		e, st := p.feed.next()
		switch st {
		case feedWait:
			if !r.wait() {
				return
			}
			continue
		case feedDone:
			if !r.finish() {
				return
			}
			continue
		}
		r.closeLast()
		if p.opts.prepare != nil {
			e.meta = prepared(ctx, p.opts.prepare, e)
		}
		d, err := openDecoderWith(e.path, p.format, e.meta, p.opts.video)
		if err != nil {
			r.failed(e, err)
			continue
		}
		if p.opts.trim {
			d.trimSilence()
		}
		r.last, r.lastEntry = d, e
		r.trackID++
		t := &track{id: r.trackID}
		t.length.Store(d.length)
		produced, err, ok := r.play(d, t, d.metadata())
		if !ok {
			return
		}
		switch {
		case !produced && err == nil:
			r.failed(e, &PathError{Op: "decode", Path: e.path, Err: ErrEmpty})
		case !produced:
			r.failed(e, err)
		case err != nil:
			p.opts.log.Error("decoding stopped early", "source", p.opts.id, "path", e.path, "err", err)
		}
	}
}

// prepared returns e's metadata added to what prepare gives for its path;
// the entry's own metadata (playlist annotations) wins.
func prepared(ctx context.Context, prepare func(context.Context, string) onair.Metadata, e entry) onair.Metadata {
	m := prepare(ctx, e.path)
	if m == nil {
		return e.meta
	}
	m = maps.Clone(m)
	maps.Copy(m, e.meta)
	return m
}

// runner is the helper goroutine's state.
type runner struct {
	p         *player
	fails     int
	trackID   uint64
	gen       uint64
	last      *decoder // kept open after the end, for a seek
	lastTrack *track
	lastEntry entry
	nextPoll  time.Time
	pollEvery time.Duration
	eofSent   bool
	// retryAt is when a source that gave up after maxFail failures tries
	// again by itself (zero: not given up); retryIn is the delay it waited
	// last, doubled at each round that fails again, reset when audio
	// plays.
	retryAt time.Time
	retryIn time.Duration
}

func (r *runner) closeLast() {
	if r.last != nil {
		r.last.close()
		r.last = nil
	}
}

// failed reports a bad entry.
func (r *runner) failed(e entry, err error) {
	p := r.p
	r.closeLast()
	r.fails++
	p.opts.log.Error("cannot play entry: skipped", fault.FileSkipped.Attr(), fault.KeySource, p.opts.id, fault.KeyPath, e.path, fault.KeyErr, err)
	if p.opts.onFail != nil {
		p.opts.onFail(e.path, err)
	}
	if p.opts.maxFail > 0 && r.fails == p.opts.maxFail {
		r.giveUp(err)
	}
}

// giveUp pauses a source whose last maxFail entries all failed, until a
// request, a poll that finds changes, or the retry delay: the retry
// delay starts at retryDelay and doubles with each round that fails
// again, up to maxRetryDelay. A server or NAS that comes back is the
// normal case, so a source never gives up for good.
func (r *runner) giveUp(last error) {
	o := &r.p.opts
	if o.retryDelay <= 0 {
		r.retryAt = time.Time{}
		o.log.Error("giving up until the next reload", "source", o.id, "failures", r.fails,
			"err", fmt.Errorf("%w: last: %w", ErrTooManyFailures, last))
		return
	}
	switch {
	case r.retryIn <= 0:
		r.retryIn = o.retryDelay
	default:
		r.retryIn = min(2*r.retryIn, max(o.maxRetryDelay, o.retryDelay))
	}
	r.retryAt = time.Now().Add(r.retryIn)
	o.log.Error("every entry failed: trying again later", "source", o.id, "failures", r.fails, "in", r.retryIn,
		"err", fmt.Errorf("%w: last: %w", ErrTooManyFailures, last))
}

// poll runs the feeder's periodic work when due. It returns false when
// the player is stopping.
func (r *runner) poll() bool {
	p := r.p
	p.mu.Lock()
	stop := p.stop
	p.mu.Unlock()
	if stop {
		return false
	}
	if r.nextPoll.IsZero() || time.Now().Before(r.nextPoll) {
		return true
	}
	changed, again := p.feed.poll()
	r.pollEvery = again
	r.nextPoll = time.Time{}
	if again > 0 {
		r.nextPoll = time.Now().Add(again)
	}
	if changed {
		r.fails = 0
	}
	return true
}

// wait waits for a request or the next poll. It returns false when the
// player is stopping. A request resets the failure count.
func (r *runner) wait() bool {
	p := r.p
	var timer *time.Timer
	p.mu.Lock()
	defer p.mu.Unlock()
	seq := p.wakeSeq
	timedOut := false
	deadline := r.nextPoll
	if r.givenUp() && !r.retryAt.IsZero() && (deadline.IsZero() || r.retryAt.Before(deadline)) {
		deadline = r.retryAt
	}
	if !deadline.IsZero() {
		d := time.Until(deadline)
		if d <= 0 {
			r.retryDue()
			return !p.stop
		}
		timer = time.AfterFunc(d, func() {
			p.mu.Lock()
			timedOut = true
			p.wake()
			p.mu.Unlock()
		})
		defer timer.Stop()
	}
	for !p.stop && p.wakeSeq == seq {
		p.state = stateWaitEvent
		p.cond.Broadcast()
		p.cond.Wait()
	}
	p.state = stateWork
	if !timedOut {
		r.fails = 0
	}
	r.retryDue()
	return !p.stop
}

// givenUp reports whether the source stopped trying after maxFail
// consecutive failures.
func (r *runner) givenUp() bool {
	return r.p.opts.maxFail > 0 && r.fails >= r.p.opts.maxFail
}

// retryDue starts a new series of attempts when the retry delay of a
// source that gave up has passed.
func (r *runner) retryDue() {
	if r.retryAt.IsZero() || time.Now().Before(r.retryAt) {
		return
	}
	r.retryAt = time.Time{}
	if r.givenUp() {
		r.p.opts.log.Info("trying again", "source", r.p.opts.id, "after", r.retryIn)
		r.fails = 0
	}
}

// finish sends the end of the stream once, then waits for a seek into the
// last track (or Sleep).
func (r *runner) finish() bool {
	p := r.p
	if !r.eofSent {
		c := r.getChunk()
		if c == nil {
			return false
		}
		p.mu.Lock()
		c.eof = true
		c.gen = r.gen
		p.queue = append(p.queue, c)
		p.cond.Broadcast()
		p.mu.Unlock()
		r.eofSent = true
	}
	if !r.wait() {
		return false
	}
	if r.last != nil && r.seekPending() {
		r.eofSent = false
		_, _, ok := r.play(r.last, r.lastTrack, nil)
		return ok
	}
	return true
}

func (r *runner) seekPending() bool {
	r.p.mu.Lock()
	defer r.p.mu.Unlock()
	return r.p.seekReq
}

// getChunk waits for a free chunk. It returns nil when the player is
// stopping or a request (seek, skip) is pending.
func (r *runner) getChunk() *chunk {
	p := r.p
	p.mu.Lock()
	defer p.mu.Unlock()
	for !p.stop {
		if len(p.free) > 0 {
			c := p.free[len(p.free)-1]
			p.free = p.free[:len(p.free)-1]
			p.state = stateWork
			return c
		}
		if p.seekReq || (r.lastTrack != nil && p.skipID == r.lastTrack.id) {
			return nil
		}
		p.state = stateWaitFree
		p.cond.Broadcast()
		p.cond.Wait()
	}
	return nil
}

// play decodes one track into the buffer. It reports whether any audio
// was produced, the decoding error that ended the track early, and false
// when the player is stopping.
func (r *runner) play(d *decoder, t *track, meta map[string]string) (produced bool, err error, ok bool) {
	p := r.p
	r.lastTrack = t
	first := meta != nil
	for {
		// Requests first.
		p.mu.Lock()
		stop, skip := p.stop, p.skipID == t.id
		seek, to, gen := p.seekReq, p.seekTo, p.gen
		p.seekReq = false
		p.mu.Unlock()
		if stop {
			return produced, nil, false
		}
		if skip {
			return true, nil, true
		}
		if seek {
			r.gen = gen
			if err := d.seek(int64(to)); err != nil {
				return produced, err, true
			}
			t.exact.Store(false)
		}
		c := r.getChunk()
		if c == nil {
			p.mu.Lock()
			stop := p.stop
			p.mu.Unlock()
			if stop {
				return produced, nil, false
			}
			continue // a request is pending
		}
		pos := int(d.position())
		n, rerr := d.read(c.data)
		if n > 0 && d.rewritten() {
			// What was just read may be the new bytes: drop it and end
			// the track here (the crossfade covers the junction).
			p.mu.Lock()
			p.recycle(c)
			p.mu.Unlock()
			t.length.Store(int64(pos))
			t.exact.Store(true)
			return produced, &PathError{Op: "read", Path: d.path, Err: ErrRewritten}, true
		}
		c.n, c.pos, c.trk, c.gen = n, pos, t, r.gen
		c.pics = d.pictures(c.pics, n)
		if n > 0 && first {
			c.mark, c.meta = true, meta
			first = false
			if d.trim != nil && d.length >= 0 && rerr == nil {
				t.length.Store(max(0, d.length-d.trim.leadCut)) // the leading silence is known now
			}
		}
		p.mu.Lock()
		if n > 0 {
			p.queue = append(p.queue, c)
			p.cond.Broadcast()
			produced = true
			r.fails, r.retryIn = 0, 0
		} else {
			p.recycle(c)
		}
		p.mu.Unlock()
		if rerr != nil {
			t.length.Store(d.position())
			t.exact.Store(true)
			if errors.Is(rerr, io.EOF) {
				return produced, nil, true
			}
			return produced, rerr, true
		}
	}
}
