package mux

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/asticode/go-astiav"
	"github.com/onair-go/onair"
	"github.com/onair-go/onair/internal/avmux"
)

// sender is the onair.Sender shared by the file and writer outputs: it maps
// the selected tracks to output streams, rebases timestamps, and closes and
// opens containers at cut positions.
type sender struct {
	opts resolved
	out  *onair.Output // for the clock

	// open starts a new container for data at stream time at; name is what
	// OnClose and Name report (a path, or "" for a writer).
	open func(at time.Duration) (m *avmux.Muxer, name string, err error)
	// cuts appends the positions of f where a new container must start
	// (time template, metadata), f starting at stream time start.
	cuts    func(f *onair.Frame, start time.Duration, dst []int) []int
	onClose func(name string)

	reopen atomic.Bool
	// flush, when set, pushes FFmpeg's buffered bytes to the writer at the
	// end of each frame and before each OnMetadata call (writer outputs).
	flush bool
	// reopenMeta, when set with reopen, replaces the container metadata of
	// the next container (guarded by reopenMu).
	reopenMu   sync.Mutex
	reopenMeta map[string]string
	hasMeta    bool

	streams  []*outStream
	ready    bool // streams resolved
	warned   bool // missing-track warning logged
	tracks   []*onair.Track
	idx      []int
	cutBuf   []int
	hasVideo bool

	m       *avmux.Muxer
	name    string
	nameMu  sync.Mutex // guards name for Name()
	pending bool       // a cut passed: next suitable packet starts a new container
	origin  int64      // continuous DTS of the container's first packet...
	originT astiav.Rational
	hasOrig bool
	closed  bool
}

// outStream is one copied track.
type outStream struct {
	name    string
	info    *onair.StreamInfo
	tb      onair.Rational
	video   bool
	shift   int64 // added to the encoder's timestamps: continuous timeline
	next    int64 // continuous end of the last packet written
	hasNext bool
	last    int64 // last DTS written to the current container
	hasLast bool
	keyed   bool  // a video keyframe was written to the current container
	frame   int64 // duration of one codec frame in tb (audio), 0 if unknown
}

// newOutStream returns the state of a copied track with stream info.
func newOutStream(name string, info *onair.StreamInfo) *outStream {
	st := &outStream{name: name}
	st.setInfo(info)
	return st
}

func (st *outStream) setInfo(info *onair.StreamInfo) {
	st.info, st.tb = info, info.TimeBase
	st.video = info.MediaType == onair.VideoTrack
	st.frame = 0
	if cp, ok := info.Params.(*astiav.CodecParameters); ok && cp != nil && cp.FrameSize() > 0 && info.SampleRate > 0 {
		st.frame = astiav.RescaleQ(int64(cp.FrameSize()), astiav.NewRational(1, info.SampleRate), rat(info.TimeBase))
	}
}

func newSender(opts resolved) *sender { return &sender{opts: opts} }

// streamTime returns the stream time of the clock's current tick.
func (s *sender) streamTime(f *onair.Frame) time.Duration {
	if s.out == nil || s.out.Node().Clock() == nil || f.Format() == nil {
		return 0
	}
	t := s.out.Node().Clock().Ticks()
	if t == 0 {
		return 0
	}
	return time.Duration(t-1) * f.Format().FrameDuration
}

