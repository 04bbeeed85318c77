package decode

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/onair-go/onair"
)

// entry is one media file to play, with metadata that overrides its tags.
type entry struct {
	path string
	meta onair.Metadata
}

type feedStatus int

const (
	feedOK   feedStatus = iota
	feedWait            // nothing to play now: wait for a wake-up or a poll
	feedDone            // nothing to play ever again
)

// feeder supplies entries to a player. Its methods run on the player's
// helper goroutine, where they may do I/O.
type feeder interface {
	// rewind is called each time the player starts (wakes up).
	rewind()
	// next returns the next entry to play.
	next() (entry, feedStatus)
	// poll does periodic work (a playlist's reload check). It reports
	// whether fresh entries may be available and when to poll again (0:
	// never).
	poll() (changed bool, again time.Duration)
}

// playerOptions are the settings shared by every decoding source.
type playerOptions struct {
	id          string
	log         *slog.Logger
	buffer      time.Duration
	synchronous bool
	infallible  bool
	trim        bool // cut the silence at the edges of tracks (TrimSilence)
	maxFail     int  // consecutive failures before waiting for a wake-up; 0: never
	// retryDelay and maxRetryDelay bound the backoff after maxFail
	// failures; a zero retryDelay waits for a request or a poll only.
	retryDelay, maxRetryDelay time.Duration
	onFail                    func(path string, err error)
	video                     *videoOptions // video decoding (graphs with video); nil: defaults
	// prepare adds metadata to each entry before it is opened (helper
	// goroutine); ctx is cancelled when the player goes to sleep.
	prepare func(ctx context.Context, path string) onair.Metadata
}

// chunk is a piece of decoded audio of one track.
type chunk struct {
	data [][]float32 // planar, capacity chunkSize
	n    int
	mark bool           // a track starts at this chunk
	meta onair.Metadata // the track's metadata, with mark
	pos  int            // track position of the first sample
	trk  *track
	gen  uint64          // seek generation
	eof  bool            // end of stream
	pics []onair.Picture // pictures (graphs with video), Pos relative to the chunk
}

// track is what the consumer knows about a track being played.
type track struct {
	id     uint64
	length atomic.Int64 // samples; -1 unknown
	exact  atomic.Bool  // length is exact (decoding reached the end)
}

type producerState int

const (
	stateStopped producerState = iota
	stateWork
	stateWaitFree
	stateWaitEvent
)

// player is the engine behind every decoding source: a helper goroutine
// (started on WakeUp, stopped on Sleep and Close) decodes entries from a
// feeder into a bounded buffer of chunks, and Generate, on the clock
// goroutine, only takes ready chunks. It implements onair.Generator,
// Readier, Remainer, Skipper, Waker and Sleeper.
type player struct {
	opts playerOptions
	feed feeder

	mu       sync.Mutex
	cond     *sync.Cond
	queue    []*chunk // ready, in order
	free     []*chunk
	state    producerState
	stop     bool
	closed   bool
	wakeSeq  uint64 // bumped by every request
	gen      uint64 // seek generation
	seekReq  bool
	seekTo   int
	skipID   uint64 // track the consumer skipped
	format   *onair.Format
	chunkLen int
	wg       sync.WaitGroup
	cancel   context.CancelFunc // cancels the helper's context (prepare)

	// Consumer state (clock goroutine).
	cur      *chunk
	off      int
	pos      int
	trk      *track
	underrun bool
	late     bool         // a wait for the helper ran out and no data came since
	lateNew  bool         // late was just set: to be logged
	onStart  func()       // called on the clock goroutine when a track starts
	vid      *playerVideo // graphs with video
}

func newPlayer(feed feeder, o playerOptions) *player {
	if o.log == nil {
		o.log = slog.New(slog.DiscardHandler)
	}
	if o.buffer <= 0 {
		o.buffer = time.Second
	}
	if o.video == nil {
		o.video = &videoOptions{}
	}
	if o.video.log == nil {
		o.video.id, o.video.log = o.id, o.log
	}
	p := &player{opts: o, feed: feed}
	p.cond = sync.NewCond(&p.mu)
	return p
}

