package onairtest

import (
	"io"
	"math"
	"strconv"
	"sync/atomic"

	"github.com/onair-go/onair"
)

// Segment is one track of a [Script]: Len samples on every audio channel,
// starting with a track mark (unless NoMark) and Metadata (if not nil).
type Segment struct {
	// Len is the length of the segment in samples of the main rate. A zero
	// Len makes a segment of a mark and metadata only.
	Len int
	// Value is the level of the first sample; each next sample adds Step,
	// so a zero Step makes a constant level and a non-zero one a ramp.
	// Both are ignored when [Script.Counter] is set.
	Value, Step float32
	// Metadata, when not nil, is placed at the start of the segment.
	Metadata onair.Metadata
	// Meta places more metadata inside the segment, at positions relative
	// to its start (0 <= Pos < Len).
	Meta []onair.MetadataAt
	// NoMark continues the previous track instead of starting a new one.
	NoMark bool
}

// Script describes a scripted source: its tracks, its readiness and its
// end. A zero Script is a source that ends at once.
type Script struct {
	// ID names the source. It defaults to "script".
	ID string
	// Segments are played in order. After the last one the source ends
	// (its generator returns io.EOF), unless Loop is set.
	Segments []Segment
	// Loop plays the segments again from the first after the last.
	Loop bool
	// Counter makes every sample's value its absolute index in the
	// source's output (0, 1, 2, ...), which lets tests check that no
	// sample was skipped, repeated or reordered. Values are exact up to
	// 2^24 samples (about 6 minutes at 44.1 kHz).
	Counter bool
	// Ready, when not nil, is asked for the source's readiness with the
	// clock's current tick (1 for the first tick). By default the source
	// is ready until it ends.
	Ready func(tick uint64) bool
	// MaxPerTick, when positive, limits the samples appended per tick,
	// making short frames. It defaults to no limit.
	MaxPerTick int
	// Fallible marks the source fallible for the graph's checks. It
	// defaults to false, even for scripts that end or are sometimes
	// unready, so that tests can put them under infallible outputs.
	Fallible bool
	// OnEvent, when not nil, is called on the clock goroutine with "wake",
	// "sleep", "skip" and "eof" as they happen, for tests that check the
	// order of life-cycle events across sources.
	OnEvent func(id, event string)
}

// Counts are the calls a scripted [Source] received.
type Counts struct {
	Ready, Generate, WakeUp, Sleep, Skip int
}

// Source is a source that plays a [Script]. It counts the calls it
// receives (see [Source.Counts]), so tests can check how often the graph
// computed it. Counts is safe from any goroutine; the rest of the source
// runs on its clock goroutine like any other.
type Source struct {
	node  *onair.Node
	sc    Script
	seg   int  // current segment
	pos   int  // position in the current segment
	abs   int  // samples generated so far
	begun bool // the current segment's mark and metadata were emitted
	mark  bool // a Skip asks for a mark before the next data
	done  bool

	ready, generate, wake, sleep, skip atomic.Int64
}

// NewSource returns a source that plays sc. sc may be nil (a source that
// ends at once); it is copied.
func NewSource(sc *Script) *Source {
	s := &Source{}
	if sc != nil {
		s.sc = *sc
		s.sc.Segments = append([]Segment(nil), sc.Segments...)
	}
	if s.sc.ID == "" {
		s.sc.ID = "script"
	}
	total := 0
	for _, sg := range s.sc.Segments {
		total += max(sg.Len, 0)
	}
	if total == 0 {
		s.sc.Loop = false // looping over nothing would never end a frame
	}
	s.node = onair.NewNode(s, &onair.NodeOptions{ID: s.sc.ID, Fallible: s.sc.Fallible})
	return s
}

// Counter returns an endless, always ready source of one track whose
// samples are their own absolute index (see [Script.Counter]).
func Counter(id string) *Source {
	return NewSource(&Script{ID: id, Counter: true, Segments: []Segment{{Len: math.MaxInt}}})
}

