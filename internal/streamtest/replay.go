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
// and keeps its packets; with file set, it also writes them to that file
// (the same encoded input for the ffmpeg program).
func Record(t testing.TB, format onair.Format, src onair.Source, d time.Duration, file string) *Recording {
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
	outs := []onair.Source{sink}
	if file != "" {
		fo, err := mux.File(src, file, nil)
		require.NoError(t, err)
		outs = append(outs, fo)
	}
	clk := onair.NewClock("rec", &onair.ClockOptions{Kind: onair.Manual})
	g, err := onair.NewGraph(&onair.GraphOptions{Clock: clk, SyncCallbacks: true, Format: format})
	require.NoError(t, err)
	require.NoError(t, g.Add(outs...))
	require.NoError(t, g.Start())
	for range int(d / g.Format().FrameDuration) {
		clk.Tick()
	}
	require.NoError(t, g.Close())
	return rec
}

// Source returns a source that plays the recording in a loop for loops
// times (then ends), timestamps shifted by the period on each loop so
// that they keep growing.
func (r *Recording) Source(loops int) *onair.Node {
	i, loop := 0, 0
	return onair.NewNode(onair.GeneratorFunc(func(f *onair.Frame) error {
		if loop >= loops {
			return nil
		}
		n := f.Extend(f.Free())
		_ = n
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
		}
		return nil
	}), &onair.NodeOptions{ID: "replay"})
}
