package onair

import (
	"fmt"
	"io"
	"slices"
	"sync/atomic"
	"time"
)

// switchConfig holds what every switching operator shares.
type switchConfig struct {
	id          string
	immediate   bool
	replay      bool
	transition  Transition
	transitions []Transition
	transLen    time.Duration
}

// switchPolicy decides which child a switcher plays.
type switchPolicy interface {
	// choose returns the child to play from now on, or -1. It is called
	// when no child is selected, when the selected one cannot go on, when
	// its track ended (ended), and at every step in immediate mode. It
	// returns only children for which s.ok is true.
	choose(s *switcher, ended bool) int
	// ready reports, without side effects, whether choose may find a child
	// in this tick (it looks at the children's Ready only).
	ready(s *switcher) bool
}

// finisher is implemented by policies that end the stream (Once).
type finisher interface{ finished() bool }

// rewinder is implemented by policies with state to reset on wake-up.
type rewinder interface{ rewind() }

// switcher is the generator shared by the switching operators.
type switcher struct {
	node     *Node
	children []Source
	policy   switchPolicy
	cfg      switchConfig
	transN   int

	cur    int          // selected child, -1 for none
	fresh  bool         // nothing taken from cur since it was selected
	replay Metadata     // metadata to insert before the next data of cur
	selPub atomic.Int32 // cur, for Selected
	pos    []int        // per child node: samples of its frame taken in this tick
	slot   []int        // child index -> index in pos (a node listed twice shares one)
	seen   []Metadata   // per child node: the last metadata taken from it

	// The running transition, if any.
	tr       Source
	trTo     int
	trLeft   int      // samples the transition may still play
	trPos    int      // samples of its frame taken in this tick
	toUsed   bool     // the transition read the new child
	trReplay Metadata // metadata to replay with the new child's first data
	views    []*switchView
	vnodes   []*Node
}

func newSwitcher(sources []Source, cfg switchConfig, p switchPolicy, fallible bool) (*Switcher, error) {
	if len(sources) == 0 {
		return nil, fmt.Errorf("%w: %s needs at least one source", ErrInvalidOption, cfg.id)
	}
	for i, s := range sources {
		if s == nil {
			return nil, fmt.Errorf("%w: %s: source %d is nil", ErrInvalidOption, cfg.id, i)
		}
	}
	if cfg.transLen < 0 {
		return nil, fmt.Errorf("%w: %s: negative transition length %v", ErrInvalidOption, cfg.id, cfg.transLen)
	}
	if cfg.transLen == 0 {
		cfg.transLen = 5 * time.Second
	}
	if len(cfg.transitions) > len(sources) {
		return nil, fmt.Errorf("%w: %s: %d transitions for %d sources", ErrInvalidOption, cfg.id, len(cfg.transitions), len(sources))
	}
	s := &switcher{
		children: append([]Source(nil), sources...),
		policy:   p,
		cfg:      cfg,
		cur:      -1,
		pos:      make([]int, len(sources)),
	}
	s.selPub.Store(-1)
	s.slot = make([]int, len(sources))
	s.seen = make([]Metadata, len(sources))
	for i, c := range s.children {
		s.slot[i] = i
		for j := range i {
			if s.children[j].Node() == c.Node() {
				s.slot[i] = j
				break
			}
		}
	}
	if cfg.transition != nil || len(cfg.transitions) > 0 {
		// Two views per child (as the old and as the new side of a
		// transition), made once and reused by every transition.
		for i, c := range s.children {
			for _, from := range []bool{true, false} {
				v := &switchView{s: s, i: i, from: from}
				id := cfg.id + ".to"
				if from {
					id = cfg.id + ".from"
				}
				s.views = append(s.views, v)
				s.vnodes = append(s.vnodes, NewNode(v, &NodeOptions{ID: id, Children: []Source{c}, Fallible: true}))
			}
		}
	}
	s.node = NewNode(s, &NodeOptions{ID: cfg.id, Children: s.children, Fallible: fallible})
	return &Switcher{node: s.node, sw: s}, nil
}

// ok reports whether child i may play now: it is ready and either gives
// data past what was taken from it in this tick, or is the selected child
// and neither it nor its track has ended. A selected child that is ready but ran out of data in
// this tick ("no more data now", a short frame) stays selected: the
// switcher's frame is short too, and the child goes on in the next tick.
func (s *switcher) ok(i int) bool {
	cn := s.children[i].Node()
	if !cn.Ready() {
		return false
	}
	if s.hasData(i) {
		return true
	}
	// Out of data: the selected child waits for more, unless it ended or
	// its track did (a mark at the end of its data: a live stream that
	// dropped, say), which is a track boundary like any other.
	return i == s.cur && !cn.Ended() && !s.trackDone(i)
}

// trackDone reports whether child i's frame ends with a track mark at the
// point this tick took it to: the next data it gives starts a new track.
func (s *switcher) trackDone(i int) bool {
	in := s.children[i].Node().Peek()
	p := s.pos[s.slot[i]]
	return p == in.Len() && slices.Contains(in.Marks(), p)
}

