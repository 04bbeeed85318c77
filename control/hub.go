package control

import (
	"encoding/json"
	"net"
	"slices"
	"strconv"
	"sync"
	"time"
)

// hub fans events out to subscribers without ever blocking the
// publisher. Go subscribers get Events on a channel; event streams get
// the event's bytes, made once for all of them (see frame).
type hub struct {
	size   int
	mu     sync.Mutex
	subs   map[*sub]struct{}
	closed bool
	wg     sync.WaitGroup // the event streams' writers (serveConn)
}

// sub is one subscriber: ch for a Go subscriber, frames for an event
// stream.
type sub struct {
	ch     chan Event
	frames chan *frame
	conn   net.Conn // a hijacked event stream's connection, or nil
	missed int      // guarded by hub.mu
}

// frame is one or more events as an event stream sends them, made once
// for every stream: sse is "event: TYPE\ndata: JSON\n\n" for each event,
// chunked the same as one HTTP/1.1 chunk, so that a stream sends the
// events published together in one write. Frames are never modified.
type frame struct {
	sse, chunked []byte
}

func newFrame(es ...Event) *frame {
	datas := make([][]byte, len(es))
	n := 0
	for i, e := range es {
		datas[i] = e.wire
		if datas[i] == nil {
			datas[i], _ = json.Marshal(e)
		}
		n += len("event: ") + len(e.Type) + len("\ndata: ") + len(datas[i]) + 2
	}
	size := strconv.FormatInt(int64(n), 16)
	b := make([]byte, 0, len(size)+2+n+2)
	b = append(b, size...)
	b = append(b, "\r\n"...)
	start := len(b)
	for i, e := range es {
		b = append(b, "event: "...)
		b = append(b, e.Type...)
		b = append(b, "\ndata: "...)
		b = append(b, datas[i]...)
		b = append(b, "\n\n"...)
	}
	f := &frame{sse: b[start:], chunked: b}
	f.chunked = append(f.chunked, "\r\n"...)
	return f
}

func newHub(size int) *hub { return &hub{size: size, subs: map[*sub]struct{}{}} }

func (h *hub) subscribe() (<-chan Event, func()) {
	s := &sub{ch: make(chan Event, h.size)}
	if !h.add(s) {
		close(s.ch)
		return s.ch, func() {}
	}
	return s.ch, h.remover(s)
}

// subscribeStream adds an event stream's subscriber. ok is false once
// the hub is closed.
func (h *hub) subscribeStream() (s *sub, cancel func(), ok bool) {
	s = &sub{frames: make(chan *frame, h.size)}
	if !h.add(s) {
		return nil, nil, false
	}
	return s, h.remover(s), true
}

func (h *hub) add(s *sub) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return false
	}
	h.subs[s] = struct{}{}
	return true
}

// remover returns the idempotent function that removes s and closes its
// channel.
func (h *hub) remover(s *sub) func() {
	var once sync.Once
	return func() {
		once.Do(func() {
			h.mu.Lock()
			defer h.mu.Unlock()
			if _, ok := h.subs[s]; ok {
				delete(h.subs, s)
				s.closeCh()
			}
		})
	}
}

func (s *sub) closeCh() {
	if s.ch != nil {
		close(s.ch)
	} else {
		close(s.frames)
	}
}

// setConn records the hijacked connection of an event stream, for close.
func (h *hub) setConn(s *sub, c net.Conn) {
	h.mu.Lock()
	s.conn = c
	h.mu.Unlock()
}

func (h *hub) publish(e Event) { h.publishAll([]Event{e}) }

// publishAll sends events made together: a Go subscriber gets each, an
// event stream gets them in one frame (one write). A subscriber whose
// channel is full misses them (a stream misses the frame), and the next
// event it gets says how many it missed.
func (h *hub) publishAll(es []Event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.subs) == 0 || len(es) == 0 {
		return
	}
	for i := range es {
		es[i].Missed = 0
		es[i].wire, _ = json.Marshal(es[i])
	}
	var shared *frame // made for the first stream that needs it
	for s := range h.subs {
		if s.frames != nil {
			f := shared
			switch {
			case s.missed > 0:
				em := slices.Clone(es)
				em[0].Missed, em[0].wire = s.missed, nil
				f = newFrame(em...)
			case f == nil:
				shared = newFrame(es...)
				f = shared
			}
			select {
			case s.frames <- f:
				s.missed = 0
			default:
				s.missed += len(es)
			}
			continue
		}
		for _, e := range es {
			if s.missed > 0 {
				e.Missed, e.wire = s.missed, nil
			}
			select {
			case s.ch <- e:
				s.missed = 0
			default:
				s.missed++
			}
		}
	}
}

func (h *hub) count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.subs)
}

// close ends every subscription, and waits for the event streams'
// writers: each sends the end of its stream, given a second at most
// before its connection is closed.
func (h *hub) close() {
	h.mu.Lock()
	h.closed = true
	var conns []net.Conn
	for s := range h.subs {
		s.closeCh()
		if s.conn != nil {
			conns = append(conns, s.conn)
		}
		delete(h.subs, s)
	}
	h.mu.Unlock()
	done := make(chan struct{})
	go func() {
		h.wg.Wait()
		close(done)
	}()
	t := time.NewTimer(time.Second)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
		for _, c := range conns {
			_ = c.Close() // ends a write stuck on a client that stopped reading
		}
		<-done
	}
}
