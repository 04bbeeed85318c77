package mux_test

import (
	"fmt"
	"testing"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/internal/avmux/avmuxtest"
)

// rendition is one encoding of the test source.
type rendition struct {
	track   string
	codec   string
	bitRate int64
}

// encSource is a test-only shared encoder: it pulls raw audio from its
// child once per tick and encodes it with every rendition, each into its
// own packet track, placing packets at positions derived from their PTS.
// It keeps every packet it emits, for the tests to compare with what the
// files hold. (The graph tests that need new streams use encode.Audio.)
type encSource struct {
	t       *testing.T
	in      onair.Source
	specs   []rendition
	encs    []*avmuxtest.Encoder
	nextID  uint64
	samples int64 // graph samples consumed so far
	base    []int64
	emitted map[string][]onair.Packet // every packet placed in a frame, per track
	node    *onair.Node
}

func newEncSource(t *testing.T, in onair.Source, specs ...rendition) *encSource {
	e := &encSource{t: t, in: in, specs: specs, emitted: map[string][]onair.Packet{}}
	e.node = onair.NewNode(e, &onair.NodeOptions{ID: "testenc", Children: []onair.Source{in}})
	t.Cleanup(e.close)
	return e
}

func (e *encSource) Node() *onair.Node { return e.node }

func (e *encSource) WakeUp(f *onair.Format) error { return e.open(f) }

func (e *encSource) open(f *onair.Format) error {
	e.close()
	e.encs = e.encs[:0]
	e.base = e.base[:0]
	for _, s := range e.specs {
		enc, err := avmuxtest.NewAudio(s.codec, f.SampleRate, f.Channels, s.bitRate)
		if err != nil {
			return fmt.Errorf("%s: %w", s.codec, err)
		}
		e.nextID++
		enc.Info().ID = e.nextID
		e.encs = append(e.encs, enc)
		e.base = append(e.base, e.samples)
	}
	return nil
}

func (e *encSource) close() {
	for _, enc := range e.encs {
		enc.Close()
	}
}

func (e *encSource) Generate(f *onair.Frame) error {
	n := e.in.Node()
	if !n.Ready() {
		return nil
	}
	in := n.Peek()
	start := f.Len()
	k := f.Append(in, 0, in.Len())
	n.Consume(k)
	for i := range e.encs {
		f.AddTrack(e.specs[i].track, onair.PacketTrack, e.encs[i].Info())
	}
	if err := e.encode(f, start, 0, k); err != nil {
		return err
	}
	e.samples += int64(k)
	return nil
}

func (e *encSource) encode(f *onair.Frame, start, from, to int) error {
	planes := f.Audio()
	chunk := make([][]float32, len(planes))
	for c := range planes {
		chunk[c] = planes[c][start+from : start+to]
	}
	for i, enc := range e.encs {
		pk, err := enc.Audio(chunk)
		if err != nil {
			return err
		}
		e.place(f, i, start, -1, pk)
	}
	return nil
}

// place adds packets to the frame at the position of their PTS (clamped to
// the frame), or at pos when pos >= 0.
func (e *encSource) place(f *onair.Frame, i, start, pos int, pk []onair.Packet) {
	name := e.specs[i].track
	info := e.encs[i].Info()
	for _, p := range pk {
		at := pos
		if at < 0 {
			ps := e.base[i] + p.PTS*int64(f.Format().SampleRate)*int64(info.TimeBase.Num)/int64(info.TimeBase.Den)
			at = int(max(0, min(int64(start)+ps-e.samples, int64(f.Len()-1))))
		}
		p.Pos = at
		f.AddPacket(name, info, p)
		e.emitted[name] = append(e.emitted[name], p)
	}
}