// WakeUp allocates the buffer and starts the helper goroutine.
func (p *player) WakeUp(f *onair.Format) error {
	if f.Channels < 1 {
		return errors.New("decode: the graph format has no audio")
	}
	if _, err := channelLayout(f.Channels); err != nil {
		return err
	}
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return ErrClosed
	}
	if p.format == nil || p.format.Channels != f.Channels || p.chunkLen != f.FrameSize() {
		p.alloc(f)
	}
	p.format = f
	p.vid = newPlayerVideo(f, p.vid)
	p.stop = false
	p.state = stateWork
	ctx, cancel := context.WithCancel(context.Background())
	p.cancel = cancel
	p.mu.Unlock()
	p.wg.Add(1)
	go p.run(ctx)
	if p.opts.synchronous || p.opts.infallible {
		// The first tick must find data: wait until the buffer is full or
		// the helper can do no more.
		p.mu.Lock()
		p.waitIdle()
		p.mu.Unlock()
	}
	return nil
}

func (p *player) alloc(f *onair.Format) {
	p.chunkLen = f.FrameSize()
	n := max(2, int((p.opts.buffer+f.FrameDuration-1)/f.FrameDuration))
	p.queue = p.queue[:0]
	p.free = make([]*chunk, 0, n)
	for range n {
		c := &chunk{data: make([][]float32, f.Channels)}
		for ch := range c.data {
			c.data[ch] = make([]float32, p.chunkLen)
		}
		p.free = append(p.free, c)
	}
}

// Sleep stops the helper goroutine, waits for it and empties the buffer.
func (p *player) Sleep() {
	p.mu.Lock()
	p.stop = true
	if p.cancel != nil {
		p.cancel()
	}
	p.cond.Broadcast()
	p.mu.Unlock()
	p.wg.Wait()
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cur != nil {
		p.queue = append(p.queue, p.cur)
		p.cur = nil
	}
	p.free = append(p.free, p.queue...)
	p.queue = p.queue[:0]
	p.state = stateStopped
	p.trk = nil
}

// close stops the player for good. It is idempotent.
func (p *player) close() error {
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
	p.Sleep()
	return nil
}

// waitIdle waits (p.mu held) until the helper goroutine has nothing to
// do: the buffer is full, or it waits for an event, or it stopped.
func (p *player) waitIdle() {
	for p.state == stateWork && !p.stop {
		p.cond.Wait()
	}
}

// wake tells the helper goroutine that a request arrived (p.mu held).
func (p *player) wake() {
	p.wakeSeq++
	if p.state == stateWaitEvent || p.state == stateWaitFree {
		p.state = stateWork
	}
	p.cond.Broadcast()
}

// Ready reports whether decoded data is buffered (always true for an
// infallible source, which plays silence on underrun).
func (p *player) Ready() bool {
	if p.opts.infallible {
		return true
	}
	p.mu.Lock()
	if p.opts.synchronous {
		p.waitIdle()
	} else {
		var deadline time.Time
		p.waitData(&deadline)
	}
	ready := p.cur != nil || len(p.queue) > 0
	late := p.takeLate()
	p.mu.Unlock()
	p.logLate(late)
	return ready
}

// catchUpWait bounds how long Ready and Generate wait for the helper
// goroutine when the buffer is empty while it is decoding.
const catchUpWait = 250 * time.Millisecond

// waitData waits (p.mu held) while the buffer is empty and the helper
// goroutine is decoding, until *deadline at most; a zero *deadline is set
// to catchUpWait from now on the first wait, so that the usual call, with
// data buffered, does not read the clock. A consumer that reads faster
// than real time (a free-running clock, a crossfade's lookahead) would
// otherwise find the source unready in the middle of a track, and a
// fallback would switch away from it. The helper only decodes there: the
// wait is the time to decode a frame, and the bound keeps a stalled disk
// from holding the clock. It reports whether data is buffered.
func (p *player) waitData(deadline *time.Time) bool {
	if p.cur != nil || len(p.queue) > 0 {
		p.late = false
		return true
	}
	if p.state != stateWork || p.stop {
		return false
	}
	if deadline.IsZero() {
		*deadline = time.Now().Add(catchUpWait)
	}
	d := time.Until(*deadline)
	if d <= 0 {
		return false
	}
	expired := false
	t := time.AfterFunc(d, func() {
		p.mu.Lock()
		expired = true
		p.cond.Broadcast()
		p.mu.Unlock()
	})
	for !expired && len(p.queue) == 0 && p.state == stateWork && !p.stop {
		p.cond.Wait()
	}
	t.Stop()
	if len(p.queue) > 0 {
		p.late = false
		return true
	}
	if expired && !p.late {
		p.late, p.lateNew = true, true
	}
	return false
}