// hasData reports whether ready child i gives data past what was taken
// from it in this tick.
func (s *switcher) hasData(i int) bool {
	return s.children[i].Node().Peek().Len() > s.pos[s.slot[i]]
}

// atMark reports whether child i's next data starts a new track.
func (s *switcher) atMark(i int) bool {
	cn := s.children[i].Node()
	if !cn.Ready() {
		return false
	}
	in := cn.Peek()
	p := s.pos[s.slot[i]]
	if p >= in.Len() {
		return false
	}
	for _, m := range in.Marks() {
		if m == p {
			return true
		}
		if m > p {
			break
		}
	}
	return false
}

// WakeUp resets the selection.
func (s *switcher) WakeUp(f *Format) error {
	s.transN = max(1, f.Samples(s.cfg.transLen))
	s.setCur(-1)
	s.tr = nil
	clear(s.seen)
	if r, ok := s.policy.(rewinder); ok {
		r.rewind()
	}
	return nil
}

// Sleep releases a running transition.
func (s *switcher) Sleep() {
	if s.tr != nil {
		s.node.Detach(s.tr)
		s.tr = nil
	}
	s.trReplay, s.replay = nil, nil
}

func (s *switcher) setCur(i int) {
	s.cur = i
	s.selPub.Store(int32(i))
}

// Ready reports whether a child (or the running transition) can play.
func (s *switcher) Ready() bool {
	if s.tr != nil {
		return true
	}
	if f, ok := s.policy.(finisher); ok && f.finished() {
		return false
	}
	return s.policy.ready(s)
}

// Skip ends the current track of the selected child.
func (s *switcher) Skip() {
	if s.cur >= 0 {
		s.children[s.cur].Node().Skip()
	}
}

// Remaining is the selected child's (unknown during a transition).
func (s *switcher) Remaining() int {
	if s.tr != nil || s.cur < 0 {
		return -1
	}
	return s.children[s.cur].Node().Remaining()
}

// Generate fills f from the selected children.
func (s *switcher) Generate(f *Frame) error {
	clear(s.pos)
	s.trPos = 0
	limit := 4*len(s.children) + 8 // steps that append nothing
	for stuck := 0; f.Free() > 0 && stuck <= limit; {
		if s.tr != nil {
			if s.pullTransition(f) {
				continue
			}
			s.endTransition(f)
			stuck++
			continue
		}
		ended := s.cur >= 0 && !s.fresh && s.atMark(s.cur)
		next := s.cur
		if next < 0 || ended || s.cfg.immediate || !s.ok(next) {
			next = s.policy.choose(s, ended)
		}
		if next < 0 {
			break
		}
		if next != s.cur {
			s.switchTo(f, next)
			stuck++
			continue
		}
		if !s.hasData(next) {
			break // no more data now: a short frame
		}
		if !s.take(f, next) {
			stuck++
		}
	}
	if fin, ok := s.policy.(finisher); ok && fin.finished() && s.tr == nil {
		return io.EOF
	}
	return nil
}

// take appends child i's data from where this tick left it up to its next
// track mark, and reports whether it appended anything.
func (s *switcher) take(f *Frame, i int) bool {
	cn := s.children[i].Node()
	in := cn.Peek()
	p := s.pos[s.slot[i]]
	end := in.Len()
	for _, m := range in.Marks() {
		if m > p {
			end = min(end, m)
			break
		}
	}
	if s.replay != nil {
		f.AddMetadata(f.Len(), s.replay)
		s.replay = nil
	}
	k := f.Append(in, p, end)
	for _, m := range in.Metadata() {
		if m.Pos >= p && m.Pos < p+k {
			s.seen[s.slot[i]] = m.Metadata
		}
	}
	s.pos[s.slot[i]] = p + k
	cn.Consume(p + k)
	if k > 0 {
		s.fresh = false
	}
	return k > 0
}

// switchTo selects child j: a track mark at the junction, the replayed
// metadata of j, and the transition if there is one.
func (s *switcher) switchTo(f *Frame, j int) {
	from := s.cur
	s.setCur(j)
	s.fresh = true
	f.AddMark(f.Len())
	var m Metadata
	if s.cfg.replay {
		m = s.replayFor(j)
	}
	// The replay goes with the first data of j, inside or after the
	// transition.
	s.replay = nil
	if from >= 0 && s.startTransition(from, j) {
		s.trReplay = m
		return
	}
	s.replay = m
}

// replayFor returns the metadata to insert when switching to child j in
// the middle of its track, or nil.
func (s *switcher) replayFor(j int) Metadata {
	cn := s.children[j].Node()
	in := cn.Peek()
	p := s.pos[s.slot[j]]
	for _, m := range in.Marks() {
		if m == p {
			return nil // a new track: its own metadata comes with it
		}
	}
	var last Metadata
	for _, m := range in.Metadata() {
		switch {
		case m.Pos < p:
			last = m.Metadata
		case m.Pos == p:
			return nil // it comes with the data
		case last != nil:
			return last
		default:
			// Newer metadata later in the frame: the current one is the
			// last one this operator took from the child.
			return s.seen[s.slot[j]]
		}
	}
	if last != nil {
		return last
	}
	return cn.LastMetadata()
}
