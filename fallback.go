package onair

// Fallback returns a source that plays the first ready child, in the order
// given. By default it changes child only at track boundaries, or when the
// child playing stops being ready (Liquidsoap's track_sensitive=true);
// [SwitchOptions.Immediate] makes a child of higher priority cut in as
// soon as it is ready (live shows). It is infallible when at least one
// child is infallible. opts may be nil. It returns an error wrapping [ErrInvalidOption] when sources is
// empty, holds nil, or an option is out of range.
func Fallback(sources []Source, opts *SwitchOptions) (*Switcher, error) {
	cfg := switchConfigOf(opts, "fallback")
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
