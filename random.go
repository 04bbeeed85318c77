package onair

import (
	"fmt"
	"math/rand/v2"
	"time"
)

// RandomOptions configure [Random]. A nil *RandomOptions is valid.
type RandomOptions struct {
	// ID names the operator. It defaults to "random".
	ID string
	// Weights are the relative probabilities of the sources, in order. A
	// missing weight is 1; a weight of 0 never plays its source.
	Weights []float64
	// Seed seeds the random choices, for reproducible runs. 0 picks a
	// random seed.
	Seed uint64
	// Transition is played at each change of child. It defaults to none.
	Transition Transition
	// TransitionLength caps the transition. It defaults to 5s.
	TransitionLength time.Duration
	// DisableMetadataReplay turns off the replay of a child's metadata when
	// it is selected in the middle of a track.
	DisableMetadataReplay bool
}

// Random returns a source that plays one track of a randomly chosen ready
// child at a time, each child chosen with a probability proportional to
// its weight. It is infallible when a child of positive weight is. opts may
// be nil. It returns an error wrapping [ErrInvalidOption] for no sources,
// a nil source, or a negative or extra weight.
func Random(sources []Source, opts *RandomOptions) (*Switcher, error) {
	o := valueOr(opts)
	id := idOr(o.ID, "random")
	if len(o.Weights) > len(sources) {
		return nil, fmt.Errorf("%w: %s: %d weights for %d sources", ErrInvalidOption, id, len(o.Weights), len(sources))
	}
	p := &randomPolicy{w: make([]float64, len(sources))}
	fallible := true
	for i := range sources {
		p.w[i] = 1
		if i < len(o.Weights) {
			p.w[i] = o.Weights[i]
		}
		if p.w[i] < 0 || p.w[i] != p.w[i] {
			return nil, fmt.Errorf("%w: %s: weight %v", ErrInvalidOption, id, p.w[i])
		}
		if p.w[i] > 0 && sources[i] != nil && !sources[i].Node().Fallible() {
			fallible = false
		}
	}
	seed := o.Seed
	if seed == 0 {
		seed = rand.Uint64()
	}
	p.rng = rand.New(rand.NewPCG(seed, seed^0x5851f42d4c957f2d))
	cfg := switchConfig{id: id, replay: !o.DisableMetadataReplay, transition: o.Transition, transLen: o.TransitionLength}
	return newSwitcher(sources, cfg, p, fallible)
}

type randomPolicy struct {
	w   []float64
	rng *rand.Rand
}

func (p *randomPolicy) choose(s *switcher, _ bool) int {
	total := 0.0
	for i := range s.children {
		if p.w[i] > 0 && s.ok(i) {
			total += p.w[i]
		}
	}
	if total == 0 {
		return -1
	}
	r := p.rng.Float64() * total
	last := -1
	for i := range s.children {
		if p.w[i] > 0 && s.ok(i) {
			last = i
			if r < p.w[i] {
				return i
			}
			r -= p.w[i]
		}
	}
	return last
}

func (p *randomPolicy) ready(s *switcher) bool {
	for i, c := range s.children {
		if p.w[i] > 0 && c.Node().Ready() {
			return true
		}
	}
	return false
}

// RotateOptions configure [Rotate]. A nil *RotateOptions is valid.
type RotateOptions struct {
	// ID names the operator. It defaults to "rotate".
	ID string
	// Weights are the number of tracks each source plays in its turn, in
	// order. A missing weight is 1; a weight of 0 skips the source.
	Weights []int
	// Transition is played at each change of child. It defaults to none.
	Transition Transition
	// TransitionLength caps the transition. It defaults to 5s.
	TransitionLength time.Duration
	// DisableMetadataReplay turns off the replay of a child's metadata when
	// it is selected in the middle of a track.
	DisableMetadataReplay bool
}

// Rotate returns a source that plays its children in turn: Weights[i]
// tracks of child i, then the next ready child, round and round. A child
// that is not ready when its turn comes is passed over. It is infallible
// when a child of positive weight is. opts may be nil. It returns an error
// wrapping [ErrInvalidOption] for no sources, a nil source, or a negative
// or extra weight.
func Rotate(sources []Source, opts *RotateOptions) (*Switcher, error) {
	o := valueOr(opts)
	id := idOr(o.ID, "rotate")
	if len(o.Weights) > len(sources) {
		return nil, fmt.Errorf("%w: %s: %d weights for %d sources", ErrInvalidOption, id, len(o.Weights), len(sources))
	}
	p := &rotatePolicy{w: make([]int, len(sources)), last: -1}
	fallible := true
	for i := range sources {
		p.w[i] = 1
		if i < len(o.Weights) {
			p.w[i] = o.Weights[i]
		}
		if p.w[i] < 0 {
			return nil, fmt.Errorf("%w: %s: weight %d", ErrInvalidOption, id, p.w[i])
		}
		if p.w[i] > 0 && sources[i] != nil && !sources[i].Node().Fallible() {
			fallible = false
		}
	}
	cfg := switchConfig{id: id, replay: !o.DisableMetadataReplay, transition: o.Transition, transLen: o.TransitionLength}
	return newSwitcher(sources, cfg, p, fallible)
}

type rotatePolicy struct {
	w      []int
	last   int // child of the current turn
	played int // tracks started by it in this turn
}

func (p *rotatePolicy) rewind() { p.last, p.played = -1, 0 }

func (p *rotatePolicy) choose(s *switcher, ended bool) int {
	if p.last >= 0 && p.last == s.cur && ended && p.played < p.w[p.last] && s.ok(p.last) {
		p.played++
		return p.last
	}
	if p.last >= 0 && p.last == s.cur && !ended && p.played <= p.w[p.last] && s.ok(p.last) {
		return p.last
	}
	n := len(s.children)
	for k := 1; k <= n; k++ {
		i := (p.last + k) % n
		if p.last < 0 {
			i = k - 1
		}
		if p.w[i] > 0 && s.ok(i) {
			p.last, p.played = i, 1
			return i
		}
	}
	return -1
}

func (p *rotatePolicy) ready(s *switcher) bool {
	for i, c := range s.children {
		if p.w[i] > 0 && c.Node().Ready() {
			return true
		}
	}
	return false
}
