package onair_test

import (
	"testing"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/onairtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Seed 001: a source listened to by two outputs gives both every frame,
// in order, none skipped or duplicated, and is computed once per tick.
func TestSharedSourceTwoOutputs(t *testing.T) {
	src := onairtest.Counter("music")
	clk := onair.NewClock("test", &onair.ClockOptions{Kind: onair.Manual})
	ra, rb := onairtest.NewRecorder(clk), onairtest.NewRecorder(clk)
	g, _ := manualGraph(t, &onair.GraphOptions{Clock: clk})
	require.NoError(t, g.Add(onair.NewOutput(src, ra, nil), onair.NewOutput(src, rb, nil)))
	require.NoError(t, g.Start())
	tick(clk, 50)

	for name, c := range map[string]*onairtest.Capture{"first": ra.Capture(), "second": rb.Capture()} {
		require.Len(t, c.Frames, 50, name)
		for i, f := range c.Frames {
			assert.Equal(t, uint64(i+1), f.Tick, name)
			assert.Equal(t, fs, f.Len, name)
		}
		requireCounting(t, c.Audio[0], 0, name+" output skipped or repeated data")
		assert.Equal(t, []int{0}, c.Marks, name)
	}
	assert.Equal(t, 50, src.Counts().Generate, "computed once per tick for two outputs")
	assert.ElementsMatch(t, []string{"output", "output.2"}, src.Node().Consumers())
}

// A source used twice in one tick (a diamond: two operators over it, both
// under one mixing operator) is computed once.
func TestSharedSourceComputedOncePerTick(t *testing.T) {
	src := onairtest.Counter("music")
	a, b := newOp("a", src, 1, nil), newOp("b", src, 2, nil)
	sum := onair.NewNode(onair.GeneratorFunc(func(f *onair.Frame) error {
		fa, fb := a.node.Read(), b.node.Read()
		start := f.Len()
		f.Append(fa, 0, fa.Len())
		out, in := f.Audio(), fb.Audio()
		for c := range out {
			for i := range fb.Len() {
				out[c][start+i] += in[c][i]
			}
		}
		return nil
	}), &onair.NodeOptions{ID: "sum", Children: []onair.Source{a, b}})
	c := onairtest.Collect(t, sum, 20, nil)
	require.Equal(t, 20*fs, c.Len())
	for i, v := range c.Audio[0] {
		if v != float32(3*i) {
			require.Failf(t, "wrong sum", "sample %d is %v, want %d", i, v, 3*i)
		}
	}
	assert.Equal(t, 20, src.Counts().Generate)
	assert.Equal(t, 20, src.Counts().Ready, "readiness is asked once per tick too")
}

// Two consumers take different prefixes of a shared source: what neither
// took is replayed next tick from the longest prefix on (consumed = max).
func TestPartialConsumptionReplay(t *testing.T) {
	src := onairtest.Counter("music")
	clk := onair.NewClock("test", &onair.ClockOptions{Kind: onair.Manual})
	ra, rb := onairtest.NewRecorder(clk), onairtest.NewRecorder(clk)
	g, _ := manualGraph(t, &onair.GraphOptions{Clock: clk})
	require.NoError(t, g.Add(
		onair.NewOutput(onairtest.Short(src, 300), ra, nil),
		onair.NewOutput(onairtest.Short(src, 500), rb, nil)))
	require.NoError(t, g.Start())
	tick(clk, 20)

	a, b := ra.Capture(), rb.Capture()
	require.Len(t, a.Frames, 20)
	require.Len(t, b.Frames, 20)
	for k := range 20 {
		// Tick k+1 starts where the longest prefix of tick k ended.
		requireCounting(t, a.Audio[0][300*k:300*(k+1)], 500*k, "short consumer")
		requireCounting(t, b.Audio[0][500*k:500*(k+1)], 500*k, "long consumer")
	}
	assert.Equal(t, 20, src.Counts().Generate, "the source tops up the replayed rest every tick")
}

// A consumer that peeks without consuming gets the same frame replayed;
// a full cached frame is not generated again.
func TestPeekWithoutConsume(t *testing.T) {
	src := onairtest.Counter("music")
	c := onairtest.Collect(t, onairtest.Short(src, 0), 10, nil)
	assert.Equal(t, 0, c.Len())
	assert.Equal(t, 1, src.Counts().Generate)
}

// Wake-up runs children first; sleep runs the parent first. A shared
// child wakes once and sleeps when its last consumer leaves.
func TestWakeSleepOrder(t *testing.T) {
	var events []string
	record := func(id, e string) { events = append(events, id+":"+e) }
	leaf := onairtest.NewSource(&onairtest.Script{ID: "leaf", Segments: []onairtest.Segment{{Len: 1 << 30}}, OnEvent: record})
	a, b := newOp("a", leaf, 1, &events), newOp("b", leaf, 1, &events)
	g, clk := manualGraph(t, nil)
	require.NoError(t, g.Add(onair.Sink(a, nil, nil), onair.Sink(b, nil, nil)))
	assert.False(t, leaf.Node().Active())
	require.NoError(t, g.Start())
	assert.Equal(t, []string{"leaf:wake", "a:wake", "b:wake"}, events)
	assert.True(t, leaf.Node().Active())
	assert.Equal(t, []string{"a", "b"}, leaf.Node().Consumers())
	tick(clk, 3)
	events = nil
	require.NoError(t, g.Close())
	assert.Equal(t, []string{"a:sleep", "b:sleep", "leaf:sleep"}, events)
	assert.Equal(t, onairtest.Counts{Ready: 3, Generate: 3, WakeUp: 1, Sleep: 1}, leaf.Counts())
	assert.False(t, leaf.Node().Active())
	assert.Empty(t, leaf.Node().Consumers())
}

// A child clock is registered with its parent when the read-ahead
// operator wakes up and removed when it sleeps.
func TestSubClockRegistration(t *testing.T) {
	in := onairtest.Counter("in")
	ra := newReadAhead("ahead", in)
	g, clk := manualGraph(t, nil)
	require.NoError(t, g.Add(onair.Sink(ra, nil, nil)))
	assert.Empty(t, clk.SubClocks())
	require.NoError(t, g.Start())
	require.Equal(t, []*onair.Clock{ra.child}, clk.SubClocks())
	assert.Equal(t, 1, clk.Status().SubClocks)
	assert.Same(t, ra.child, in.Node().Clock(), "the input belongs to the child clock")
	assert.Same(t, clk, ra.node.Clock())
	tick(clk, 5)
	assert.Equal(t, uint64(5), ra.child.Ticks(), "ticked by its operator")
	require.NoError(t, g.Close())
	assert.Empty(t, clk.SubClocks())
	assert.Equal(t, 1, in.Counts().Sleep)
}

// attacher attaches extra at tick 3 and detaches it at tick 6; in between
// it plays extra instead of its main input.
type attacher struct {
	node  *onair.Node
	main  onair.Source
	extra onair.Source
	on    bool
	err   error
}

func (a *attacher) Generate(f *onair.Frame) error {
	switch a.node.Clock().Ticks() {
	case 3:
		a.err = a.node.Attach(a.extra)
		a.on = a.err == nil
	case 6:
		a.node.Detach(a.extra)
		a.on = false
	}
	src := a.main
	if a.on {
		src = a.extra
	}
	in := src.Node().Read()
	f.Append(in, 0, in.Len())
	return nil
}

func TestAttachDetachAtRunTime(t *testing.T) {
	for _, withChildClock := range []bool{false, true} {
		name := map[bool]string{false: "Plain", true: "ReadAhead"}[withChildClock]
		t.Run(name, func(t *testing.T) {
			main := onair.Blank(nil)
			leaf := onairtest.Counter("extra")
			var extra onair.Source = leaf
			var ra *readAhead
			if withChildClock {
				ra = newReadAhead("ahead", leaf)
				extra = ra
			}
			a := &attacher{main: main, extra: extra}
			a.node = onair.NewNode(a, &onair.NodeOptions{ID: "attacher", Children: []onair.Source{main}})
			clk := onair.NewClock("test", &onair.ClockOptions{Kind: onair.Manual})
			rec := onairtest.NewRecorder(clk)
			g, _ := manualGraph(t, &onair.GraphOptions{Clock: clk})
			require.NoError(t, g.Add(onair.NewOutput(a.node, rec, nil)))
			require.NoError(t, g.Start())
			tick(clk, 2)
			assert.Equal(t, 0, leaf.Counts().WakeUp, "not woken before it is attached")
			tick(clk, 1)
			require.NoError(t, a.err)
			assert.Equal(t, 1, leaf.Counts().WakeUp)
			assert.Same(t, clk, extra.Node().Clock())
			if withChildClock {
				assert.Equal(t, []*onair.Clock{ra.child}, clk.SubClocks())
				assert.Same(t, ra.child, leaf.Node().Clock(), "the read-ahead input joins the child clock")
			}
			tick(clk, 5)
			assert.Equal(t, 1, leaf.Counts().Sleep, "asleep once detached")
			assert.Equal(t, 3, leaf.Counts().Generate, "pulled on ticks 3, 4 and 5 only")
			assert.Empty(t, clk.SubClocks())
			c := rec.Capture()
			require.Equal(t, 8*fs, c.Len())
			requireCounting(t, c.Audio[0][2*fs:5*fs], 0, "attached source")
			assert.Equal(t, make([]float32, 3*fs), c.Audio[0][5*fs:], "main input again")
		})
	}
}
