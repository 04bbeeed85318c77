package hls

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"github.com/asticode/go-astiav"
	"github.com/onair-go/onair"
	"github.com/onair-go/onair/fault"
)

// floorDiv is a / b rounded down (b > 0).
func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && a < 0 {
		q--
	}
	return q
}

// handle routes one packet: to the current segments, or, once a cut is
// due, held until every track has reached the cut so that the packets
// before it (in timestamp order, whatever order the encoders delivered
// them in) end the current segments and the rest start the next ones.
func (s *segmenter) handle(k pkt) error {
	if !s.anchored {
		// The grid: whole steps from s.base. A first segment shorter
		// than half a step (the encoders' priming before the grid's
		// first point) joins the next one, unless its EXTINF would then
		// round above the target duration.
		s.anchored = true
		base := s.base * s.rate / 1000000
		s.segStart, s.nextCut = k.pts, base+(floorDiv(k.pts-base, s.step)+1)*s.step
		longest := int64(s.cfg.target)*s.rate + s.rate/2 - 1
		if d := s.nextCut - k.pts; d < s.step/2 && d+s.step <= longest {
			s.nextCut += s.step
		}
	}
	if !s.inCut {
		if k.pts < s.nextCut-s.tol {
			return s.write(k)
		}
		s.inCut, s.cutKnown, s.cutAt, s.cutSince = true, s.lead == nil, s.nextCut, k.abs
		for _, t := range s.tracks {
			t.passed, t.holding = false, false
		}
	}
	if !s.cutKnown {
		// Video: the cut is at the lead track's next keyframe.
		switch {
		case k.t != s.lead:
			if !k.t.holding && k.pts < s.nextCut-s.tol {
				return s.write(k)
			}
			k.t.holding = true
			return s.keep(k)
		case k.p.Key && k.pts >= s.nextCut-s.tol:
		case k.dts-s.segStart >= s.limit:
			if !s.forcedWarned {
				s.forcedWarned = true
				s.cfg.log.Warn("segment cut without a keyframe: give the video encoder a keyframe interval that divides the segment duration",
					"output", s.cfg.ID, "track", k.t.name, "segment", s.cfg.SegmentDuration)
			}
		default:
			return s.write(k)
		}
		s.cutAt, s.cutKnown = k.pts, true
		held := s.held
		s.held = nil
		for _, h := range held {
			if err := s.place(h); err != nil {
				return err
			}
		}
	}
	return s.place(k)
}

// place routes a packet while a cut whose time is known is in progress.
func (s *segmenter) place(k pkt) error {
	if !s.inCut {
		return s.handle(k)
	}
	if !k.t.passed {
		if !s.after(k) {
			return s.write(k)
		}
		k.t.passed = true
	}
	return s.keep(k)
}

// after reports whether k starts its track's part after the cut.
func (s *segmenter) after(k pkt) bool {
	switch {
	case k.t == s.lead:
		return true // the lead's packets before the cut never wait
	case k.t.video:
		return (k.p.Key && k.pts >= s.cutAt-s.tol) || k.dts >= s.cutAt
	}
	return k.pts >= s.cutAt
}

// keep holds k until the cut is made, and makes it when every track has
// reached it (or after holdLimit).
func (s *segmenter) keep(k pkt) error {
	k.p.Data = bytes.Clone(k.p.Data) // the frame is only valid during this tick
	s.held = append(s.held, k)
	if !s.cutKnown {
		if k.abs-s.cutSince < s.hold {
			return nil
		}
		s.cfg.log.Warn("no keyframe on the video track: cutting on the grid", "output", s.cfg.ID, "track", s.lead.name)
		s.cutAt, s.cutKnown = s.nextCut, true
	}
	var waiting []string
	for _, t := range s.tracks {
		if !t.passed {
			waiting = append(waiting, t.name)
		}
	}
	if len(waiting) > 0 {
		if k.abs-s.cutSince < s.hold {
			return nil
		}
		s.cfg.log.Warn("tracks produce nothing: cutting without them", "output", s.cfg.ID, "tracks", strings.Join(waiting, ","))
	}
	return s.cut()
}

// cut ends the current segments at cutAt and replays the held packets.
func (s *segmenter) cut() error {
	at := s.cutAt
	err := s.emit(at)
	s.segStart = max(s.segStart, at)
	for s.nextCut-s.tol <= at {
		s.nextCut += s.step
	}
	s.inCut, s.cutKnown = false, false
	held := s.held
	s.held = nil
	for _, h := range held {
		if e := s.handle(h); e != nil && err == nil {
			err = e
		}
	}
	return err
}

// write writes k to every variant that copies its track.
func (s *segmenter) write(k pkt) error {
	s.lastEnd = max(s.lastEnd, k.end)
	for _, u := range k.t.uses {
		if err := u.v.write(u.i, k.t, k.tb, k.p, s.seq); err != nil {
			return err
		}
	}
	return nil
}

