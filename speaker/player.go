package speaker

import (
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/onair-go/onair"
)

// errClosed is returned by a wake-up after Close.
var errClosed = errors.New("speaker: output closed")

// player is the state a speaker's device node (feed) and its output's
// sender share: the device, the queue in front of it, the counters.
type player struct {
	id   string
	src  onair.Source
	opts Options
	log  *slog.Logger

	mu     sync.Mutex // guards the fields below; Close and Stats come from any goroutine
	dev    Device
	q      *queue
	err    error      // the device failure, once failed
	closed bool       // Close was called
	base   queueStats // counters of the queues of earlier wake-ups

	silence  atomic.Int64
	lastWarn atomic.Int64 // unix nanos of the last underrun log

	// Clock goroutine only.
	playing  bool
	frameDur time.Duration
	timer    *time.Timer
	wallT0   time.Time // start of the wall-clock schedule once the device is gone
	wallN    int64     // ticks on that schedule
}

// open opens the device and a fresh queue for the graph format.
func (p *player) open(f *onair.Format) error {
	cfg := DeviceConfig{SampleRate: f.SampleRate, Channels: f.Channels}
	if err := checkConfig(cfg); err != nil {
		return err
	}
	frames := max(1, int((p.opts.Latency+f.FrameDuration-1)/f.FrameDuration))
	dev, err := p.opts.Open(cfg)
	if err != nil {
		return fmt.Errorf("open sound device: %w", err)
	}
	if dev == nil {
		return errors.New("open sound device: Options.Open returned no device")
	}
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		_ = dev.Close()
		return errClosed
	}
	p.dev = dev
	p.q = newQueue(frames*f.FrameSize(), f.Channels, p.underrun)
	p.err = nil
	p.mu.Unlock()
	p.playing = false
	p.frameDur = f.FrameDuration
	p.wallN = 0
	if p.timer == nil {
		p.timer = time.NewTimer(time.Hour)
		p.timer.Stop()
	}
	return nil
}

// release closes the queue and the device. It is idempotent.
func (p *player) release() error {
	p.mu.Lock()
	dev, q := p.dev, p.q
	p.dev, p.q = nil, nil
	if q != nil {
		s := q.stats()
		p.base.written += s.written
		p.base.consumed += s.consumed
		p.base.underruns += s.underruns
	}
	p.mu.Unlock()
	if q != nil {
		q.close()
	}
	if dev != nil {
		return dev.Close()
	}
	return nil
}

func (p *player) close() error {
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
	return p.release()
}

func (p *player) failure() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.err
}

func (p *player) stats() Stats {
	p.mu.Lock()
	s := Stats{Written: p.base.written, Consumed: p.base.consumed, Underruns: p.base.underruns}
	q := p.q
	p.mu.Unlock()
	if q != nil {
		qs := q.stats()
		s.Written += qs.written
		s.Consumed += qs.consumed
		s.Underruns += qs.underruns
		s.Buffered = qs.buffered
	}
	s.Silence = p.silence.Load()
	return s
}

// underrun logs the start of an underrun, at most once a second. It runs
// on the device's goroutine.
func (p *player) underrun(count int64) {
	now := time.Now().UnixNano()
	if last := p.lastWarn.Load(); last != 0 && now-last < int64(time.Second) {
		return
	}
	p.lastWarn.Store(now)
	p.log.Warn("speaker underrun: the sound device found no audio queued and plays silence", "output", p.id, "underruns", count)
}

// fail records the device failure err, releases the device, logs it and
// calls OnError. Only the first failure counts.
func (p *player) fail(err error) {
	p.mu.Lock()
	if p.err != nil || p.closed {
		p.mu.Unlock()
		return
	}
	p.err = err
	p.mu.Unlock()
	if cerr := p.release(); cerr != nil {
		p.log.Error("speaker: closing the failed sound device", "output", p.id, "err", cerr)
	}
	p.log.Error("speaker: sound device failed; the output keeps its clock at real time without playing", "output", p.id, "err", err)
	if p.opts.OnError != nil {
		p.opts.OnError(err)
	}
}

// send queues the frame's audio for the device, waiting for room: this is
// where the device paces the clock. Once the device is gone (failed or
// closed) it keeps the clock at real time instead.
func (p *player) send(f *onair.Frame) {
	p.mu.Lock()
	q, dev := p.q, p.dev
	p.mu.Unlock()
	if q == nil {
		p.keepTime()
		return
	}
	audio, n := f.Audio(), f.Len()
	for off := 0; ; {
		k, ok := q.write(audio, off, n)
		if !ok {
			p.keepTime() // closed while we waited
			return
		}
		off += k
		if !p.playing && q.full() {
			// The prebuffer is there: start the device.
			p.playing = true
			if err := dev.Play(q); err != nil {
				p.fail(fmt.Errorf("start playback: %w", err))
				p.keepTime()
				return
			}
		}
		if off >= n {
			return
		}
		if err := p.wait(q, dev); err != nil {
			p.fail(err)
			p.keepTime()
			return
		}
	}
}

// wait blocks until the device frees room in q or q closes, or returns
// the device's error when it takes nothing for the stall timeout.
func (p *player) wait(q *queue, dev Device) error {
	before := q.stats().consumed
	p.timer.Reset(p.opts.StallTimeout)
	defer p.timer.Stop()
	for {
		select {
		case <-q.room:
			return nil
		case <-p.timer.C:
			if err := dev.Err(); err != nil {
				return err
			}
			if q.stats().consumed != before {
				return nil
			}
			return fmt.Errorf("%w: it took no audio for %v", ErrStalled, p.opts.StallTimeout)
		}
	}
}

// keepTime paces the clock by the wall clock, one frame per call, on an
// absolute schedule that restarts when it falls a second behind.
func (p *player) keepTime() {
	if p.frameDur <= 0 || p.timer == nil {
		return // never opened: Send is not called before wake-up
	}
	now := time.Now()
	if p.wallN == 0 {
		p.wallT0 = now
	}
	p.wallN++
	ahead := p.wallT0.Add(time.Duration(p.wallN) * p.frameDur).Sub(now)
	switch {
	case ahead > 0:
		p.timer.Reset(ahead)
		<-p.timer.C
	case ahead < -time.Second:
		p.wallN = 0
	}
}

// feed is the generator of the speaker's device node: the synchronisation
// source of the clock. It passes the source's audio on and fills what the
// source lacks with silence, so that the device always gets a full frame
// and keeps pacing the clock.
type feed struct{ p *player }

func (g feed) WakeUp(f *onair.Format) error { return g.p.open(f) }

// Ready is always true: the device gets silence when the source is not
// ready.
func (g feed) Ready() bool { return true }

func (g feed) Sleep() {
	if err := g.p.release(); err != nil {
		g.p.log.Error("speaker: closing the sound device", "output", g.p.id, "err", err)
	}
}

func (g feed) Generate(f *onair.Frame) error {
	sn := g.p.src.Node()
	if sn.Ready() {
		in := sn.Peek()
		sn.Consume(f.Append(in, 0, in.Len()))
	}
	if k := f.Free(); k > 0 {
		g.p.silence.Add(int64(f.Extend(k)))
	}
	return nil
}

// sender is the speaker output's [onair.Sender].
type sender struct{ p *player }

func (s sender) Send(f *onair.Frame) error {
	s.p.send(f)
	return nil
}

func (s sender) Close() error { return s.p.close() }
