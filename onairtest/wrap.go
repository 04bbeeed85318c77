package onairtest

import "github.com/onair-go/onair"

// Stutter returns a fallible source that plays src but is unready on
// every even tick of its clock (2, 4, ...). src is not pulled on those
// ticks, so nothing of it is lost: it is delayed. Stutter exercises the
// readiness handling of the operators above it. It does not change src's
// errors or end.
func Stutter(src onair.Source) *onair.Node {
	s := &stutter{src: src}
	s.node = onair.NewNode(s, &onair.NodeOptions{ID: "stutter", Children: []onair.Source{src}, Fallible: true})
	return s.node
}

type stutter struct {
	node *onair.Node
	src  onair.Source
}

func (s *stutter) Ready() bool {
	if c := s.node.Clock(); c != nil && c.Ticks()%2 == 0 {
		return false
	}
	return s.src.Node().Ready()
}

func (s *stutter) Generate(f *onair.Frame) error { return pass(s.src, f, f.Free()) }

// ErrAfter returns a fallible source that plays src for n frames (n calls
// of its generator), then returns err from every later call without
// producing data. With err == io.EOF the source ends after n frames.
func ErrAfter(src onair.Source, n int, err error) *onair.Node {
	e := &errAfter{src: src, left: n, err: err}
	return onair.NewNode(e, &onair.NodeOptions{ID: "errafter", Children: []onair.Source{src}, Fallible: true})
}

type errAfter struct {
	src  onair.Source
	left int
	err  error
}

func (e *errAfter) Ready() bool { return e.left <= 0 || e.src.Node().Ready() }

func (e *errAfter) Generate(f *onair.Frame) error {
	if e.left <= 0 {
		return e.err
	}
	e.left--
	return pass(e.src, f, f.Free())
}

// Short returns a source that plays src at most n samples per tick: its
// frames are short, and src keeps (and replays) what was not taken. It is
// fallible if src is.
func Short(src onair.Source, n int) *onair.Node {
	return onair.NewNode(&short{src: src, n: max(n, 0)}, &onair.NodeOptions{ID: "short", Children: []onair.Source{src}, Fallible: src.Node().Fallible()})
}

type short struct {
	src onair.Source
	n   int
}

func (s *short) Generate(f *onair.Frame) error { return pass(s.src, f, s.n) }

// pass appends up to n samples of src's frame to f and consumes them.
func pass(src onair.Source, f *onair.Frame, n int) error {
	sn := src.Node()
	if !sn.Ready() {
		return nil
	}
	in := sn.Peek()
	k := f.Append(in, 0, min(in.Len(), n))
	sn.Consume(k)
	return nil
}
