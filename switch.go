package onair

import (
	"reflect"
	"time"
)

// Transition builds the source that a switching operator plays when it
// changes from one child to another.
//
// from plays what is left of the track that was interrupted (nothing when
// the switch happens at a track boundary) and to plays the new child from
// the point where the operator switched to it. The operator attaches the
// returned source to the running graph, plays it for at most the
// transition length (it keeps its metadata but not its track marks) and
// detaches it as soon as it stops producing data or reaches that length;
// it then goes on with the new child exactly where the transition left it,
// so a transition that reads to loses none of its samples, provided it
// does not play more than the transition length in all: from and to each
// give at most that length, and what the transition made of to beyond the
// cap is lost (a transition that plays all of from before to can hit
// this; one that mixes them, or plays only one, cannot). A transition
// must read the two children only through from and to. It runs on the
// clock goroutine; returning nil means no transition. The transition
// source is typically built from [Add], [FadeIn] and [FadeOut]:
//
//	func(from, to onair.Source) onair.Source {
//		out, _ := onair.FadeOut(from, nil)
//		in, _ := onair.FadeIn(to, nil)
//		mix, _ := onair.Add([]onair.Source{out, in}, &onair.AddOptions{DisableNormalization: true})
//		return mix
//	}
type Transition func(from, to Source) Source

// Switcher is the source returned by the switching operators ([Fallback],
// [Switch], [Random], [Rotate], [Sequence], [Once]). It plays one child at
// a time: it fills each frame from the selected child up to that child's
// next track mark, then selects again, inserting a track mark at every
// junction between two children. Data of a child that was not used stays
// in that child and is played when the child is selected again.
//
// Skip forwards to the selected child. A Switcher does not propagate
// errors: a child that fails is simply not ready. Node and Selected are
// safe from any goroutine.
type Switcher struct {
	node *Node
	sw   *switcher
}

// Node returns the operator's graph node.
func (s *Switcher) Node() *Node { return s.node }

// Selected returns the child selected last: the one playing, or the one
// that played last when no child is ready now; nil before the first
// selection. During a transition it is the child the transition leads to.
// Safe from any goroutine.
func (s *Switcher) Selected() Source {
	i := s.sw.selPub.Load()
	if i < 0 {
		return nil
	}
	return s.sw.children[i]
}

// Case is one branch of a [Switch]: Source may play while When is true.
type Case struct {
	// When reports whether the case may be selected. It is called on the
	// clock goroutine, when the switch selects a child, and must be quick.
	// A nil When, like [Always], is always true.
	When func() bool
	// Source is what the case plays.
	Source Source
}

// Always is a predicate that is always true. A [Case] guarded by Always
// (or by a nil When) with an infallible source makes its [Switch]
// infallible, since that case can always be selected.
func Always() bool { return true }

// SwitchOptions configure [Switch]. A nil *SwitchOptions is valid.
type SwitchOptions struct {
	// ID names the operator. It defaults to "switch".
	ID string
	// Immediate re-evaluates the cases at every frame and switches in the
	// middle of a track. By default the switch selects only at track
	// boundaries, or when the current child stops being ready.
	Immediate bool
	// Transitions[i], when set, builds the transition played when the
	// switch changes to case i. Cases without one use Transition.
	Transitions []Transition
	// Transition is the default transition. It defaults to none.
	Transition Transition
	// TransitionLength caps every transition. It defaults to 5s.
	TransitionLength time.Duration
	// DisableMetadataReplay turns off the replay of a child's current
	// metadata when the switch changes to it in the middle of its track.
	DisableMetadataReplay bool
}

