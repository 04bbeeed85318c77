package streamtest

import (
	"testing"
	"time"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/mux"
	"github.com/stretchr/testify/require"
)

// recTrack is one packet track of a recorded frame.
type recTrack struct {
	name    string
	stream  *onair.StreamInfo
	packets []onair.Packet
}

// Recording is the encoded packets of a stretch of stream, frame by
// frame, to replay them without encoding (for benchmarks of the outputs
// alone).
type Recording struct {
	frames [][]recTrack
	// Period is the recording's length in stream time.
	Period time.Duration
}

// Record runs src (encoded tracks) for d of stream time on a manual clock
// and keeps its packets. The graph stays open until the test ends: the
// streams' codec parameters belong to its encoders.
func Record(t testing.TB, format onair.Format, src onair.Source, d time.Duration) *Recording {
	t.Helper()
	rec := &Recording{Period: d}
	sink := onair.Sink(src, func(f *onair.Frame) error {
		var l []recTrack
		for _, tr := range f.Tracks() {
			if tr.Kind == onair.PacketTrack && tr.Stream != nil {
				l = append(l, recTrack{name: tr.Name, stream: tr.Stream, packets: append([]onair.Packet(nil), tr.Packets...)})
			}
		}
		rec.frames = append(rec.frames, l)
		return nil
	}, nil)
	g, clk := NewGraph(t, format, sink)
	t.Cleanup(func() { _ = g.Close() })
	for range int(d / g.Format().FrameDuration) {
		clk.Tick()
	}
	return rec
}

// WriteFile writes the recording once to path (its extension names the
// container): the same encoded input for the ffmpeg program.
func (r *Recording) WriteFile(t testing.TB, format onair.Format, path string) {
	t.Helper()
	src := r.Source(1, nil)
	fo, err := mux.File(src, path, nil)
	require.NoError(t, err)
	g, clk := NewGraph(t, format, fo)
	for !src.Done() {
		clk.Tick()
	}
	require.NoError(t, g.Close())
}

// Replay is a source that plays a recording in a loop.
type Replay struct {
	node *onair.Node
	done bool
}

// Node returns the source's graph node.
func (r *Replay) Node() *onair.Node { return r.node }

// Done reports whether every loop has played (clock goroutine only).
func (r *Replay) Done() bool { return r.done }

// Source returns a source that plays the recording loops times (then
// only empty frames), timestamps shifted by the period on each loop so
// that they keep growing. Until gate reports true (nil: at once) it
// plays nothing and does not advance.
func (r *Recording) Source(loops int, gate func() bool) *Replay {
	i, loop := 0, 0
	rp := &Replay{}
	rp.node = onair.NewNode(onair.GeneratorFunc(func(f *onair.Frame) error {
		f.Extend(f.Free())
		if loop >= loops || (gate != nil && !gate()) {
			return nil
		}
		for _, tr := range r.frames[i] {
			tb := tr.stream.TimeBase
			shift := int64(loop) * int64(r.Period.Seconds()*float64(tb.Den)/float64(tb.Num))
			for _, p := range tr.packets {
				p.PTS += shift
				p.DTS += shift
				f.AddPacket(tr.name, tr.stream, p)
			}
		}
		if i++; i == len(r.frames) {
			i, loop = 0, loop+1
			rp.done = loop == loops
		}
		return nil
	}), &onair.NodeOptions{ID: "replay"})
	return rp
}
