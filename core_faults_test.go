package onair_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/onairtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// faultGen is an always-ready source of constant 1s in one endless track
// whose frame is cut to short[tick] samples on the ticks listed (with a
// track mark at the cut on the ticks of end).
type faultGen struct {
	clk   *onair.Clock
	short map[uint64]int
	end   map[uint64]bool
}

func (g *faultGen) Generate(f *onair.Frame) error {
	n := f.Free()
	if k, ok := g.short[g.clk.Ticks()]; ok {
		n = min(n, k)
	}
	base := f.Len()
	f.Extend(n)
	for _, a := range f.Audio() {
		for i := base; i < base+n; i++ {
			a[i] = 1
		}
	}
	if g.end[g.clk.Ticks()] {
		f.AddMark(f.Len())
	}
	return nil
}

// A short frame that ends its track (a live stream that dropped) is a
// track boundary: the fallback fills the rest of the frame from the next
// child, without a gap.
func TestFallbackLeavesChildWhoseTrackEnded(t *testing.T) {
	h := newOpsHarness(t)
	a := onair.NewNode(&faultGen{clk: h.clk, short: map[uint64]int{3: 4}, end: map[uint64]bool{3: true}}, &onair.NodeOptions{ID: "a"})
	b := h.src(opsScript{id: 2})
	fb := opsMust[*onair.Switcher](t)(onair.Fallback([]onair.Source{a, b}, nil))
	c := h.run(fb, 3, false)
	assert.Equal(t, []int{10, 10, 10}, c.lens, "no short frame")
	assert.Equal(t, []int{0, 24}, c.marks, "b starts where a's track ended")
}

// A ready child that gives a short frame is "no more data now": the
// fallback keeps it (no switch to the blank, no mark) and plays the rest of
// its data in the next ticks.
func TestFallbackKeepsShortReadyChild(t *testing.T) {
	for _, immediate := range []bool{false, true} {
		h := newOpsHarness(t)
		a := onair.NewNode(&faultGen{clk: h.clk, short: map[uint64]int{3: 4, 7: 0}}, &onair.NodeOptions{ID: "a"})
		fb := opsMust[*onair.Switcher](t)(onair.Fallback([]onair.Source{a, onair.Blank(nil)}, &onair.SwitchOptions{Immediate: immediate}))
		c := h.run(fb, 20, false)
		silent := 0
		for _, v := range c.v {
			if v == 0 {
				silent++
			}
		}
		assert.Zero(t, silent, "immediate=%v: samples of the blank played", immediate)
		assert.LessOrEqual(t, len(c.marks), 1, "immediate=%v: marks %v: the fallback switched", immediate, c.marks)
		assert.Equal(t, 20*10-10-6, len(c.v), "immediate=%v: every sample of a, once", immediate)
		assert.Equal(t, "a", fb.Selected().Node().ID())
	}
}

// MkSafe pads with silence only when its source is not ready: a short frame
// of a ready source is passed as it is, without marks.
func TestMkSafeKeepsShortReadyChild(t *testing.T) {
	h := newOpsHarness(t)
	a := onair.NewNode(&faultGen{clk: h.clk, short: map[uint64]int{3: 4}}, &onair.NodeOptions{ID: "a"})
	c := h.run(onair.MkSafe(a), 10, false)
	for i, v := range c.v {
		require.Equal(t, float32(1), v, "sample %d is silence", i)
	}
	assert.LessOrEqual(t, len(c.marks), 1, "marks %v", c.marks)
}

// prefixTaker consumes only the first n samples of its source's frame.
type prefixTaker struct {
	src onair.Source
	n   int
}

func (p *prefixTaker) Generate(f *onair.Frame) error {
	sn := p.src.Node()
	if !sn.Ready() {
		return nil
	}
	in := sn.Peek()
	k := f.Append(in, 0, min(p.n, in.Len()))
	sn.Consume(k)
	return nil
}

// cachedSkipGen produces tracks of 37 samples whose sample values are the
// position in the source's stream; a skip ends the track in progress in
// the generator.
type cachedSkipGen struct {
	n, in   int
	skipped int
}

func (g *cachedSkipGen) Generate(f *onair.Frame) error {
	k := f.Free()
	base := f.Len()
	for i := range k {
		if g.in == 37 || g.in == 0 {
			f.AddMark(base + i)
			g.in = 0
		}
		g.in++
		_ = i
	}
	f.Extend(k)
	for _, a := range f.Audio() {
		for i := range k {
			a[base+i] = float32(g.n + i)
		}
	}
	g.n += k
	return nil
}

