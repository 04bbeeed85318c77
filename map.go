package onair

// Map returns a one-input operator: it plays src with fn applied to the
// main audio track. Each tick fn gets the samples src gave in that tick,
// one slice per channel, and changes them in place; it runs on the clock
// goroutine and must not keep the slices. Everything else is src's: its
// readiness and fallibility, track marks and metadata at their positions,
// the other tracks, Remaining and Skip. For instance, a polarity inverter:
//
//	inverted := onair.Map(src, func(audio [][]float32) {
//		for _, ch := range audio {
//			for i := range ch {
//				ch[i] = -ch[i]
//			}
//		}
//	})
func Map(src Source, fn func(audio [][]float32)) *Node {
	return NewNode(&mapper{src: src, fn: fn}, &NodeOptions{ID: "map", Children: []Source{src}, Fallible: src.Node().Fallible()})
}

type mapper struct {
	src  Source
	fn   func([][]float32)
	view [][]float32
}

func (m *mapper) Generate(f *Frame) error {
	start := f.Len()
	if m.src.Node().Pull(f) == 0 {
		return nil
	}
	m.view = m.view[:0]
	for _, ch := range f.Audio() {
		m.view = append(m.view, ch[start:f.Len()])
	}
	m.fn(m.view)
	return nil
}
