package whep

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"sync"
	"time"

	"github.com/onair-go/onair"
	"github.com/pion/rtp"
)

// Mount is one WHEP stream of a Server: the Opus track of a graph source,
// packetized once into RTP and sent to every listener. It is a graph
// output: add it to the graph that runs the source. Make it with
// [Server.Mount].
//
// The clock goroutine only puts each tick's packets into the listeners'
// bounded queues and never waits for a listener. When the graph closes the
// mount, its listeners are disconnected with [ErrEnded] and new offers get
// 404. The methods of Mount are safe from any goroutine.
type Mount struct {
	srv  *Server
	opts MountOptions
	path string
	log  *slog.Logger
	out  *onair.Output

	// Clock goroutine only.
	seq      uint16
	ts       uint32
	marker   bool   // the next packet starts a talkspurt (after a gap)
	badCodec uint64 // the stream ID last reported as not Opus
	payload  []byte // this tick's payloads, one allocation per tick
	pacing   bool   // the pacer goroutine was started

	pace     chan item     // from the clock to the pacer
	paceStop chan struct{} // closed by Close
	stopOnce sync.Once

	mu        sync.Mutex // guards the fields below
	listeners map[string]*listener
	active    []*listener // connected listeners, fed by the clock
	meta      []byte      // the current metadata, as JSON
	ended     bool
	peak      int
	sessions  uint64
	dropped   uint64
	packets   uint64
}

var _ onair.Sender = (*Mount)(nil)

// item is one entry of a listener's queue: a packet or a metadata update.
type item struct {
	pkt  *rtp.Packet
	meta []byte
}

func randomStart() (uint16, uint32) {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return binary.BigEndian.Uint16(b[:2]), binary.BigEndian.Uint32(b[2:])
}

// Node returns the mount's graph node: add the mount to the graph with
// [onair.Graph.Add].
func (m *Mount) Node() *onair.Node { return m.out.Node() }

// Path returns the mount's URL path.
func (m *Mount) Path() string { return m.path }

// Stats returns the mount's counters.
func (m *Mount) Stats() MountStats {
	m.mu.Lock()
	defer m.mu.Unlock()
	return MountStats{Listeners: len(m.listeners), Peak: m.peak, Sessions: m.sessions,
		Dropped: m.dropped, Packets: m.packets, Ended: m.ended}
}

// Listeners returns the mount's listeners now, in no particular order.
func (m *Mount) Listeners() []ListenerInfo {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]ListenerInfo, 0, len(m.listeners))
	for _, l := range m.listeners {
		out = append(out, l.info())
	}
	return out
}

// Send packetizes the frame's Opus packets and queues them for every
// connected listener. It runs on the clock goroutine and never blocks.
func (m *Mount) Send(f *onair.Frame) error {
	for _, md := range f.Metadata() {
		m.metadata(md.Metadata)
	}
	tr := m.track(f)
	if tr == nil || len(tr.Packets) == 0 {
		return nil
	}
	if tr.Stream == nil || tr.Stream.Codec != "opus" {
		codec, id := "unknown", uint64(0)
		if tr.Stream != nil {
			codec, id = tr.Stream.Codec, tr.Stream.ID
		}
		if id == m.badCodec && id != 0 {
			return nil // reported once per stream
		}
		m.badCodec = id
		return fmt.Errorf("%w: track %q carries %s (encode it with codec libopus)", ErrCodec, tr.Name, codec)
	}
	n := 0
	for _, p := range tr.Packets {
		n += len(p.Data)
	}
	m.payload = make([]byte, 0, n) // shared by every listener; never reused
	for _, p := range tr.Packets {
		start := len(m.payload)
		m.payload = append(m.payload, p.Data...)
		pkt := &rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 111, Marker: m.marker,
			SequenceNumber: m.seq, Timestamp: m.ts}, Payload: m.payload[start:len(m.payload):len(m.payload)]}
		m.marker = false
		m.seq++
		m.ts += duration48k(p, tr.Stream)
		m.send(item{pkt: pkt})
	}
	return nil
}

// paceQueue is the pacer's queue, in items (5 s of 20 ms packets).
const paceQueue = 256

