package decode

import (
	"errors"
	"time"

	"github.com/onair-go/onair"
)

// liveGen is the generator of a LiveSource's node (a separate type, so
// that its methods stay out of LiveSource's API).
type liveGen LiveSource

// WakeUp allocates the buffer for the graph format.
func (g *liveGen) WakeUp(f *onair.Format) error {
	s := (*LiveSource)(g)
	if f.Channels < 1 {
		return errors.New("decode: the graph format has no audio")
	}
	if _, err := channelLayout(f.Channels); err != nil {
		return err
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return ErrClosed
	}
	s.format = f
	s.prebuf = max(1, f.Samples(s.opts.Prebuffer))
	s.maxLen = max(s.prebuf+f.FrameSize(), f.Samples(s.opts.MaxBuffer))
	s.ring.reserve(f.Channels, s.maxLen, f.Samples(5*time.Millisecond))
	s.dst = make([][]float32, f.Channels)
	s.awake = true
	s.buffering, s.underrun = true, false
	s.notify()
	s.mu.Unlock()
	if s.onWake != nil {
		s.onWake()
	}
	return nil
}

// Sleep ends the stream being played (its Play returns an error wrapping
// ErrInactive) and empties the buffer.
func (g *liveGen) Sleep() {
	s := (*LiveSource)(g)
	if s.onSleep != nil {
		s.onSleep()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.awake = false
	if s.sess != nil {
		s.sess.cancel(errAsleep)
		s.sess = nil
	}
	s.ring.reset()
	s.buffering = true
	s.notify()
}

// Ready reports whether buffered audio can be played: the prebuffer is
// reached, or a stream ended and its audio drains. A buffer found empty
// while a stream is connected is an underrun.
func (g *liveGen) Ready() bool {
	s := (*LiveSource)(g)
	s.mu.Lock()
	if !s.awake {
		s.mu.Unlock()
		return false
	}
	r := &s.ring
	if s.buffering && (r.len() >= s.prebuf || r.hasEnd()) {
		s.buffering, s.underrun = false, false
		s.notify()
	}
	under := false
	if !s.buffering && r.len() == 0 && len(r.marks) == 0 {
		under = s.startUnderrunLocked()
	}
	ready := !s.buffering
	buffered := s.bufferedLocked()
	s.mu.Unlock()
	if under {
		s.logUnderrun(buffered)
	}
	return ready
}

// startUnderrunLocked makes the source wait for its prebuffer after its
// buffer ran empty; it reports whether that starts an underrun episode
// (a stream is connected and it was not in one), to be logged (s.mu held).
func (s *LiveSource) startUnderrunLocked() bool {
	s.buffering = true
	s.notify()
	if s.sess == nil || s.underrun {
		return false
	}
	s.underrun = true
	s.stats.Underruns++
	return true
}

func (s *LiveSource) logUnderrun(buffered time.Duration) {
	s.log.Warn("live stream underrun: waiting for the prebuffer", "source", s.opts.ID,
		"prebuffer", s.opts.Prebuffer, "buffered", buffered)
}

// Generate copies buffered audio, track marks and metadata into f. It
// never waits for the decoder.
func (g *liveGen) Generate(f *onair.Frame) error {
	s := (*LiveSource)(g)
	s.mu.Lock()
	under := s.generateLocked(f)
	buffered := s.bufferedLocked()
	s.mu.Unlock()
	if under {
		s.logUnderrun(buffered)
	}
	return nil
}

// generateLocked does Generate's work (s.mu held). It reports whether an
// underrun episode started.
func (s *LiveSource) generateLocked(f *onair.Frame) (underrun bool) {
	r := &s.ring
	for f.Free() > 0 && !s.buffering {
		if len(r.marks) > 0 && r.marks[0].pos == r.head {
			m := r.marks[0]
			r.marks = append(r.marks[:0], r.marks[1:]...)
			f.AddMark(f.Len())
			if m.end {
				// The stream ended here: what follows belongs to the next
				// one, which plays once prebuffered.
				s.buffering = true
			}
		}
		for len(r.meta) > 0 && r.meta[0].pos == r.head {
			f.AddMetadata(f.Len(), r.meta[0].m)
			r.meta[0].m = nil
			r.meta = append(r.meta[:0], r.meta[1:]...)
		}
		if s.buffering {
			break
		}
		k := min(f.Free(), int(r.nextEvent()-r.head))
		if k <= 0 {
			if r.len() == 0 {
				underrun = s.startUnderrunLocked()
			}
			break
		}
		at := f.Len()
		f.Extend(k)
		for c, a := range f.Audio() {
			s.dst[c] = a[at:]
		}
		r.read(s.dst, k)
	}
	clear(s.dst)
	s.notify()
	return underrun
}

var (
	_ onair.Generator = (*liveGen)(nil)
	_ onair.Readier   = (*liveGen)(nil)
	_ onair.Waker     = (*liveGen)(nil)
	_ onair.Sleeper   = (*liveGen)(nil)
)