func (g *cachedSkipGen) Skip() { g.skipped++; g.in = 0 }

// The exact case: the cache holds the rest of the current track, a mark
// and the start of the next; Skip drops the rest and does not end the next
// track in the generator.
func TestSkipKeepsCachedNextTrack(t *testing.T) {
	h := newOpsHarness(t)
	gen := &cachedSkipGen{}
	src := onair.NewNode(gen, &onair.NodeOptions{ID: "src"})
	// A consumer that takes 7 samples a tick out of 10-sample frames:
	// after 5 ticks it took 0..34 and the cache holds 35, 36 (the end of
	// track 1), a mark, and 37 (the start of track 2).
	part := onair.NewNode(&prefixTaker{src: src, n: 7}, &onair.NodeOptions{ID: "part", Children: []onair.Source{src}})
	var got []float32
	var marks []int
	sink := onair.Sink(part, func(f *onair.Frame) error {
		for _, m := range f.Marks() {
			marks = append(marks, len(got)+m)
		}
		got = append(got, f.Audio()[0][:f.Len()]...)
		return nil
	}, nil)
	var logs bytes.Buffer
	g, err := onair.NewGraph(&onair.GraphOptions{Format: opsFormat, Clock: h.clk, SyncCallbacks: true,
		Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	require.NoError(t, err)
	require.NoError(t, g.Add(sink))
	require.NoError(t, g.Start())
	defer g.Close()
	for range 5 {
		h.clk.Tick()
	}
	src.Skip()
	for range 10 {
		h.clk.Tick()
	}
	assert.Zero(t, gen.skipped, "the generator was skipped although the next track was cached")
	require.GreaterOrEqual(t, len(marks), 3)
	assert.Equal(t, 35, marks[1], "track 2 follows the skip at once")
	assert.Equal(t, float32(37), got[35], "track 2 starts at its first sample")
	assert.Equal(t, float32(73), got[35+36], "track 2 is whole")
	assert.Equal(t, 35+37, marks[2], "track 2 ends at its own end")
	// the generator never heard of the drop, so the node says it
	assert.Contains(t, logs.String(), `msg="skip: dropped the rest of the track held in the cache" source=src samples=2`)
}

// Remaining counts to the next mark after what was consumed, not the first.
func TestRemainingUsesNextMark(t *testing.T) {
	h := newOpsHarness(t)
	src := h.src(opsScript{id: 1, tracks: []int{2, 3, 100}})
	// 10-sample frames: marks at 0, 2, 5. A consumer takes 3 samples.
	var rem []int
	probe := onair.NewNode(onair.GeneratorFunc(func(f *onair.Frame) error {
		sn := src.Node()
		in := sn.Peek()
		k := f.Append(in, 0, min(3, in.Len()))
		sn.Consume(k)
		if h.clk.Ticks() == 1 {
			rem = append(rem, sn.Remaining())
		}
		return nil
	}), &onair.NodeOptions{ID: "probe", Children: []onair.Source{src}})
	h.run(probe, 1, false)
	require.Equal(t, []int{2}, rem, "3 of [0 2 5] consumed: 2 samples to the mark at 5")
}

// resetGen counts its resets.
type resetGen struct{ resets int }

func (g *resetGen) Generate(f *onair.Frame) error { f.Extend(f.Free()); return nil }
func (g *resetGen) Reset()                        { g.resets++ }

// A clock reset reaches generators that implement Resetter, not only
// senders.
func TestClockResetReachesGenerators(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		gen := &resetGen{}
		src := onair.NewNode(gen, &onair.NodeOptions{ID: "gen"})
		slow := onair.Sink(src, func(*onair.Frame) error {
			time.Sleep(200 * time.Millisecond) // 10 ticks' worth per tick
			return nil
		}, nil)
		clk := onair.NewClock("rt", &onair.ClockOptions{MaxLatency: time.Second})
		g, err := onair.NewGraph(&onair.GraphOptions{Clock: clk})
		require.NoError(t, err)
		require.NoError(t, g.Add(slow))
		ctx, cancel := context.WithTimeout(t.Context(), 3*time.Second)
		defer cancel()
		_ = g.Run(ctx)
		assert.Positive(t, gen.resets, "the generator was not reset")
		assert.Positive(t, g.Status()[0].Resets, "resets are counted in Status")
	})
}