// Generate copies buffered audio into f. When the buffer runs empty while
// the helper goroutine is decoding, it waits for it (see waitData).
func (p *player) Generate(f *onair.Frame) error {
	p.mu.Lock()
	if p.opts.synchronous {
		p.waitIdle()
	}
	var deadline time.Time
	if p.cur != nil && (p.cur.gen != p.gen || p.cur.trk.id == p.skipID) {
		p.recycle(p.cur)
		p.cur = nil
	}
	for f.Free() > 0 {
		if p.cur == nil {
			c := p.pop()
			if c == nil {
				if !p.opts.synchronous && p.waitData(&deadline) {
					continue
				}
				break
			}
			if c.eof {
				p.recycle(c)
				p.mu.Unlock()
				f.AddMark(f.Len())
				return io.EOF
			}
			p.cur, p.off = c, 0
			if c.mark {
				if p.onStart != nil {
					p.onStart()
				}
				f.AddMark(f.Len())
				if c.meta != nil {
					f.AddMetadata(f.Len(), c.meta)
				}
			}
			p.trk, p.pos = c.trk, c.pos
		}
		c := p.cur
		k := min(f.Free(), c.n-p.off)
		at := f.Len()
		f.Extend(k)
		for ch, dst := range f.Audio() {
			if ch < len(c.data) {
				copy(dst[at:at+k], c.data[ch][p.off:p.off+k])
			}
		}
		if p.vid != nil {
			p.vid.segment(f, c.pics, p.off, at, k)
		}
		p.off += k
		p.pos += k
		if p.off == c.n {
			p.recycle(c)
			p.cur = nil
		}
	}
	late := p.takeLate()
	p.mu.Unlock()
	p.logLate(late)
	if p.opts.infallible && f.Free() > 0 {
		if !p.underrun {
			p.opts.log.Warn("decoder underrun: playing silence", "source", p.opts.id)
		}
		p.underrun = true
		at, k := f.Len(), f.Free()
		f.Extend(k)
		if p.vid != nil {
			p.vid.segment(f, nil, 0, at, k)
		}
	} else {
		p.underrun = false
	}
	return nil
}

// takeLate reports whether a wait for the helper ran out since the last
// call, starting an episode of lateness (p.mu held).
func (p *player) takeLate() bool {
	l := p.lateNew
	p.lateNew = false
	return l
}

// logLate logs the start of an episode of lateness: the helper goroutine
// was decoding but did not deliver within catchUpWait (a slow disk, an
// overloaded machine), so the source was unready or its frame short.
func (p *player) logLate(late bool) {
	if late {
		p.opts.log.Warn("decoder late: the source is short of data", "source", p.opts.id, "waited", catchUpWait)
	}
}

// pop takes the next current chunk off the queue, dropping stale ones
// (p.mu held).
func (p *player) pop() *chunk {
	for len(p.queue) > 0 {
		c := p.queue[0]
		copy(p.queue, p.queue[1:])
		p.queue = p.queue[:len(p.queue)-1]
		if c.gen != p.gen || (c.trk != nil && c.trk.id == p.skipID) {
			p.recycle(c)
			continue
		}
		return c
	}
	return nil
}

// recycle returns a chunk to the free list (p.mu held).
func (p *player) recycle(c *chunk) {
	c.meta, c.trk, c.mark, c.eof, c.n = nil, nil, false, false, 0
	clear(c.pics)
	c.pics = c.pics[:0]
	p.free = append(p.free, c)
	if p.state == stateWaitFree {
		p.state = stateWork
		p.cond.Broadcast()
	}
}