// emit cuts every variant at time at and hands the segments, one round,
// to the store. A full queue drops the round: the next segments then
// start with a discontinuity.
func (s *segmenter) emit(at int64) error {
	if at <= s.segStart {
		return nil
	}
	var errs []error
	segs := make([]segment, len(s.variants))
	any := false
	for i, v := range s.variants {
		b, err := v.cut()
		if err != nil {
			errs = append(errs, err)
		}
		if b == nil {
			continue
		}
		ext := "ts"
		if v.spec.Container == FMP4 {
			ext = "m4s"
		}
		segs[i] = segment{name: fmt.Sprintf("%s_%d.%s", v.spec.Name, s.seq, ext), data: b, disc: v.disc, initName: v.initName}
		if v.initPending {
			segs[i].init = v.init
		}
		any = true
	}
	if !any {
		return errors.Join(errs...)
	}
	j := job{seq: s.seq, dur: float64(at-s.segStart) / float64(s.rate), segs: segs, end: s.lastEnd * 1000000 / s.rate}
	if s.dirty {
		j.infos = make([]variantInfo, len(s.variants))
		for i, v := range s.variants {
			j.infos[i] = v.describe()
		}
	}
	// At Close the last round waits for room: Close waits for the writer
	// anyway.
	if !s.st.enqueue(j, s.closed) {
		s.cfg.log.Error("disk writer is behind: segments dropped", fault.SegmentDropped.Attr(), fault.KeyOutput, s.cfg.ID, "sequence", s.seq, "queue", s.cfg.Queue)
		for _, v := range s.variants {
			v.disc = true
		}
		return errors.Join(errs...)
	}
	s.seq++
	s.dirty = false
	for i, v := range s.variants {
		if segs[i].data != nil {
			v.disc, v.initPending = false, false
		}
	}
	return errors.Join(errs...)
}

// flush makes the cut in progress, if any, then ends the current
// segments where their data ends.
func (s *segmenter) flush() error {
	var errs []error
	for s.inCut {
		if !s.cutKnown {
			// No keyframe came: what waited ends the current segments.
			s.inCut = false
			held := s.held
			s.held = nil
			for _, h := range held {
				errs = append(errs, s.write(h))
			}
			break
		}
		errs = append(errs, s.cut())
	}
	errs = append(errs, s.emit(s.lastEnd))
	s.segStart = max(s.segStart, s.lastEnd)
	return errors.Join(errs...)
}

// restart ends the segments of every variant (or of the given ones) and
// drops their muxers: their next segments start with a discontinuity
// (and a new initialization section), on a grid anchored at the next
// packet.
func (s *segmenter) restart(only []*variant) error {
	err := s.flush()
	for _, v := range s.variants {
		if only == nil || containsVariant(only, v) {
			if v.m != nil {
				v.disc = true
			}
			v.close()
		}
	}
	s.anchored = false
	return err
}

func containsVariant(l []*variant, v *variant) bool {
	for _, x := range l {
		if x == v {
			return true
		}
	}
	return false
}

// newStream handles a new encoded stream on a track (an encoder rebuilt
// at a track end): the timeline goes on where the previous stream ended.
// When the codec parameters differ, the variants that copy the track get
// new muxers, after a cut of every variant (the grid stays shared).
func (s *segmenter) newStream(t *track, info *onair.StreamInfo, p onair.Packet) error {
	var err error
	if !compatible(t.info, info) {
		s.cfg.log.Warn("stream parameters changed on track: new segments start a discontinuity", "output", s.cfg.ID, "track", t.name, "codec", info.Codec)
		only := make([]*variant, 0, len(t.uses))
		for _, u := range t.uses {
			only = append(only, u.v)
		}
		err = s.restart(only)
		s.dirty = true
	}
	if t.hasNext {
		t.shift = astiav.RescaleQ(t.next, rat(t.tb), rat(info.TimeBase)) - p.DTS
	} else {
		t.shift = 0
	}
	t.setInfo(info)
	return err
}

// Stop ends the current segments; when the output starts again, the
// next segments start with a discontinuity.
func (s *segmenter) Stop() error {
	if !s.ready {
		return nil
	}
	return s.restart(nil)
}

// Reset handles a clock reset like a stop and a start.
func (s *segmenter) Reset() {
	if err := s.Stop(); err != nil {
		s.cfg.log.Error("ending segments at a clock reset", "output", s.cfg.ID, "err", err)
	}
}

// Close ends the segments, writes the final playlists (with ENDLIST) and
// the state, and waits for the writer goroutine. It is idempotent.
func (s *segmenter) Close() error {
	if s.closed {
		return nil
	}
	s.closed = true
	err := s.Stop()
	return errors.Join(err, s.st.close())
}
