package onair

import "time"

// FallbackOptions configure [Fallback]. A nil *FallbackOptions is valid.
type FallbackOptions struct {
	// ID names the operator. It defaults to "fallback".
	ID string
	// Immediate switches to a child of higher priority as soon as it is
	// ready, in the middle of the current track (live shows cutting in).
	// By default the fallback changes child only at track boundaries, or
	// when the current child stops being ready (Liquidsoap's
	// track_sensitive=true).
	Immediate bool
	// Transitions[i], when set, builds the transition played when the
	// fallback switches to child i. Children without one use Transition.
	Transitions []Transition
	// Transition is the transition for children without their own in
	// Transitions. It defaults to none: the new child starts at once.
	Transition Transition
	// TransitionLength caps every transition. It defaults to 5s.
	TransitionLength time.Duration
	// DisableMetadataReplay turns off the replay of metadata. By default,
	// when the fallback switches to a child in the middle of that child's
	// track, it inserts the child's current metadata at the switch, so
	// that consumers know what plays.
	DisableMetadataReplay bool
}

// Fallback returns a source that plays the first ready child, in the order
// given. It is infallible when at least one child is infallible. opts may
// be nil. It returns an error wrapping [ErrInvalidOption] when sources is
// empty, holds nil, or an option is out of range.
func Fallback(sources []Source, opts *FallbackOptions) (*Switcher, error) {
	o := valueOr(opts)
	cfg := switchConfig{
		id:          idOr(o.ID, "fallback"),
		immediate:   o.Immediate,
		replay:      !o.DisableMetadataReplay,
		transition:  o.Transition,
		transitions: o.Transitions,
		transLen:    o.TransitionLength,
	}
	fallible := true
	for _, s := range sources {
		if s != nil && !s.Node().Fallible() {
			fallible = false
		}
	}
	return newSwitcher(sources, cfg, firstReady{}, fallible)
}

// firstReady is Fallback's policy: the first child with data.
type firstReady struct{}

func (firstReady) choose(s *switcher, _ bool) int {
	for i := range s.children {
		if s.ok(i) {
			return i
		}
	}
	return -1
}

func (firstReady) ready(s *switcher) bool {
	for _, c := range s.children {
		if c.Node().Ready() {
			return true
		}
	}
	return false
}
