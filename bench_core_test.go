package onair_test

import (
	"testing"
	"time"

	"github.com/onair-go/onair"
	"github.com/stretchr/testify/require"
)

// gain is the trivial operator of the benchmarks: NewNode around a
// GeneratorFunc that copies its input with a gain.
func gain(src onair.Source, g float32) *onair.Node {
	return onair.NewNode(onair.GeneratorFunc(func(f *onair.Frame) error {
		sn := src.Node()
		in := sn.Peek()
		start := f.Len()
		k := f.Append(in, 0, in.Len())
		sn.Consume(k)
		for _, a := range f.Audio() {
			a = a[start : start+k]
			for i := range a {
				a[i] *= g
			}
		}
		return nil
	}), &onair.NodeOptions{ID: "gain", Children: []onair.Source{src}})
}

// chainGraph starts a graph of a silent source under n operators on a
// clock of the given kind, ticked by the caller, with a new track every
// track (marks, metadata and callbacks on the path too).
func chainGraph(tb testing.TB, n int, kind onair.ClockKind, mksafe, async bool, track time.Duration) (*onair.Clock, func()) {
	tb.Helper()
	clk := onair.NewClock("bench", &onair.ClockOptions{Kind: kind})
	g, err := onair.NewGraph(&onair.GraphOptions{Clock: clk, SyncCallbacks: !async})
	require.NoError(tb, err)
	src := onair.Blank(&onair.GenOptions{Duration: track, Metadata: onair.Metadata{"title": "bench"}})
	tracks := 0
	src.OnTrack(func(onair.Metadata) { tracks++ })
	var s onair.Source = src
	for range n {
		if mksafe {
			s = onair.MkSafe(s)
		} else {
			s = gain(s, 0.99)
		}
	}
	require.NoError(tb, g.Add(onair.Sink(s, nil, nil)))
	require.NoError(tb, g.Start())
	for range 50 { // warm up: every buffer reaches its steady size
		clk.Tick()
	}
	return clk, func() { require.NoError(tb, g.Close()) }
}

// BenchmarkTick measures one tick of a chain of 0 or 10 operators over a
// silent source (so that the operators dominate): the clock's whole
// per-tick work (outputs, cache, operators, generator, marks, metadata,
// callbacks). A free-running clock runs exactly this in a loop. The
// ns/tick/op metric divides a tick by the chain's length; the cost of one
// operator is best read as the difference between the 10 and 0 chains,
// divided by 10.
func BenchmarkTick(b *testing.B) {
	for _, bc := range []struct {
		name   string
		ops    int
		kind   onair.ClockKind
		mksafe bool
		async  bool
	}{
		{"FreeRunning/Ops0", 0, onair.FreeRunning, false, false},
		{"FreeRunning/Gain10", 10, onair.FreeRunning, false, false},
		{"FreeRunning/MkSafe10", 10, onair.FreeRunning, true, false},
		{"FreeRunning/Gain10AsyncCallbacks", 10, onair.FreeRunning, false, true},
		{"Manual/Gain10", 10, onair.Manual, false, false},
	} {
		b.Run(bc.name, func(b *testing.B) {
			clk, done := chainGraph(b, bc.ops, bc.kind, bc.mksafe, bc.async, 100*time.Millisecond)
			defer done()
			b.ReportAllocs()
			for b.Loop() {
				clk.Tick()
			}
			if bc.ops > 0 {
				perTick := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
				b.ReportMetric(perTick/float64(bc.ops), "ns/tick/op")
			}
		})
	}
}

// Steady state allocates nothing per tick, whatever the operators, with
// track marks, metadata and (sync or async) callbacks flowing.
func TestTickDoesNotAllocate(t *testing.T) {
	for name, c := range map[string]struct{ mksafe, async bool }{
		"Gain": {false, false}, "MkSafe": {true, false}, "AsyncCallbacks": {false, true},
	} {
		t.Run(name, func(t *testing.T) {
			// A track per frame, so that per-track costs show in the
			// per-tick average (AllocsPerRun rounds down).
			clk, done := chainGraph(t, 10, onair.FreeRunning, c.mksafe, c.async, 20*time.Millisecond)
			defer done()
			if allocs := testing.AllocsPerRun(500, clk.Tick); allocs != 0 {
				t.Errorf("%v allocations per tick, want 0", allocs)
			}
		})
	}
}

// BenchmarkSine measures a tick of a stereo sine at 44.1 kHz (882 samples
// per channel).
func BenchmarkSine(b *testing.B) {
	c := onair.NewClock("b", &onair.ClockOptions{Kind: onair.Manual})
	g, err := onair.NewGraph(&onair.GraphOptions{Clock: c})
	if err != nil {
		b.Fatal(err)
	}
	if err := g.Add(onair.Sink(onair.Sine(440, nil), func(*onair.Frame) error { return nil }, nil)); err != nil {
		b.Fatal(err)
	}
	if err := g.Start(); err != nil {
		b.Fatal(err)
	}
	defer g.Close()
	b.ReportAllocs()
	for b.Loop() {
		c.Tick()
	}
}
