package mux

import (
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
// the selected tracks to output streams, encodes the raw tracks it is
// asked to encode, rebases timestamps, and closes and opens containers at
// cut positions.
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

	inlines  []*inline // encoders of the Encode selections
	names    []string  // the streams' tracks, once resolved
	streams  []*outStream
	ready    bool          // every selected track has appeared
	end      time.Duration // stream time at the end of the last frame
	warned   bool          // missing-track warning logged
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
	inline  *inline // set for an encoded track
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

// newSender returns a sender for the selection, with the encoders of its
// Encode selections opened.
func newSender(opts resolved) (*sender, error) {
	l, err := newInlines(opts.Tracks)
	if err != nil {
		return nil, err
	}
	return &sender{opts: opts, inlines: l}, nil
}

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
	s.end = start + f.Format().Duration(f.Len())
	if err := s.encodeInline(f); err != nil {
		s.abort()
		return err
	}
	if s.streams == nil {
		s.makeStreams(f)
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
		if st.inline != nil {
			s.tracks[i] = &st.inline.out
		} else {
			s.tracks[i] = f.Track(st.name)
		}
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
		if err := s.write(best, t.Stream, p, start+f.Format().Duration(p.Pos)); err != nil {
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

// resolve finds the tracks of the output's streams once every selected
// one has appeared (copied tracks with their stream info, encoded tracks
// with raw data of the encoder's kind). It reports whether they are
// known.
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
			if sel.Action == Drop {
				continue
			}
			t := f.Track(sel.Name)
			if in := s.inlineFor(sel.Name); in != nil && t != nil {
				if err := in.check(t); err != nil {
					return false, err
				}
			} else if t != nil && t.Kind != onair.PacketTrack {
				return false, fmt.Errorf("%w: track %q holds %v, not encoded packets (encode it first, or select it with EncodeTrack)", ErrTrack, sel.Name, t.Kind)
			}
			if t == nil || (sel.Action == Copy && t.Stream == nil) {
				if !s.warned {
					s.warned = true
					s.opts.log.Warn("waiting for a selected track", "output", s.opts.ID, "track", sel.Name)
				}
				return false, nil
			}
			names = append(names, sel.Name)
		}
		if len(names) == 0 {
			return false, fmt.Errorf("%w: no track is copied or encoded", ErrTrack)
		}
	}
	s.names = names
	s.ready = true
	return true, nil
}

// makeStreams makes the output streams of the resolved tracks, after the
// first frame was encoded (which gives the encoded tracks their stream
// info).
func (s *sender) makeStreams(f *onair.Frame) {
	for _, n := range s.names {
		var st *outStream
		if in := s.inlineFor(n); in != nil {
			st = newOutStream(n, in.out.Stream)
			st.inline = in
		} else {
			st = newOutStream(n, f.Track(n).Stream)
		}
		s.hasVideo = s.hasVideo || st.video
		s.streams = append(s.streams, st)
	}
	s.tracks = make([]*onair.Track, len(s.streams))
	s.idx = make([]int, len(s.streams))
}

// write writes one packet of stream i, at stream time at, opening or
// rotating the container first when needed.
func (s *sender) write(i int, info *onair.StreamInfo, p *onair.Packet, at time.Duration) error {
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
		if err := s.openFile(at); err != nil {
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
		s.origin, s.originT, s.hasOrig = max(dts, 0), rat(st.tb), true
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
	return s.m.WritePacket(i, onair.Packet{Data: p.Data, PTS: pts - off, DTS: odts, Duration: p.Duration, Key: p.Key, NewExtradata: p.NewExtradata}, st.tb)
}

// Stop flushes buffered bytes; the container stays open, so that data
// after a restart goes on in it.
func (s *sender) Stop() error {
	if s.m != nil {
		return s.m.Flush()
	}
	return nil
}

// Close writes what the output's encoders still hold, then the trailer,
// closes the container and the encoders, and calls OnEnd. It is
// idempotent.
func (s *sender) Close() error {
	if s.closed {
		return nil
	}
	s.closed = true
	err := s.drainInline()
	err = errors.Join(err, s.closeFile())
	closeInlines(s.inlines)
	if s.opts.OnEnd != nil {
		s.opts.OnEnd()
	}
	return err
}

func rat(r onair.Rational) astiav.Rational { return astiav.NewRational(r.Num, r.Den) }
