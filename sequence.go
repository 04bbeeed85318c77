package onair

// Sequence returns a source that plays one track of each source in turn,
// then the last source forever. A source that is not ready when its turn
// comes, or that stops being ready in the middle of its track, is dropped
// from the sequence. The sequence is fallible when its last source is.
// opts may be nil. It returns an error wrapping [ErrInvalidOption] for no
// sources or a nil source.
func Sequence(sources []Source, opts *SwitchOptions) (*Switcher, error) {
	fallible := true
	if len(sources) > 0 && sources[len(sources)-1] != nil {
		fallible = sources[len(sources)-1].Node().Fallible()
	}
	cfg := switchConfigOf(opts, "sequence")
	return newSwitcher(sources, cfg, &sequencePolicy{}, fallible)
}

type sequencePolicy struct{ idx int }

func (p *sequencePolicy) rewind() { p.idx = 0 }

func (p *sequencePolicy) choose(s *switcher, ended bool) int {
	last := len(s.children) - 1
	if s.cur == p.idx && p.idx < last && (ended || !s.ok(p.idx)) {
		p.idx++
	}
	for p.idx < last && !s.ok(p.idx) {
		p.idx++
	}
	if s.ok(p.idx) {
		return p.idx
	}
	return -1
}

func (p *sequencePolicy) ready(s *switcher) bool {
	for _, c := range s.children[p.idx:] {
		if c.Node().Ready() {
			return true
		}
	}
	return false
}

// Once returns a source that plays the first track of s and then ends
// (its node reports io.EOF and is never ready again until it is put to
// sleep and woken up). Once is fallible. It returns an error wrapping
// [ErrInvalidOption] when s is nil.
func Once(s Source) (*Switcher, error) {
	cfg := switchConfig{id: "once", replay: true}
	return newSwitcher([]Source{s}, cfg, &oncePolicy{}, true)
}

type oncePolicy struct{ done bool }

func (p *oncePolicy) rewind() { p.done = false }

func (p *oncePolicy) choose(s *switcher, ended bool) int {
	if p.done {
		return -1
	}
	if s.cur == 0 && ended {
		p.done = true
		return -1
	}
	if s.ok(0) {
		return 0
	}
	return -1
}

func (p *oncePolicy) ready(s *switcher) bool {
	return !p.done && s.children[0].Node().Ready()
}

func (p *oncePolicy) finished() bool { return p.done }
