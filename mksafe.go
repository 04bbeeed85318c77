package onair

// MkSafe returns an infallible source that plays s when it is ready and
// silence otherwise, switching immediately (not only at track boundaries).
// A short frame of s while s is ready is passed on as it is (no more data
// now), not filled with silence, unless s ended in it.
// A track mark is inserted at each switch between s and silence. MkSafe
// does not propagate errors: s's failures become silence.
func MkSafe(s Source) *Node {
	return NewNode(&mksafe{s: s}, &NodeOptions{ID: "mksafe", Children: []Source{s}})
}

type mksafe struct {
	s       Source
	silence bool
}

func (m *mksafe) Generate(f *Frame) error {
	sn := m.s.Node()
	if sn.Ready() {
		// A short frame of a ready source is "no more data now", not a
		// failure: it is passed as it is.
		in := sn.Peek()
		if m.silence {
			f.AddMark(f.Len())
			m.silence = false
		}
		k := f.Append(in, 0, in.Len())
		sn.Consume(k)
		if !sn.Ended() {
			return nil
		}
	}
	if f.Free() > 0 {
		if !m.silence {
			f.AddMark(f.Len())
			m.silence = true
		}
		f.Extend(f.Free())
	}
	return nil
}

// Ready is always true: MkSafe plays silence when s is not ready.
func (m *mksafe) Ready() bool { return true }