// Tracks returns a counter source (see [Script.Counter]) that plays
// tracks of the given lengths in samples, each with metadata
// {"track": "<its index from 1>"}, then ends.
func Tracks(id string, lengths ...int) *Source {
	segs := make([]Segment, len(lengths))
	for i, l := range lengths {
		segs[i] = Segment{Len: l, Metadata: onair.Metadata{"track": strconv.Itoa(i + 1)}}
	}
	return NewSource(&Script{ID: id, Counter: true, Segments: segs})
}

// Node returns the source's graph node.
func (s *Source) Node() *onair.Node { return s.node }

// Counts returns the calls received so far. Safe from any goroutine.
func (s *Source) Counts() Counts {
	return Counts{
		Ready:    int(s.ready.Load()),
		Generate: int(s.generate.Load()),
		WakeUp:   int(s.wake.Load()),
		Sleep:    int(s.sleep.Load()),
		Skip:     int(s.skip.Load()),
	}
}

func (s *Source) event(e string) {
	if s.sc.OnEvent != nil {
		s.sc.OnEvent(s.node.ID(), e)
	}
}

// Ready implements [onair.Readier].
func (s *Source) Ready() bool {
	s.ready.Add(1)
	if s.done {
		return false
	}
	if s.sc.Ready == nil {
		return true
	}
	var t uint64
	if c := s.node.Clock(); c != nil {
		t = c.Ticks()
	}
	return s.sc.Ready(t)
}

// WakeUp implements [onair.Waker].
func (s *Source) WakeUp(*onair.Format) error {
	s.wake.Add(1)
	s.event("wake")
	return nil
}

// Sleep implements [onair.Sleeper].
func (s *Source) Sleep() {
	s.sleep.Add(1)
	s.event("sleep")
}

// Skip implements [onair.Skipper]: it ends the current segment; the next
// data starts with a track mark.
func (s *Source) Skip() {
	s.skip.Add(1)
	s.event("skip")
	if s.begun || s.pos > 0 {
		s.seg++
	}
	s.pos, s.begun, s.mark = 0, false, true
}

// Remaining implements [onair.Remainer]: the samples left in the current
// segment.
func (s *Source) Remaining() int {
	if s.done || s.seg >= len(s.sc.Segments) {
		return 0
	}
	return s.sc.Segments[s.seg].Len - s.pos
}

// Generate implements [onair.Generator].
func (s *Source) Generate(f *onair.Frame) error {
	s.generate.Add(1)
	if s.done {
		return io.EOF
	}
	budget := f.Free()
	if s.sc.MaxPerTick > 0 {
		budget = min(budget, s.sc.MaxPerTick)
	}
	for {
		if s.seg >= len(s.sc.Segments) {
			if !s.sc.Loop || len(s.sc.Segments) == 0 {
				s.done = true
				s.event("eof")
				return io.EOF
			}
			s.seg = 0
		}
		if budget == 0 {
			return nil
		}
		sg := &s.sc.Segments[s.seg]
		if !s.begun {
			if !sg.NoMark || s.mark {
				f.AddMark(f.Len())
			}
			if sg.Metadata != nil {
				f.AddMetadata(f.Len(), sg.Metadata)
			}
			s.begun, s.mark = true, false
		}
		n := max(0, min(budget, sg.Len-s.pos))
		start := f.Len()
		f.Extend(n)
		for _, a := range f.Audio() {
			for i := range n {
				a[start+i] = s.value(sg, s.pos+i, s.abs+i)
			}
		}
		for _, m := range sg.Meta {
			if m.Pos >= s.pos && m.Pos < s.pos+n {
				f.AddMetadata(start+m.Pos-s.pos, m.Metadata)
			}
		}
		s.pos += n
		s.abs += n
		budget -= n
		if s.pos >= sg.Len {
			s.seg++
			s.pos, s.begun = 0, false
		}
	}
}

func (s *Source) value(sg *Segment, pos, abs int) float32 {
	if s.sc.Counter {
		return float32(abs)
	}
	return sg.Value + float32(pos)*sg.Step
}