// Send writes the packets of the selected tracks, in position order.
func (s *sender) Send(f *onair.Frame) error {
	if s.closed {
		return nil
	}
	start := s.streamTime(f)
	ok, err := s.resolve(f)
	if err != nil || !ok {
		return err
	}
	s.cutBuf = s.cutBuf[:0]
	if s.reopen.Swap(false) {
		s.cutBuf = append(s.cutBuf, 0)
	}
	if s.cuts != nil {
		s.cutBuf = s.cuts(f, start, s.cutBuf)
	}
	slices.Sort(s.cutBuf)
	for i, st := range s.streams {
		s.tracks[i] = f.Track(st.name)
		s.idx[i] = 0
	}
	ci, mi := 0, 0
	meta := f.Metadata()
	for {
		best, bestPos := -1, 0
		for i, t := range s.tracks {
			if t != nil && s.idx[i] < len(t.Packets) {
				if p := t.Packets[s.idx[i]].Pos; best < 0 || p < bestPos {
					best, bestPos = i, p
				}
			}
		}
		if best < 0 {
			break
		}
		t := s.tracks[best]
		p := &t.Packets[s.idx[best]]
		s.idx[best]++
		for ; mi < len(meta) && meta[mi].Pos <= p.Pos && s.opts.OnMetadata != nil; mi++ {
			if err := s.metadata(meta[mi].Metadata); err != nil {
				s.abort()
				return err
			}
		}
		for ci < len(s.cutBuf) && s.cutBuf[ci] <= p.Pos {
			s.pending = true
			ci++
		}
		if err := s.write(best, t.Stream, p, start, f); err != nil {
			s.abort()
			return err
		}
	}
	if ci < len(s.cutBuf) {
		s.pending = true
	}
	for ; mi < len(meta) && s.opts.OnMetadata != nil; mi++ {
		if err := s.metadata(meta[mi].Metadata); err != nil {
			s.abort()
			return err
		}
	}
	if s.flush && s.m != nil {
		if err := s.m.Flush(); err != nil {
			s.abort()
			return err
		}
	}
	return nil
}

// metadata flushes what was written so far and calls OnMetadata.
func (s *sender) metadata(m onair.Metadata) error {
	if s.flush && s.m != nil {
		if err := s.m.Flush(); err != nil {
			return err
		}
	}
	s.opts.OnMetadata(m)
	return nil
}

// takeReopenMeta returns the container metadata set by a pending
// ReopenWith, if any.
func (s *sender) takeReopenMeta() (map[string]string, bool) {
	s.reopenMu.Lock()
	defer s.reopenMu.Unlock()
	m, ok := s.reopenMeta, s.hasMeta
	s.reopenMeta, s.hasMeta = nil, false
	return m, ok
}

// resolve maps the selected tracks to output streams once every one of
// them has appeared with its stream info. It reports whether the streams
// are known.
func (s *sender) resolve(f *onair.Frame) (bool, error) {
	if s.ready {
		return true, nil
	}
	var names []string
	if len(s.opts.Tracks) == 0 {
		for _, t := range f.Tracks() {
			if t.Kind == onair.PacketTrack && t.Stream != nil {
				names = append(names, t.Name)
			}
		}
		if len(names) == 0 {
			return false, nil
		}
	} else {
		for _, sel := range s.opts.Tracks {
			if sel.Action != Copy {
				continue
			}
			t := f.Track(sel.Name)
			if t != nil && t.Kind != onair.PacketTrack {
				return false, fmt.Errorf("%w: track %q holds %v, not encoded packets (encode it first)", ErrTrack, sel.Name, t.Kind)
			}
			if t == nil || t.Stream == nil {
				if !s.warned {
					s.warned = true
					s.opts.log.Warn("waiting for a selected track", "output", s.opts.ID, "track", sel.Name)
				}
				return false, nil
			}
			names = append(names, sel.Name)
		}
		if len(names) == 0 {
			return false, fmt.Errorf("%w: no track is copied", ErrTrack)
		}
	}
	for _, n := range names {
		t := f.Track(n)
		st := newOutStream(n, t.Stream)
		s.hasVideo = s.hasVideo || st.video
		s.streams = append(s.streams, st)
	}
	s.tracks = make([]*onair.Track, len(s.streams))
	s.idx = make([]int, len(s.streams))
	s.ready = true
	return true, nil
}

