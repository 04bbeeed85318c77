package onair

import "io"

// transitionFor returns the transition for a switch to child j, or nil.
func (s *switcher) transitionFor(j int) Transition {
	if j < len(s.cfg.transitions) && s.cfg.transitions[j] != nil {
		return s.cfg.transitions[j]
	}
	return s.cfg.transition
}

// startTransition builds and attaches the transition from child from to
// child j, if the operator has one, and reports whether it did.
func (s *switcher) startTransition(from, j int) bool {
	fn := s.transitionFor(j)
	if fn == nil {
		return false
	}
	fv, tv := s.vnodes[2*from], s.vnodes[2*j+1]
	s.views[2*from].reset(s.transN)
	s.views[2*j+1].reset(s.transN)
	t := fn(fv, tv)
	if t == nil || t.Node() == nil {
		return false
	}
	if err := s.node.Attach(t); err != nil {
		s.node.logger().Error("transition not played", "source", s.node.id, "err", err)
		return false
	}
	s.tr, s.trTo, s.trLeft, s.trPos, s.toUsed = t, j, s.transN, 0, false
	return true
}

// pullTransition appends data of the running transition and reports
// whether it appended anything.
func (s *switcher) pullTransition(f *Frame) bool {
	tn := s.tr.Node()
	if s.trLeft <= 0 || !tn.Ready() {
		return false
	}
	in := tn.Peek()
	n := min(in.Len()-s.trPos, s.trLeft)
	if n <= 0 {
		return false
	}
	// The junction's mark was placed at the switch: drop the
	// transition's own marks (they are all at or after f.Len()).
	before := len(f.marks)
	k := f.Append(in, s.trPos, s.trPos+n)
	f.marks = f.marks[:before]
	s.trPos += k
	s.trLeft -= k
	tn.Consume(s.trPos)
	return k > 0
}

// endTransition detaches the transition; the switcher goes on with the
// child it led to, where the transition left it. When the transition did
// not read that child (a jingle), the child starts a track of its own.
func (s *switcher) endTransition(f *Frame) {
	s.node.Detach(s.tr)
	s.tr = nil
	s.setCur(s.trTo)
	s.fresh = true
	if !s.toUsed {
		f.AddMark(f.Len())
	}
	s.replay, s.trReplay = s.trReplay, nil
}

// switchView shows a child to a transition: from where the switcher is in the
// child's frame, at most the transition length; the old side stops at the
// end of the interrupted track.
type switchView struct {
	s    *switcher
	i    int
	from bool
	left int
	done bool
}

func (v *switchView) reset(budget int) { v.left, v.done = budget, false }

func (v *switchView) Ready() bool {
	return !v.done && v.left > 0 && v.s.children[v.i].Node().Ready()
}

func (v *switchView) Remaining() int {
	r := v.s.children[v.i].Node().Remaining()
	if r < 0 || r > v.left {
		return v.left
	}
	return r
}

func (v *switchView) Generate(f *Frame) error {
	cn := v.s.children[v.i].Node()
	in := cn.Peek()
	off := v.s.pos[v.s.slot[v.i]]
	end := min(in.Len(), off+v.left, off+f.Free())
	if v.from {
		for _, m := range in.Marks() {
			if m >= off {
				if m < end || m == off {
					end, v.done = m, true
				}
				break
			}
		}
	}
	if end > off {
		if !v.from {
			v.s.toUsed = true
			if m := v.s.trReplay; m != nil {
				f.AddMetadata(f.Len(), m)
				v.s.trReplay = nil
			}
		}
		k := f.Append(in, off, end)
		v.s.pos[v.s.slot[v.i]] = off + k
		cn.Consume(off + k)
		v.left -= k
	}
	if v.done || v.left <= 0 {
		return io.EOF
	}
	return nil
}