// flagGen answers Ready from a list of answers (true once it is used up).
type flagGen struct {
	answers []bool
	gens    int
}

func (g *flagGen) Ready() bool {
	if len(g.answers) == 0 {
		return true
	}
	r := g.answers[0]
	g.answers = g.answers[1:]
	return r
}

func (g *flagGen) Generate(f *onair.Frame) error {
	g.gens++
	f.Extend(f.Free())
	return nil
}

// opAttacher attaches and detaches a source at run time on request.
type opAttacher struct {
	node    *onair.Node
	src     onair.Source
	ops     []string // "attach", "detach" for the next Generate
	err     error
	playing bool
}

func newOpAttacher(src onair.Source) *opAttacher {
	h := &opAttacher{src: src}
	h.node = onair.NewNode(h, &onair.NodeOptions{ID: "opAttacher"})
	return h
}

func (h *opAttacher) Node() *onair.Node { return h.node }

func (h *opAttacher) Generate(f *onair.Frame) error {
	for _, op := range h.ops {
		switch op {
		case "attach":
			if err := h.node.Attach(h.src); err != nil {
				h.err = err
			}
			h.playing = h.err == nil
		case "detach":
			h.node.Detach(h.src)
			h.playing = false
		case "peek":
			if h.src.Node().Ready() {
				h.src.Node().Peek()
			}
		}
	}
	h.ops = nil
	if h.playing && h.src.Node().Ready() {
		in := h.src.Node().Read()
		f.Append(in, 0, in.Len())
	}
	f.Extend(f.Free())
	return nil
}

// A source detached and attached again in the same tick asks its
// generator again: the readiness of its previous life is not reused.
func TestReattachSameTickAsksReadinessAgain(t *testing.T) {
	gen := &flagGen{}
	src := onair.NewNode(gen, &onair.NodeOptions{ID: "gen"})
	h := newOpAttacher(src)
	_, clk := onairtest.StartGraph(t, nil, onair.Sink(h, func(*onair.Frame) error { return nil }, nil))
	h.ops = []string{"attach"}
	clk.Tick()
	require.NoError(t, h.err)
	before := gen.gens
	// Ready: true for the first peek, false after the re-attach.
	gen.answers = []bool{true, false, false}
	h.ops = []string{"peek", "detach", "attach", "peek"}
	clk.Tick()
	assert.Equal(t, before+1, gen.gens, "Generate ran after re-attach on a generator that says it is not ready")
}

// A source put to sleep forgets its elapsed time and the metadata
// inserted before it slept; woken again, it forgets its last metadata.
func TestSleepForgetsTrackState(t *testing.T) {
	h := newOpsHarness(t)
	src := h.src(opsScript{id: 1, tracks: []int{1000}})
	hd := newOpAttacher(src)
	var metas []string
	out := onair.Sink(hd, func(f *onair.Frame) error {
		for _, m := range f.Metadata() {
			metas = append(metas, m.Metadata["title"])
		}
		return nil
	}, nil)
	g, err := onair.NewGraph(&onair.GraphOptions{Format: opsFormat, Clock: h.clk, SyncCallbacks: true})
	require.NoError(t, err)
	require.NoError(t, g.Add(out))
	require.NoError(t, g.Start())
	defer g.Close()
	hd.ops = []string{"attach"}
	h.clk.Tick()
	h.clk.Tick()
	require.NotZero(t, src.Elapsed())
	require.NotNil(t, src.LastMetadata())
	src.InsertMetadata(onair.Metadata{"title": "stale"}, false)
	hd.ops = []string{"detach"}
	h.clk.Tick()
	assert.Zero(t, src.Elapsed(), "elapsed survives sleep")
	hd.ops = []string{"attach"}
	h.clk.Tick()
	assert.Nil(t, src.LastMetadata(), "last metadata survives a new wake-up")
	assert.NotContains(t, metas, "stale", "metadata inserted before sleep played after wake-up")
}

// A second Detach by the same consumer does not release the activations of
// other consumers: a shared child stays awake while an output pulls it.
func TestSecondDetachKeepsOtherConsumers(t *testing.T) {
	h := newOpsHarness(t)
	shared := h.src(opsScript{id: 1})
	hd := newOpAttacher(shared)
	var n int
	direct := onair.Sink(shared, func(f *onair.Frame) error { n += f.Len(); return nil }, nil)
	g, err := onair.NewGraph(&onair.GraphOptions{Format: opsFormat, Clock: h.clk, SyncCallbacks: true})
	require.NoError(t, err)
	require.NoError(t, g.Add(direct, onair.Sink(hd, func(*onair.Frame) error { return nil }, nil)))
	require.NoError(t, g.Start())
	defer g.Close()
	hd.ops = []string{"attach"}
	h.clk.Tick()
	hd.ops = []string{"detach"}
	h.clk.Tick()
	hd.ops = []string{"detach"}
	h.clk.Tick()
	require.True(t, shared.Active(), "the output's activation was released")
	before := n
	h.clk.Tick()
	assert.Equal(t, before+10, n, "the output still gets full frames")
}

