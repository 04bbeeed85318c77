package onair

import (
	"fmt"
	"math/rand/v2"
)

// Random returns a source that plays one track of a randomly chosen ready
// child at a time, each child chosen with a probability proportional to
// its weight. It is infallible when a child of positive weight is. opts may
// be nil. It returns an error wrapping [ErrInvalidOption] for no sources,
// a nil source, or a negative or extra weight.
func Random(sources []Source, opts *SwitchOptions) (*Switcher, error) {
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
			p.w[i] = float64(o.Weights[i])
		}
		if p.w[i] < 0 {
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
	cfg := switchConfigOf(opts, id)
	cfg.immediate = false // a track at a time
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

// Rotate returns a source that plays its children in turn: Weights[i]
// tracks of child i, then the next ready child, round and round. A child
// that is not ready when its turn comes is passed over. It is infallible
// when a child of positive weight is. opts may be nil. It returns an error
// wrapping [ErrInvalidOption] for no sources, a nil source, or a negative
// or extra weight.
func Rotate(sources []Source, opts *SwitchOptions) (*Switcher, error) {
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
	cfg := switchConfigOf(opts, id)
	cfg.immediate = false // a track at a time
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
