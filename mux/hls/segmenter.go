package hls

import (
	"math"
	"sync/atomic"
	"time"

	"github.com/asticode/go-astiav"
	"github.com/onair-go/onair"
)

// baseMicros is where the output timeline starts: the first packet's
// timestamps are mapped there, leaving room for the other tracks' earlier
// packets (encoder priming, B-frames) so that no timestamp is negative.
// An output resumed from a state file starts resumeGapMicros after where
// the previous run's timeline ended instead, so that timestamps go on
// across the discontinuity (the gap covers the same earlier packets).
const (
	baseMicros      = 1000000
	resumeGapMicros = 100000
)

// holdLimit is how long, in stream time, a cut may wait for every track to
// reach it before it is made anyway (a track that stopped producing).
const holdLimit = 10 * time.Second

// pkt is a packet on the output timeline.
type pkt struct {
	t  *track
	tb onair.Rational
	p  onair.Packet // timestamps in tb, on the output timeline
	// pts, dts and end (pts + duration) in samples of the main rate, and
	// the stream position at which the packet arrived.
	pts, dts, end, abs int64
}

// segmenter is the output's onair.Sender. It maps the copied tracks onto
// one output timeline, cuts every variant on one grid of that timeline,
// and hands each round of segments to the store (the writer goroutine).
// It runs on the clock goroutine.
type segmenter struct {
	cfg *config
	st  *store

	ready    bool
	warned   bool
	tracks   []*track
	variants []*variant
	lead     *track // the first video track, nil for audio only
	cur      []*onair.Track
	idx      []int
	dirty    bool // the variants' descriptions changed

	rate              int64 // main rate: samples per second
	step, tol, limit  int64 // grid step, keyframe tolerance, forced-cut length (samples)
	hold              int64 // holdLimit in samples
	content           int64 // stream position: samples received
	base              int64 // µs: where the first packet goes on the output timeline
	hasOrigin         bool
	origin            int64
	originTB          onair.Rational
	anchored          bool
	segStart, nextCut int64
	lastEnd           int64
	inCut, cutKnown   bool
	cutAt, cutSince   int64
	held              []pkt
	seq               int64
	forcedWarned      bool
	closed            bool

	video atomic.Pointer[map[string]bool] // variants with video, for the handler
}

// hasVideo reports whether variant name has a video stream (false until
// its streams are known). Safe from any goroutine.
func (s *segmenter) hasVideo(name string) bool {
	m := s.video.Load()
	return m != nil && (*m)[name]
}

func newSegmenter(cfg *config, st *store) *segmenter {
	return &segmenter{cfg: cfg, st: st}
}

// Start starts the writer goroutine (once).
func (s *segmenter) Start() error {
	s.st.start()
	return nil
}

// Send cuts and muxes the packets of the copied tracks, in position order.
func (s *segmenter) Send(f *onair.Frame) error {
	if s.closed {
		return nil
	}
	if !s.ready {
		tracks, variants, err := resolveTracks(s.cfg, f, &s.warned)
		if err != nil {
			return err
		}
		if tracks == nil {
			s.content += int64(f.Len())
			return nil
		}
		s.setup(tracks, variants, f.Format())
	}
	for i, t := range s.tracks {
		s.cur[i], s.idx[i] = f.Track(t.name), 0
	}
	defer clear(s.cur)
	for {
		best, bestPos := -1, 0
		for i, ft := range s.cur {
			if ft != nil && s.idx[i] < len(ft.Packets) {
				if p := ft.Packets[s.idx[i]].Pos; best < 0 || p < bestPos {
					best, bestPos = i, p
				}
			}
		}
		if best < 0 {
			break
		}
		ft, t := s.cur[best], s.tracks[best]
		p := ft.Packets[s.idx[best]]
		s.idx[best]++
		if ft.Stream != nil && ft.Stream != t.info && (ft.Stream.ID != t.info.ID || ft.Stream.ID == 0) {
			if err := s.newStream(t, ft.Stream, p); err != nil {
				return err
			}
		}
		if err := s.handle(s.timeline(t, p, s.content+int64(p.Pos))); err != nil {
			return err
		}
	}
	s.content += int64(f.Len())
	return nil
}

func (s *segmenter) setup(tracks []*track, variants []*variant, f *onair.Format) {
	s.tracks, s.variants = tracks, variants
	for _, t := range tracks {
		if t.video {
			s.lead = t
			break
		}
	}
	s.rate = int64(f.SampleRate)
	s.step = int64(math.Round(s.cfg.SegmentDuration.Seconds() * float64(s.rate)))
	if s.lead != nil {
		// A keyframe up to half a step early is on the grid; with no
		// keyframe, cut before EXTINF would round above the target.
		s.tol = s.step / 2
		s.limit = int64(s.cfg.target)*s.rate + s.rate/2 - s.rate/10
	}
	s.hold = max(int64(holdLimit.Seconds()*float64(s.rate)), 2*s.step)
	video := map[string]bool{}
	for _, v := range variants {
		for _, t := range v.tracks {
			video[v.spec.Name] = video[v.spec.Name] || t.video
		}
	}
	s.video.Store(&video)
	s.cur, s.idx = make([]*onair.Track, len(tracks)), make([]int, len(tracks))
	s.seq = s.st.nextSeq()
	s.base = baseMicros
	if end := s.st.resumedEnd(); end > 0 {
		s.base = end + resumeGapMicros
	}
	for i, v := range variants {
		if in := s.st.resumedInit(i); in.name != "" {
			v.init, v.initName = in.data, in.name
		}
	}
	s.dirty, s.ready = true, true
}

// timeline maps packet p of track t onto the output timeline: the
// encoder's timestamps, made continuous across new streams, shifted so
// that the encoders' time zero (when the output starts with them, as
// usual; otherwise the output's first packet) is at s.base. The encoders
// of one source share their time zero, so the grid, anchored there, falls
// on whole segment durations of the input.
func (s *segmenter) timeline(t *track, p onair.Packet, abs int64) pkt {
	dts, pts := p.DTS+t.shift, p.PTS+t.shift
	t.next, t.hasNext = dts+max(p.Duration, t.frame), true
	if !s.hasOrigin {
		s.origin, s.originTB, s.hasOrigin = dts, t.tb, true
		if sec := float64(dts) * t.tb.Float(); sec > -float64(baseMicros)/2e6 && sec < 1 {
			s.origin = 0 // the encoders started with the output
		}
	}
	tb := rat(t.tb)
	off := astiav.RescaleQ(s.origin, rat(s.originTB), tb) - astiav.RescaleQ(s.base, astiav.NewRational(1, 1000000), tb)
	p.DTS, p.PTS = dts-off, pts-off
	main := astiav.NewRational(1, int(s.rate))
	return pkt{
		t: t, tb: t.tb, p: p, abs: abs,
		pts: astiav.RescaleQ(p.PTS, tb, main),
		dts: astiav.RescaleQ(p.DTS, tb, main),
		// Decoders of containers without edit lists play the whole codec
		// frame of a last, shorter packet.
		end: astiav.RescaleQ(p.PTS+max(p.Duration, t.frame), tb, main),
	}
}