// write writes one packet of stream i, opening or rotating the container
// first when needed.
func (s *sender) write(i int, info *onair.StreamInfo, p *onair.Packet, start time.Duration, f *onair.Frame) error {
	st := s.streams[i]
	if info != nil && info != st.info && (info.ID != st.info.ID || info.ID == 0) {
		s.newStream(st, info, p)
	}
	if s.pending && s.m != nil && (!s.hasVideo || (st.video && p.Key)) {
		if err := s.closeFile(); err != nil {
			return err
		}
	}
	if s.m == nil {
		s.pending = false
		if err := s.openFile(start + f.Format().Duration(p.Pos)); err != nil {
			return err
		}
	}
	if st.video && !st.keyed {
		if !p.Key {
			return nil // a decoder cannot start before a keyframe
		}
		st.keyed = true
	}
	dts, pts := p.DTS+st.shift, p.PTS+st.shift
	if !s.hasOrig {
		s.origin, s.originT, s.hasOrig = dts, rat(st.tb), true
	}
	off := astiav.RescaleQ(s.origin, s.originT, rat(st.tb))
	odts := dts - off
	if st.hasLast && odts <= st.last {
		s.opts.log.Warn("dropping packet with non-monotonic DTS", "output", s.opts.ID, "track", st.name, "dts", odts, "last", st.last)
		return nil
	}
	st.last, st.hasLast = odts, true
	// An encoder's last packet says how many samples of it are real, but
	// decoders of containers without edit lists (ADTS, MPEG-TS) still play
	// the whole codec frame: a new stream starts after it, not over it.
	st.next, st.hasNext = dts+max(p.Duration, st.frame), true
	return s.m.WritePacket(i, onair.Packet{Data: p.Data, PTS: pts - off, DTS: odts, Duration: p.Duration, Key: p.Key}, st.tb)
}

// newStream handles a new encoded stream on a track (an encoder rebuilt at
// a track end, or a switch between encoded sources). The timeline goes on:
// the new stream's first packet starts where the previous one ended. When
// the codec parameters are the same the packets go on in the same
// container; otherwise the container is closed and a new one started with
// the new parameters.
func (s *sender) newStream(st *outStream, info *onair.StreamInfo, p *onair.Packet) {
	same := compatible(st.info, info)
	if st.hasNext {
		st.shift = astiav.RescaleQ(st.next, rat(st.tb), rat(info.TimeBase)) - p.DTS
	} else {
		st.shift = 0
	}
	st.setInfo(info)
	if same {
		s.opts.log.Info("new stream on track: continuing in the same container", "output", s.opts.ID, "track", st.name, "codec", info.Codec)
		return
	}
	s.opts.log.Warn("stream parameters changed on track: starting a new container", "output", s.opts.ID, "track", st.name, "codec", info.Codec)
	if s.m != nil {
		if err := s.closeFile(); err != nil {
			s.opts.log.Error("closing container failed", "output", s.opts.ID, "err", err)
		}
	}
}

func compatible(a, b *onair.StreamInfo) bool {
	return a.Codec == b.Codec && a.MediaType == b.MediaType && a.SampleRate == b.SampleRate &&
		a.Channels == b.Channels && a.Width == b.Width && a.Height == b.Height && bytes.Equal(a.Extradata, b.Extradata)
}

func (s *sender) openFile(at time.Duration) error {
	m, name, err := s.open(at)
	if err != nil {
		return err
	}
	for _, st := range s.streams {
		if _, err := m.AddStream(st.info); err != nil {
			return errors.Join(fmt.Errorf("mux: track %q: %w", st.name, err), m.Close())
		}
		st.hasLast, st.keyed = false, false
	}
	if err := m.WriteHeader(); err != nil {
		return errors.Join(err, m.Close())
	}
	s.m, s.hasOrig = m, false
	s.nameMu.Lock()
	s.name = name
	s.nameMu.Unlock()
	s.opts.log.Info("container opened", "output", s.opts.ID, "name", name, "format", m.Format())
	return nil
}

// closeFile writes the trailer of the current container.
func (s *sender) closeFile() error {
	if s.m == nil {
		return nil
	}
	err := s.m.Close()
	s.m = nil
	if s.onClose != nil {
		s.onClose(s.name)
	}
	return err
}

// abort drops the current container after a write error; the next packet
// starts a new one.
func (s *sender) abort() {
	if s.m != nil {
		_ = s.m.Close()
		s.m = nil
	}
}

// currentName returns the name of the open container. Safe from any
// goroutine.
func (s *sender) currentName() string {
	s.nameMu.Lock()
	defer s.nameMu.Unlock()
	return s.name
}

// Stop flushes buffered bytes; the container stays open, so that data
// after a restart goes on in it.
func (s *sender) Stop() error {
	if s.m != nil {
		return s.m.Flush()
	}
	return nil
}

// Close writes the trailer and closes the container. It is idempotent.
func (s *sender) Close() error {
	if s.closed {
		return nil
	}
	s.closed = true
	return s.closeFile()
}

func rat(r onair.Rational) astiav.Rational { return astiav.NewRational(r.Num, r.Den) }
