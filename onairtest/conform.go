package onairtest

import (
	"io"
	"math"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/onair-go/onair"
)

// conformTicks is how long each conformance run lasts: 5 s of 20 ms frames.
const conformTicks = 250

// TestSource runs conformance checks on the sources newSource returns:
// custom sources and operators run it on themselves. newSource must build
// a fresh source (with fresh inputs) on each call, and equivalent calls
// must produce the same output: deterministic inputs such as [Counter],
// [Tracks] or [onair.Sine].
//
// Each check runs the source on a manual clock, through a fallible output,
// for 250 ticks (5 s), and checks that:
//   - every frame is well formed: at most a frame of data, audio channels
//     of the frame's length, finite samples, track marks and metadata
//     sorted and inside the frame;
//   - frames are not retained: a second run whose output poisons each frame
//     (NaN samples) once it has used it produces exactly the same stream.
//     Only the frames the source itself produces are poisoned: a source
//     that keeps slices of its inputs' frames across ticks is not caught;
//   - end is sticky: once the source's node has ended (its generator
//     returned io.EOF) and is unready, it stays unready and sends nothing;
//   - Skip, asked every 7 ticks, keeps frames well formed;
//   - Close, when the source (or its generator) is an io.Closer, can be
//     called twice, the second call returning nil; closing the graph
//     twice works too;
//   - no goroutine outlives the graph and the source: the count of
//     goroutines returns to its level before newSource was called. Do not
//     run this check with t.Parallel.
//
// TestSource uses no real time and works inside a testing/synctest bubble.
func TestSource(t *testing.T, newSource func() onair.Source) {
	t.Helper()
	// Checks run one after the other on t: t.Run cannot be called inside a
	// synctest bubble. Each failure names its check.
	ref := conformRun(t, "well-formed", newSource(), false, 0)
	if ref != nil {
		got := conformRun(t, "not retained", newSource(), true, 0)
		if got != nil {
			sameCapture(t, ref, got)
		}
	}
	conformRun(t, "skip", newSource(), false, 7)
	checkStickyEndAndClose(t, newSource())
	checkNoLeak(t, newSource)
}

func checkStickyEndAndClose(t *testing.T, src onair.Source) {
	t.Helper()
	n := src.Node()
	g, clk, ok := startConform(t, "sticky end", src, func(*onair.Frame) error { return nil })
	if !ok {
		return
	}
	var ended uint64
	for range conformTicks {
		clk.Tick()
		ready := n.Ready()
		switch {
		case ended > 0 && ready:
			t.Errorf("onairtest: sticky end: source %q ended at tick %d but is ready again at tick %d", n.ID(), ended, clk.Ticks())
			return
		case ended == 0 && n.Ended() && !ready:
			ended = clk.Ticks()
		}
	}
	if ended == 0 {
		t.Logf("onairtest: source %q did not end within %d ticks: sticky end not checked", n.ID(), conformTicks)
	}
	if err := g.Close(); err != nil {
		t.Errorf("onairtest: close: graph Close: %v", err)
	}
	if err := g.Close(); err != nil {
		t.Errorf("onairtest: close: second graph Close returned %v, want nil", err)
	}
	if c := closerOf(src); c != nil {
		_ = c.Close()
		if err := c.Close(); err != nil {
			t.Errorf("onairtest: close: second Close of source %q returned %v, want nil (Close must be idempotent)", n.ID(), err)
		}
	}
}

func checkNoLeak(t *testing.T, newSource func() onair.Source) {
	t.Helper()
	before := runtime.NumGoroutine()
	src := newSource()
	g, clk, ok := startConform(t, "goroutine leak", src, func(*onair.Frame) error { return nil })
	if !ok {
		return
	}
	for range conformTicks {
		clk.Tick()
	}
	if err := g.Close(); err != nil {
		t.Errorf("onairtest: goroutine leak: graph Close: %v", err)
	}
	closeSource(src)
	if !settle(before) {
		buf := make([]byte, 1<<16)
		buf = buf[:runtime.Stack(buf, true)]
		t.Errorf("onairtest: goroutine leak: %d goroutines before source %q, %d after its graph closed:\n%s", before, src.Node().ID(), runtime.NumGoroutine(), buf)
	}
}

// settle waits until at most n goroutines run: it yields first (a
// goroutine that is exiting usually needs only that), then, on a loaded
// machine where the exiting goroutine may wait for a processor, polls for
// up to settleWait.
func settle(n int) bool {
	for range 1000 {
		if runtime.NumGoroutine() <= n {
			return true
		}
		runtime.Gosched()
	}
	deadline := time.Now().Add(settleWait)
	for time.Now().Before(deadline) {
		if runtime.NumGoroutine() <= n {
			return true
		}
		time.Sleep(time.Millisecond)
	}
	return runtime.NumGoroutine() <= n
}