// A read-ahead operator detached can be attached again, and a node
// attached again keeps an ID of its own.
func TestReattachReadAhead(t *testing.T) {
	h := newOpsHarness(t)
	in := h.src(opsScript{id: 1, tracks: []int{300}})
	xf := opsMust[*onair.Crossfader](t)(onair.Crossfade(in, &onair.CrossfadeOptions{Duration: 50 * time.Millisecond, FadeIn: 20 * time.Millisecond, FadeOut: 20 * time.Millisecond}))
	hd := newOpAttacher(xf)
	twin := h.src(opsScript{id: 1}) // same base ID as in: "s1"
	hd2 := newOpAttacher(twin)
	g, err := onair.NewGraph(&onair.GraphOptions{Format: opsFormat, Clock: h.clk, SyncCallbacks: true})
	require.NoError(t, err)
	require.NoError(t, g.Add(onair.Sink(hd, func(*onair.Frame) error { return nil }, nil), onair.Sink(hd2, func(*onair.Frame) error { return nil }, nil)))
	require.NoError(t, g.Start())
	defer g.Close()
	hd.ops = []string{"attach"}
	h.clk.Tick()
	require.NoError(t, hd.err)
	hd.ops = []string{"detach"}
	h.clk.Tick()
	hd.ops = []string{"attach"}
	h.clk.Tick()
	require.NoError(t, hd.err, "a detached read-ahead operator attaches again")
	hd2.ops = []string{"attach"}
	h.clk.Tick()
	require.NoError(t, hd2.err)
	assert.NotEqual(t, in.ID(), twin.ID(), "two attached sources share an ID")
}

// Attach refuses a read-ahead operator over a source that the operator's
// own clock plays too, as Start does.
func TestAttachChecksNestedClocks(t *testing.T) {
	h := newOpsHarness(t)
	shared := h.src(opsScript{id: 1})
	xf := opsMust[*onair.Crossfader](t)(onair.Crossfade(shared, nil))
	hd := newOpAttacher(xf)
	g, err := onair.NewGraph(&onair.GraphOptions{Format: opsFormat, Clock: h.clk, SyncCallbacks: true})
	require.NoError(t, err)
	require.NoError(t, g.Add(onair.Sink(shared, func(*onair.Frame) error { return nil }, nil), onair.Sink(hd, func(*onair.Frame) error { return nil }, nil)))
	require.NoError(t, g.Start())
	defer g.Close()
	hd.ops = []string{"attach"}
	h.clk.Tick()
	var nested *onair.NestedClockError
	require.ErrorAs(t, hd.err, &nested)
	assert.Contains(t, nested.Sources, shared.ID())
}

// Attach refuses an output with a fallible source that is not marked
// fallible, and a second synchronisation source in a clock.
func TestAttachChecksFallibilityAndSync(t *testing.T) {
	h := newOpsHarness(t)
	fallible := h.src(opsScript{id: 1, ready: func(int) bool { return true }})
	inner := onair.Sink(fallible, func(*onair.Frame) error { return nil }, nil)
	// An operator owning an infallible-declared output over a fallible source.
	owner := onair.NewNode(onair.GeneratorFunc(func(f *onair.Frame) error { return nil }), &onair.NodeOptions{ID: "owner", Owned: []onair.Source{inner}})
	hd := newOpAttacher(owner)
	synced1 := onair.NewNode(onair.GeneratorFunc(func(f *onair.Frame) error { f.Extend(f.Free()); return nil }), &onair.NodeOptions{ID: "card1", Sync: "hw:0"})
	synced2 := onair.NewNode(onair.GeneratorFunc(func(f *onair.Frame) error { f.Extend(f.Free()); return nil }), &onair.NodeOptions{ID: "card2", Sync: "hw:1"})
	hs := newOpAttacher(synced2)
	g, err := onair.NewGraph(&onair.GraphOptions{Format: opsFormat, Clock: h.clk, SyncCallbacks: true})
	require.NoError(t, err)
	require.NoError(t, g.Add(onair.Sink(hd, func(*onair.Frame) error { return nil }, nil),
		onair.Sink(synced1, func(*onair.Frame) error { return nil }, nil),
		onair.Sink(hs, func(*onair.Frame) error { return nil }, nil)))
	require.NoError(t, g.Start())
	defer g.Close()
	hd.ops = []string{"attach"}
	hs.ops = []string{"attach"}
	h.clk.Tick()
	var fe *onair.FallibleError
	require.ErrorAs(t, hd.err, &fe)
	var se *onair.SyncConflictError
	require.ErrorAs(t, hs.err, &se)
}