// send hands it to the pacer, or to the listeners at once without pacing.
// It runs on the clock goroutine and never blocks.
func (m *Mount) send(it item) {
	if m.opts.NoPacing {
		m.broadcast(it)
		return
	}
	if !m.pacing {
		m.pacing = true
		m.srv.wg.Add(1)
		go m.pacer()
	}
	select {
	case m.pace <- it:
	default:
		m.log.Warn("whep: pacer queue full, packet dropped")
	}
}

// pacer hands packets to the listeners at the pace of their timestamps.
// A real-time clock runs ticks in batches (up to its Latency ahead of the
// wall clock): sent as they come, packets would reach listeners in bursts,
// and their jitter buffers would grow to absorb them.
func (m *Mount) pacer() {
	defer m.srv.wg.Done()
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	var base time.Time // when the packet of timestamp ts0 was due
	var ts0 uint32
	for {
		var it item
		select {
		case it = <-m.pace:
		case <-m.paceStop:
			return
		case <-m.srv.done:
			return
		}
		if it.pkt != nil {
			now := time.Now()
			due := base.Add(time.Duration(int64(it.pkt.Timestamp-ts0)) * time.Second / 48000)
			switch early := due.Sub(now); {
			case base.IsZero() || early < -maxLate || early > maxEarly:
				base, ts0 = now, it.pkt.Timestamp // (re)start: send now
			case early > 0:
				timer.Reset(early)
				select {
				case <-timer.C:
				case <-m.paceStop:
					return
				case <-m.srv.done:
					return
				}
			}
		}
		m.broadcast(it)
	}
}

// A packet later than maxLate (the source was unready, or the clock lagged)
// or earlier than maxEarly restarts the pacer's schedule.
const (
	maxLate  = 60 * time.Millisecond
	maxEarly = 2 * time.Second
)

// duration48k is p's duration in RTP units (48 kHz for Opus).
func duration48k(p onair.Packet, st *onair.StreamInfo) uint32 {
	tb := st.TimeBase
	if p.Duration <= 0 || tb.Num <= 0 || tb.Den <= 0 {
		return 960
	}
	return uint32(p.Duration * 48000 * int64(tb.Num) / int64(tb.Den))
}

// Stop is called when the output stops (its source became unready): the
// next packet starts a new talkspurt.
func (m *Mount) Stop() error {
	m.marker = true
	return nil
}

// Close ends the mount when the graph closes: its listeners are
// disconnected with [ErrEnded] and later offers get 404.
func (m *Mount) Close() error {
	m.stopOnce.Do(func() { close(m.paceStop) })
	m.mu.Lock()
	m.ended = true
	m.mu.Unlock()
	m.stopAll(ErrEnded)
	return nil
}

func (m *Mount) track(f *onair.Frame) *onair.Track {
	if m.opts.Track != "" {
		return f.Track(m.opts.Track)
	}
	for _, t := range f.Tracks() {
		if t.Kind == onair.PacketTrack {
			return f.Track(t.Name)
		}
	}
	return nil
}

func (m *Mount) metadata(md onair.Metadata) {
	if m.opts.OnMetadata != nil {
		m.opts.OnMetadata(md)
	}
	b, err := json.Marshal(maps.Clone(md))
	if err != nil {
		return
	}
	m.mu.Lock()
	m.meta = b
	m.mu.Unlock()
	m.send(item{meta: b})
}

// broadcast queues it for every connected listener; a listener whose queue
// is full is dropped.
func (m *Mount) broadcast(it item) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if it.pkt != nil {
		m.packets++
	}
	kept := m.active[:0]
	for _, l := range m.active {
		select {
		case l.q <- it:
			kept = append(kept, l)
		default:
			m.dropped++
			l.stop(ErrSlowListener)
		}
	}
	clear(m.active[len(kept):])
	m.active = kept
}

// stopAll disconnects every listener with err.
func (m *Mount) stopAll(err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, l := range m.listeners {
		l.stop(err)
	}
	m.active = m.active[:0]
}

// activate starts feeding a listener whose peer connection is up.
func (m *Mount) activate(l *listener) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.listeners[l.id] == l && !l.stopped() {
		m.active = append(m.active, l)
	}
}

// remove forgets a listener that has stopped.
func (m *Mount) remove(l *listener) {
	m.mu.Lock()
	delete(m.listeners, l.id)
	for i, a := range m.active {
		if a == l {
			m.active = append(m.active[:i], m.active[i+1:]...)
			break
		}
	}
	m.mu.Unlock()
	m.srv.release()
}