// settleWait bounds how long settle waits for goroutines to exit.
const settleWait = 5 * time.Second

// startConform starts src under a fallible output on a manual clock,
// with callbacks on the graph's goroutine.
func startConform(t *testing.T, check string, src onair.Source, send func(*onair.Frame) error) (*onair.Graph, *onair.Clock, bool) {
	t.Helper()
	clk := onair.NewClock("onairtest", &onair.ClockOptions{Kind: onair.Manual})
	out := onair.Sink(src, send, &onair.OutputOptions{ID: "onairtest", Fallible: true})
	g, err := onair.NewGraph(&onair.GraphOptions{Clock: clk})
	if err == nil {
		err = g.Add(out)
	}
	if err == nil {
		err = g.Start()
	}
	if err != nil {
		t.Errorf("onairtest: %s: start graph: %v", check, err)
		return nil, nil, false
	}
	return g, clk, true
}

// conformRun runs src, checking every frame; with poison, the output
// overwrites each frame's samples with NaN once it has recorded them.
// With skipEvery > 0, src is asked to skip every skipEvery ticks.
func conformRun(t *testing.T, check string, src onair.Source, poison bool, skipEvery int) *Capture {
	t.Helper()
	n := src.Node()
	var clk *onair.Clock
	var rec *Recorder
	bad := 0
	send := func(f *onair.Frame) error {
		if msg := checkFrame(f); msg != "" && bad < 5 {
			bad++
			t.Errorf("onairtest: %s: source %q, tick %d: %s", check, n.ID(), clk.Ticks(), msg)
		}
		err := rec.Send(f)
		if poison {
			nan := float32(math.NaN())
			for _, tr := range f.Tracks() {
				for _, a := range tr.Audio {
					for i := range a {
						a[i] = nan
					}
				}
			}
		}
		return err
	}
	g, clk, ok := startConform(t, check, src, send)
	if !ok {
		return nil
	}
	rec = NewRecorder(clk)
	for i := 1; i <= conformTicks; i++ {
		if skipEvery > 0 && i%skipEvery == 0 {
			n.Skip()
		}
		clk.Tick()
	}
	if err := g.Close(); err != nil {
		t.Errorf("onairtest: %s: graph Close: %v", check, err)
	}
	closeSource(src)
	return rec.Capture()
}

// checkFrame returns what is wrong with f, or "".
func checkFrame(f *onair.Frame) string {
	if f.Len() < 0 || f.Len() > f.Size() {
		return "frame length out of [0, frame size]"
	}
	for _, tr := range f.Tracks() {
		for _, a := range tr.Audio {
			if len(a) != f.Len() {
				return "audio track " + tr.Name + ": channel length differs from frame length"
			}
			for _, v := range a {
				if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
					return "audio track " + tr.Name + ": sample is not finite"
				}
			}
		}
	}
	marks := f.Marks()
	if !slices.IsSorted(marks) || (len(marks) > 0 && (marks[0] < 0 || marks[len(marks)-1] > f.Len())) {
		return "track marks unsorted or outside the frame"
	}
	meta := f.Metadata()
	for i, m := range meta {
		if m.Pos < 0 || m.Pos > f.Len() || (i > 0 && meta[i-1].Pos > m.Pos) {
			return "metadata unsorted or outside the frame"
		}
	}
	return ""
}

func sameCapture(t *testing.T, want, got *Capture) {
	t.Helper()
	if len(want.Frames) != len(got.Frames) {
		t.Errorf("onairtest: not retained: poisoned run sent %d frames, reference run %d: the source retains frames (or is not deterministic)", len(got.Frames), len(want.Frames))
		return
	}
	for i := range want.Frames {
		w, g := want.Frames[i], got.Frames[i]
		if w.Len != g.Len || !slices.Equal(w.Marks, g.Marks) || len(w.Metadata) != len(g.Metadata) {
			t.Errorf("onairtest: not retained: frame %d differs after poisoning (len %d/%d, marks %v/%v): the source retains frames (or is not deterministic)", i, g.Len, w.Len, g.Marks, w.Marks)
			return
		}
	}
	for c := range want.Audio {
		for i, v := range want.Audio[c] {
			if g := got.Audio[c][i]; math.Float32bits(g) != math.Float32bits(v) {
				t.Errorf("onairtest: not retained: sample %d of channel %d is %v after poisoning, %v before: the source retains frames (or is not deterministic)", i, c, g, v)
				return
			}
		}
	}
}

func closerOf(src onair.Source) io.Closer {
	if c, ok := src.(io.Closer); ok {
		return c
	}
	if c, ok := src.Node().Generator().(io.Closer); ok {
		return c
	}
	return nil
}

func closeSource(src onair.Source) {
	if c := closerOf(src); c != nil {
		_ = c.Close()
	}
}
