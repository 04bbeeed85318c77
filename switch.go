package onair

import (
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
	// A nil When always holds.
	When func() bool
	// Source is what the case plays.
	Source Source
}

// SwitchOptions configure the switching operators: [Fallback], [Switch],
// [Random], [Rotate] and [Sequence]. A nil *SwitchOptions is valid; each
// field says which operators read it.
type SwitchOptions struct {
	// ID names the operator. It defaults to the operator's name
	// ("fallback", "switch", ...).
	ID string
	// Immediate (Fallback, Switch) selects again at every frame and
	// changes child in the middle of a track: a child of higher priority,
	// or a case whose predicate started to hold, cuts in. By default the
	// operator selects only at track boundaries, or when the child playing
	// stops being ready.
	Immediate bool
	// Transitions[i], when set, builds the transition played when the
	// operator changes to child i. Children without one use Transition.
	Transitions []Transition
	// Transition is the transition for children without their own in
	// Transitions. It defaults to none: the new child starts at once.
	Transition Transition
	// TransitionLength caps every transition. It defaults to 5s.
	TransitionLength time.Duration
	// DisableMetadataReplay turns off the replay of metadata. By default,
	// when the operator changes to a child in the middle of that child's
	// track, it inserts the child's current metadata at the change, so
	// that consumers know what plays.
	DisableMetadataReplay bool
	// Weights (Random, Rotate) are per child, in order; a missing weight
	// is 1 and a weight of 0 never plays its child. For Random they are
	// relative probabilities, for Rotate the number of tracks a child
	// plays in its turn.
	Weights []int
	// Seed (Random) seeds the random choices, for reproducible runs. 0
	// picks a random seed.
	Seed uint64
}

// switchConfigOf returns the configuration opts give an operator named
// name.
func switchConfigOf(opts *SwitchOptions, name string) switchConfig {
	o := valueOr(opts)
	return switchConfig{
		id:          idOr(o.ID, name),
		immediate:   o.Immediate,
		replay:      !o.DisableMetadataReplay,
		transition:  o.Transition,
		transitions: o.Transitions,
		transLen:    o.TransitionLength,
	}
}

// Switch returns a source that plays the first case whose predicate holds
// and whose source is ready. It is infallible when an infallible source is
// in a case without a predicate (a nil When). opts may be nil. It returns an error
// wrapping [ErrInvalidOption] when cases is empty, a source is nil, or an
// option is out of range.
func Switch(cases []Case, opts *SwitchOptions) (*Switcher, error) {
	p := &predicates{when: make([]func() bool, len(cases))}
	sources := make([]Source, len(cases))
	fallible := true
	for i, c := range cases {
		sources[i] = c.Source
		p.when[i] = c.When
		if c.When == nil && c.Source != nil && !c.Source.Node().Fallible() {
			fallible = false
		}
	}
	return newSwitcher(sources, switchConfigOf(opts, "switch"), p, fallible)
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