// Switch returns a source that plays the first case whose predicate holds
// and whose source is ready. It is infallible when an infallible source is
// guarded by [Always] (or a nil When). opts may be nil. It returns an error
// wrapping [ErrInvalidOption] when cases is empty, a source is nil, or an
// option is out of range.
func Switch(cases []Case, opts *SwitchOptions) (*Switcher, error) {
	o := valueOr(opts)
	p := &predicates{when: make([]func() bool, len(cases))}
	sources := make([]Source, len(cases))
	fallible := true
	for i, c := range cases {
		sources[i] = c.Source
		p.when[i] = c.When
		if isAlways(c.When) && c.Source != nil && !c.Source.Node().Fallible() {
			fallible = false
		}
	}
	cfg := switchConfig{
		id:          idOr(o.ID, "switch"),
		immediate:   o.Immediate,
		replay:      !o.DisableMetadataReplay,
		transition:  o.Transition,
		transitions: o.Transitions,
		transLen:    o.TransitionLength,
	}
	return newSwitcher(sources, cfg, p, fallible)
}

func isAlways(fn func() bool) bool {
	return fn == nil || reflect.ValueOf(fn).Pointer() == reflect.ValueOf(Always).Pointer()
}

// predicates is Switch's policy: the first ready case whose predicate holds.
type predicates struct{ when []func() bool }

func (p *predicates) holds(i int) bool { return p.when[i] == nil || p.when[i]() }

func (p *predicates) choose(s *switcher, _ bool) int {
	for i := range s.children {
		if p.holds(i) && s.ok(i) {
			return i
		}
	}
	return -1
}

func (p *predicates) ready(s *switcher) bool {
	for i, c := range s.children {
		if p.holds(i) && c.Node().Ready() {
			return true
		}
	}
	return false
}

// Schedule builds time-based predicates for [Switch] cases, such as
// "weekdays from 8h to 10h". A zero Schedule reads the wall clock in the
// local time zone. A Schedule is safe for concurrent use.
type Schedule struct {
	// Now returns the current time. It defaults to time.Now; tests set it
	// to a fake clock.
	Now func() time.Time
	// Location is the time zone of the schedule. It defaults to the
	// location of the times Now returns.
	Location *time.Location
}

func (s Schedule) now() time.Time {
	var t time.Time
	if s.Now != nil {
		t = s.Now()
	} else {
		t = time.Now()
	}
	if s.Location != nil {
		t = t.In(s.Location)
	}
	return t
}

// Between returns a predicate that holds from start to end each day, both
// given as time since midnight (8*time.Hour for 8h, 13*time.Hour +
// 30*time.Minute for 13h30). The interval includes start and excludes end;
// when start is after end it spans midnight (22h to 2h).
func (s Schedule) Between(start, end time.Duration) func() bool {
	return func() bool {
		t := s.now()
		h, m, sec := t.Clock()
		d := time.Duration(h)*time.Hour + time.Duration(m)*time.Minute +
			time.Duration(sec)*time.Second + time.Duration(t.Nanosecond())
		if start <= end {
			return d >= start && d < end
		}
		return d >= start || d < end
	}
}

// On returns a predicate that holds on the given days of the week.
func (s Schedule) On(days ...time.Weekday) func() bool {
	var set [7]bool
	for _, d := range days {
		if d >= time.Sunday && d <= time.Saturday {
			set[d] = true
		}
	}
	return func() bool { return set[s.now().Weekday()] }
}

// Weekdays returns a predicate that holds from Monday to Friday.
func (s Schedule) Weekdays() func() bool {
	return s.On(time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday)
}

// Weekend returns a predicate that holds on Saturday and Sunday.
func (s Schedule) Weekend() func() bool { return s.On(time.Saturday, time.Sunday) }

// AllOf returns a predicate that holds when every one of preds holds (nil
// predicates are skipped): AllOf(sched.Weekdays(), sched.Between(8h, 10h)).
func AllOf(preds ...func() bool) func() bool {
	preds = append([]func() bool(nil), preds...)
	return func() bool {
		for _, p := range preds {
			if p != nil && !p() {
				return false
			}
		}
		return true
	}
}

// AnyOf returns a predicate that holds when at least one of preds holds.
func AnyOf(preds ...func() bool) func() bool {
	preds = append([]func() bool(nil), preds...)
	return func() bool {
		for _, p := range preds {
			if p != nil && p() {
				return true
			}
		}
		return false
	}
}

// Not returns a predicate that holds when p does not.
func Not(p func() bool) func() bool { return func() bool { return !p() } }