// Status and Start may run at the same time (run with -race).
func TestStatusDuringStart(t *testing.T) {
	for range 20 {
		clk := onair.NewClock("m", &onair.ClockOptions{Kind: onair.Manual})
		g, err := onair.NewGraph(&onair.GraphOptions{Clock: clk})
		require.NoError(t, err)
		xf := opsMust[*onair.Crossfader](t)(onair.Crossfade(onair.Sine(440, nil), nil))
		require.NoError(t, g.Add(onair.Sink(xf, func(*onair.Frame) error { return nil }, nil)))
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 50 {
				_ = g.Status()
			}
		}()
		require.NoError(t, g.Start())
		wg.Wait()
		require.NoError(t, g.Close())
	}
}

// Two crossfades have child clocks of distinct names, in Status and in
// errors.
func TestChildClocksNamedUniquely(t *testing.T) {
	h := newOpsHarness(t)
	a := opsMust[*onair.Crossfader](t)(onair.Crossfade(h.src(opsScript{id: 1}), nil))
	b := opsMust[*onair.Crossfader](t)(onair.Crossfade(h.src(opsScript{id: 2}), nil))
	_, _ = onairtest.StartGraph(t, nil, onair.Sink(a, func(*onair.Frame) error { return nil }, nil), onair.Sink(b, func(*onair.Frame) error { return nil }, nil))
	assert.NotEqual(t, a.Clock().Name(), b.Clock().Name())
	assert.Equal(t, a.Node().ID()+".clock", a.Clock().Name())
	assert.Equal(t, b.Node().ID()+".clock", b.Clock().Name())
}

var _ = io.EOF

// closeSender counts its Close calls and can fail or block.
type closeSender struct {
	closed  int
	err     error
	release chan struct{}
	entered chan struct{}
}

func (s *closeSender) Send(*onair.Frame) error { return nil }
func (s *closeSender) Close() error {
	s.closed++
	if s.entered != nil {
		s.entered <- struct{}{}
	}
	if s.release != nil {
		<-s.release
	}
	return s.err
}

// A graph that never started closes its outputs' senders.
func TestCloseUnstartedGraphClosesSenders(t *testing.T) {
	s := &closeSender{}
	g, err := onair.NewGraph(nil)
	require.NoError(t, err)
	require.NoError(t, g.Add(onair.NewOutput(onair.Sine(440, nil), s, nil)))
	require.NoError(t, g.Close())
	assert.Equal(t, 1, s.closed)
	require.NoError(t, g.Close())
	assert.Equal(t, 1, s.closed, "Close is idempotent")
}

// Close closes outputs at the same time: each waits for the others to have
// entered Close before it returns, which deadlocks when they are closed one
// after another.
func TestCloseClosesOutputsTogether(t *testing.T) {
	const n = 4
	entered := make(chan struct{}, n)
	release := make(chan struct{})
	var outs []onair.Source
	for range n {
		outs = append(outs, onair.NewOutput(onair.Sine(440, nil), &closeSender{entered: entered, release: release}, nil))
	}
	g, err := onair.NewGraph(&onair.GraphOptions{Clock: onair.NewClock("m", &onair.ClockOptions{Kind: onair.Manual})})
	require.NoError(t, err)
	require.NoError(t, g.Add(outs...))
	require.NoError(t, g.Start())
	done := make(chan error)
	go func() { done <- g.Close() }()
	for range n {
		<-entered // every sender is in Close before any returns
	}
	close(release)
	require.NoError(t, <-done)
}

