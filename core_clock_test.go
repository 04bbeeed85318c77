package onair_test

import (
	"context"
	"testing"
	"time"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/onairtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func manualClock(name string) *onair.Clock {
	return onair.NewClock(name, &onair.ClockOptions{Kind: onair.Manual})
}

// mix is a test operator over several children: it adds their audio.
func mix(id string, srcs ...onair.Source) *onair.Node {
	return onair.NewNode(onair.GeneratorFunc(func(f *onair.Frame) error {
		start := f.Len()
		n := f.Extend(f.Free())
		out := f.Audio()
		for _, s := range srcs {
			in := s.Node().Read()
			for c, a := range in.Audio() {
				for i := range min(n, in.Len()) {
					out[c][start+i] += a[i]
				}
			}
		}
		return nil
	}), &onair.NodeOptions{ID: id, Children: srcs})
}

// Seed 003: a source pinned to two clocks.
func TestClockConflictError(t *testing.T) {
	s := onairtest.Counter("s")
	a, b := manualClock("a"), manualClock("b")
	o1, o2 := onair.Sink(s, nil, nil), onair.Sink(s, nil, nil)
	onair.Assign(a, o1)
	onair.Assign(b, o2)
	g, _ := manualGraph(t, &onair.GraphOptions{Clock: a})
	require.NoError(t, g.Add(o1, o2))
	err := g.Start()
	var ce *onair.ClockConflictError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "s", ce.Source)
	assert.ElementsMatch(t, []string{"a", "b"}, ce.Clocks[:])
	assert.Contains(t, err.Error(), `source "s" cannot belong to two clocks (`+ce.Clocks[0]+", "+ce.Clocks[1]+")")
	assert.Contains(t, err.Error(), "onair.Buffer", "the hint names the fix")
}

// Seed 003, first example: a source read ahead in a child clock and also
// played by another output of the main clock.
func TestClockConflictReadAheadAndOutput(t *testing.T) {
	s := onairtest.Counter("s")
	ra := newReadAhead("fade", s)
	g, _ := manualGraph(t, nil)
	require.NoError(t, g.Add(onair.Sink(ra, nil, nil), onair.Sink(s, nil, &onair.OutputOptions{ID: "monitor"})))
	err := g.Start()
	var ce *onair.ClockConflictError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "s", ce.Source)
	assert.ElementsMatch(t, []string{"fade.child", "test"}, ce.Clocks[:])
	assert.Contains(t, err.Error(), "cannot belong to two clocks")
	assert.Contains(t, err.Error(), "give each clock its own source")
}

// Seed 003, nested clocks: add([crossfade(s), s]).
func TestNestedClockError(t *testing.T) {
	s := onairtest.Counter("s")
	ra := newReadAhead("fade", s)
	g, _ := manualGraph(t, nil)
	require.NoError(t, g.Add(onair.Sink(mix("add", ra, s), nil, nil)))
	err := g.Start()
	var ne *onair.NestedClockError
	require.ErrorAs(t, err, &ne)
	assert.Equal(t, "fade", ne.Operator)
	assert.Equal(t, "fade.child", ne.Clock)
	assert.Equal(t, "test", ne.Parent)
	assert.Equal(t, []string{"s"}, ne.Sources)
	assert.Contains(t, err.Error(), "cannot unify nested clocks (fade.child inside test)")
	assert.Contains(t, err.Error(), `"s"`)
	assert.Contains(t, err.Error(), "give each clock its own source")
}

// The documented fix: one source per clock. The graph starts and plays
// both sources, the read-ahead one through its child clock.
func TestSeparateSourcesPerClock(t *testing.T) {
	s1, s2 := onairtest.Counter("s1"), onairtest.Counter("s2")
	ra := newReadAhead("fade", s1)
	c := onairtest.Collect(t, mix("add", ra, s2), 10, nil)
	require.Equal(t, 10*fs, c.Len())
	for i, v := range c.Audio[0] {
		if v != float32(2*i) {
			require.Failf(t, "wrong mix", "sample %d is %v, want %d", i, v, 2*i)
		}
	}
	assert.Same(t, ra.child, s1.Node().Clock())
	assert.NotSame(t, ra.child, s2.Node().Clock())
	assert.Equal(t, 10, ra.reads)
}

