package onair

import "fmt"

// AddOptions configure [Add]. A nil *AddOptions is valid.
type AddOptions struct {
	// ID names the operator. It defaults to "add".
	ID string
	// Weights scale the sources, in order. A missing weight is 1.
	Weights []float64
	// DisableNormalization outputs the weighted sum as is. By default the
	// sum is divided by the total weight of the sources playing at each
	// sample, so that mixing never raises the level.
	DisableNormalization bool
}

// Add returns a source that mixes the audio of its sources, sample by
// sample. At each tick it mixes every ready source; a source that gives
// less data than the others contributes silence past its end (and stops
// counting in the normalization), so nothing is dropped or delayed. It
// relays the metadata of every source at its position and drops track
// marks (the mix is one track). Only audio tracks are mixed; other tracks
// are dropped. Add is infallible when one of its sources is; it does not
// propagate errors. Skip skips the current track of every source.
// opts may be nil. It returns an error wrapping [ErrInvalidOption] for no
// sources, a nil source, or an invalid or extra weight.
func Add(sources []Source, opts *AddOptions) (*Node, error) {
	o := valueOr(opts)
	id := idOr(o.ID, "add")
	if len(sources) == 0 {
		return nil, fmt.Errorf("%w: %s needs at least one source", ErrInvalidOption, id)
	}
	if len(o.Weights) > len(sources) {
		return nil, fmt.Errorf("%w: %s: %d weights for %d sources", ErrInvalidOption, id, len(o.Weights), len(sources))
	}
	a := &adder{
		children: append([]Source(nil), sources...),
		w:        make([]float64, len(sources)),
		lens:     make([]int, len(sources)),
		ins:      make([]*Frame, len(sources)),
		norm:     !o.DisableNormalization,
	}
	fallible := true
	for i, s := range sources {
		if s == nil {
			return nil, fmt.Errorf("%w: %s: source %d is nil", ErrInvalidOption, id, i)
		}
		a.w[i] = 1
		if i < len(o.Weights) {
			a.w[i] = o.Weights[i]
		}
		if a.w[i] != a.w[i] || a.w[i]-a.w[i] != 0 {
			return nil, fmt.Errorf("%w: %s: weight %v", ErrInvalidOption, id, a.w[i])
		}
		if !s.Node().Fallible() {
			fallible = false
		}
	}
	return NewNode(a, &NodeOptions{ID: id, Children: a.children, Fallible: fallible}), nil
}

type adder struct {
	children []Source
	w        []float64
	norm     bool
	lens     []int
	ins      []*Frame
}

func (a *adder) Ready() bool {
	for _, c := range a.children {
		if c.Node().Ready() {
			return true
		}
	}
	return false
}

func (a *adder) Skip() {
	for _, c := range a.children {
		c.Node().Skip()
	}
}

func (a *adder) Generate(f *Frame) error {
	base, free := f.Len(), f.Free()
	n := 0
	for i, c := range a.children {
		cn := c.Node()
		a.ins[i], a.lens[i] = nil, 0
		if !cn.Ready() {
			continue
		}
		in := cn.Peek()
		l := min(in.Len(), free)
		if l == 0 {
			continue
		}
		a.ins[i], a.lens[i] = in, l
		n = max(n, l)
	}
	if n == 0 {
		return nil
	}
	f.Extend(n)
	for i, in := range a.ins {
		if in == nil {
			continue
		}
		l, w := a.lens[i], float32(a.w[i])
		for ti := range f.tracks {
			t := &f.tracks[ti]
			if t.Kind != AudioTrack {
				continue
			}
			st := in.Track(t.Name)
			if st == nil || st.Kind != AudioTrack {
				continue
			}
			for c := range min(len(t.Audio), len(st.Audio)) {
				dst, src := t.Audio[c][base:base+l], st.Audio[c][:l]
				for j, x := range src {
					dst[j] += w * x
				}
			}
		}
		for _, m := range in.Metadata() {
			if m.Pos < l || (m.Pos == l && l == in.Len()) {
				f.AddMetadata(base+m.Pos, m.Metadata)
			}
		}
		a.children[i].Node().Consume(l)
	}
	if a.norm {
		a.normalize(f, base, n)
	}
	return nil
}

// normalize divides each sample by the total weight of the sources that
// cover it: the ranges between the distinct lengths of the inputs.
func (a *adder) normalize(f *Frame, base, n int) {
	start := 0
	for start < n {
		end, total := n, 0.0
		for i, l := range a.lens {
			if a.ins[i] != nil && l > start {
				end = min(end, l)
			}
		}
		for i, l := range a.lens {
			if a.ins[i] != nil && l >= end {
				total += a.w[i]
			}
		}
		if total != 0 && total != 1 {
			g := float32(1 / total)
			for ti := range f.tracks {
				t := &f.tracks[ti]
				if t.Kind != AudioTrack {
					continue
				}
				for c := range t.Audio {
					for j := range t.Audio[c][base+start : base+end] {
						t.Audio[c][base+start+j] *= g
					}
				}
			}
		}
		start = end
	}
}