// Run returns the error of Close (a trailer that could not be written).
func TestRunReturnsCloseError(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		boom := errors.New("trailer write failed")
		g, err := onair.NewGraph(nil)
		require.NoError(t, err)
		require.NoError(t, g.Add(onair.NewOutput(onair.Sine(440, nil), &closeSender{err: boom}, nil)))
		ctx, cancel := context.WithTimeout(t.Context(), time.Second)
		defer cancel()
		err = g.Run(ctx)
		assert.ErrorIs(t, err, boom)
		assert.ErrorIs(t, err, context.DeadlineExceeded)
	})
}

// A child clock attached at run time shows in Status, and leaves it with
// its operator.
func TestStatusListsChildClocksAttachedAtRunTime(t *testing.T) {
	h := newOpsHarness(t)
	xf := opsMust[*onair.Crossfader](t)(onair.Crossfade(h.src(opsScript{id: 1}), nil))
	hd := newOpAttacher(xf)
	g, err := onair.NewGraph(&onair.GraphOptions{Format: opsFormat, Clock: h.clk, SyncCallbacks: true})
	require.NoError(t, err)
	require.NoError(t, g.Add(onair.Sink(hd, func(*onair.Frame) error { return nil }, nil)))
	require.NoError(t, g.Start())
	defer g.Close()
	names := func() []string {
		var l []string
		for _, s := range g.Status() {
			l = append(l, s.Name)
		}
		return l
	}
	assert.Equal(t, []string{"test"}, names())
	hd.ops = []string{"attach"}
	h.clk.Tick()
	require.NoError(t, hd.err)
	assert.Equal(t, []string{"test", "crossfade.clock"}, names())
	hd.ops = []string{"detach"}
	h.clk.Tick()
	assert.Equal(t, []string{"test"}, names())
}

// picGen plays one endless track with a picture every 10 samples, at
// positions off, off+10, ... of its own output.
type picGen struct {
	n, off int
	id     byte
}

func (g *picGen) Generate(f *onair.Frame) error {
	base := f.Len()
	k := f.Extend(f.Free())
	for i := range k {
		if (g.n+i-g.off)%10 == 0 {
			f.AddPicture(onair.MainVideo, onair.Picture{Pos: base + i, Width: 1, Height: 1, PixelFormat: "gray", Planes: [4][]byte{{g.id}}, Strides: [4]int{1}})
		}
	}
	g.n += k
	return nil
}

// A switch between two video sources whose pictures are on grids of
// their own keeps the output at one picture per slot of the graph's frame
// rate.
func TestFallbackKeepsPicturesOnTheGrid(t *testing.T) {
	format := onair.Format{SampleRate: 1000, Channels: 1, FrameDuration: 20 * time.Millisecond,
		Video: &onair.VideoFormat{Width: 2, Height: 2, FrameRate: onair.Rational{Num: 100, Den: 1}, PixelFormat: "gray"}}
	clk := onair.NewClock("test", &onair.ClockOptions{Kind: onair.Manual})
	a := onair.NewNode(&picGen{off: 3, id: 1}, &onair.NodeOptions{ID: "a", Fallible: true})
	b := onair.NewNode(&picGen{off: 0, id: 2}, &onair.NodeOptions{ID: "b"})
	var gate bool
	ga := onair.NewNode(&gateGen{src: a, open: &gate}, &onair.NodeOptions{ID: "gate", Children: []onair.Source{a}, Fallible: true})
	fb := opsMust[*onair.Switcher](t)(onair.Fallback([]onair.Source{ga, b}, &onair.SwitchOptions{Immediate: true}))
	var pics []int
	pos := 0
	g, err := onair.NewGraph(&onair.GraphOptions{Clock: clk, Format: format})
	require.NoError(t, err)
	require.NoError(t, g.Add(onair.Sink(fb, func(f *onair.Frame) error {
		if tr := f.Track(onair.MainVideo); tr != nil {
			for _, p := range tr.Pictures {
				pics = append(pics, pos+p.Pos)
			}
		}
		pos += f.Len()
		return nil
	}, nil)))
	require.NoError(t, g.Start())
	defer g.Close()
	for i := range 10 {
		gate = i >= 3 && i < 6
		clk.Tick()
	}
	require.Equal(t, 200, pos)
	for i, p := range pics {
		require.Equal(t, 10*i, p, "picture %d off the grid: %v", i, pics)
	}
	assert.Len(t, pics, 20)
}

// gateGen passes its source while *open.
type gateGen struct {
	src  onair.Source
	open *bool
}

func (g *gateGen) Ready() bool { return *g.open && g.src.Node().Ready() }
func (g *gateGen) Generate(f *onair.Frame) error {
	g.src.Node().Pull(f)
	return nil
}