func TestSyncConflictError(t *testing.T) {
	card := func(id, dev string) *onair.Node {
		return onair.NewNode(onair.GeneratorFunc(func(f *onair.Frame) error { f.Extend(f.Free()); return nil }),
			&onair.NodeOptions{ID: id, Sync: dev})
	}
	t.Run("SameClock", func(t *testing.T) {
		g, _ := manualGraph(t, nil)
		require.NoError(t, g.Add(onair.Sink(card("card1", "hw:0"), nil, nil), onair.Sink(card("card2", "hw:1"), nil, nil)))
		err := g.Start()
		var se *onair.SyncConflictError
		require.ErrorAs(t, err, &se)
		assert.Equal(t, "test", se.Clock)
		assert.Equal(t, []string{"card1 (hw:0)", "card2 (hw:1)"}, se.Sources)
		assert.Contains(t, err.Error(), `clock "test" has multiple synchronization sources (card1 (hw:0), card2 (hw:1))`)
	})
	t.Run("OneClockEach", func(t *testing.T) {
		other := manualClock("other")
		o2 := onair.Sink(card("card2", "hw:1"), nil, nil)
		onair.Assign(other, o2)
		g, clk := manualGraph(t, nil)
		require.NoError(t, g.Add(onair.Sink(card("card1", "hw:0"), nil, nil), o2))
		require.NoError(t, g.Start())
		assert.Equal(t, "card1 (hw:0)", clk.Status().Sync)
		assert.Equal(t, "card2 (hw:1)", other.Status().Sync)
	})
}

func TestClockStatus(t *testing.T) {
	ra := newReadAhead("fade", onairtest.Counter("s"))
	g, clk := manualGraph(t, nil)
	require.NoError(t, g.Add(onair.Sink(ra, nil, nil), onair.Sink(onair.Sine(440, nil), nil, nil)))
	require.NoError(t, g.Start())
	tick(clk, 7)
	st := clk.Status()
	assert.Equal(t, onair.ClockStatus{Name: "test", Kind: onair.Manual, Ticks: 7, Time: 140 * time.Millisecond, Outputs: 2, SubClocks: 1}, st)
	all := g.Status()
	require.Len(t, all, 2)
	assert.Equal(t, st, all[0])
	assert.Equal(t, onair.ClockStatus{Name: "fade.child", Kind: onair.Passive, Ticks: 7, Time: 140 * time.Millisecond, Outputs: 1}, all[1])
	assert.Equal(t, "manual", onair.Manual.String())
}

func TestGraphLifecycleErrors(t *testing.T) {
	clk := manualClock("test")
	clk.Tick()
	assert.Equal(t, uint64(0), clk.Ticks(), "a clock outside a started graph does not tick")

	g, _ := manualGraph(t, &onair.GraphOptions{Clock: clk})
	require.ErrorIs(t, g.Add(onair.Sine(440, nil)), onair.ErrNotOutput)
	require.NoError(t, g.Add(onair.Sink(onair.Sine(440, nil), nil, nil)))
	require.NoError(t, g.Start())
	require.ErrorIs(t, g.Start(), onair.ErrStarted)
	require.ErrorIs(t, g.Add(onair.Sink(onair.Sine(440, nil), nil, nil)), onair.ErrStarted)
	require.ErrorIs(t, g.Run(context.Background()), onair.ErrNoRunnableClock)
	require.NoError(t, g.Close())
	require.NoError(t, g.Close(), "Close is idempotent")
	require.ErrorIs(t, g.Start(), onair.ErrClosed)
	clk.Tick()
	assert.Equal(t, uint64(0), clk.Ticks(), "a closed graph's clock does not tick")

	g2, _ := manualGraph(t, &onair.GraphOptions{Clock: clk})
	require.NoError(t, g2.Add(onair.Sink(onair.Sine(440, nil), nil, nil)))
	require.ErrorContains(t, g2.Start(), "already belongs to another graph")

	_, err := onair.NewGraph(&onair.GraphOptions{Format: onair.Format{SampleRate: -1}})
	require.ErrorIs(t, err, onair.ErrInvalidFormat)
}
