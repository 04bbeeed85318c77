package onair_test

import (
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/onairtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// InsertMetadata is safe from another goroutine and lands at the start of
// the next frame the source computes.
func TestInsertMetadataFromAnotherGoroutine(t *testing.T) {
	src := onairtest.Counter("live")
	inserted := make(chan struct{})
	c := onairtest.Collect(t, src, 10, &onairtest.Options{OnTick: func(tick int) {
		if tick == 3 {
			go func() {
				src.Node().InsertMetadata(onair.Metadata{"title": "news"}, true)
				src.Node().InsertMetadata(onair.Metadata{"title": "news 2"}, false)
				close(inserted)
			}()
			<-inserted
		}
	}})
	assert.Equal(t, []int{0, 3 * fs}, c.Marks)
	assert.Equal(t, []onair.MetadataAt{{Pos: 3 * fs, Metadata: onair.Metadata{"title": "news"}}, {Pos: 3 * fs, Metadata: onair.Metadata{"title": "news 2"}}}, c.Metadata)
	assert.Equal(t, onair.Metadata{"title": "news 2"}, src.Node().LastMetadata())
}

// Many goroutines insert while the clock ticks (run with -race): every
// insertion arrives once.
func TestInsertMetadataConcurrent(t *testing.T) {
	src := onairtest.Counter("live")
	clk := manualClock("test")
	rec := onairtest.NewRecorder(clk)
	g, _ := manualGraph(t, &onair.GraphOptions{Clock: clk})
	require.NoError(t, g.Add(onair.NewOutput(src, rec, nil)))
	require.NoError(t, g.Start())
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 25 {
				src.Node().InsertMetadata(onair.Metadata{"k": "v"}, false)
			}
		})
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	for running := true; running; {
		select {
		case <-done:
			running = false
		default:
		}
		clk.Tick()
	}
	clk.Tick()
	assert.Len(t, rec.Capture().Metadata, 100)
}

func TestSkip(t *testing.T) {
	t.Run("Source", func(t *testing.T) {
		src := onairtest.Tracks("t", 5000, 5000)
		var remaining []int
		c := onairtest.Collect(t, src, 4, &onairtest.Options{OnTick: func(tick int) {
			remaining = append(remaining, src.Node().Remaining())
			if tick == 1 {
				done := make(chan struct{})
				go func() { src.Node().Skip(); close(done) }() // safe from any goroutine
				<-done
			}
		}})
		assert.Equal(t, []int{0, fs}, c.Marks, "the next data starts a new track")
		assert.Equal(t, onair.Metadata{"track": "2"}, c.Metadata[1].Metadata)
		assert.Equal(t, 5000-fs, remaining[0])
		assert.Equal(t, 1, src.Counts().Skip)
	})
	t.Run("ThroughOperator", func(t *testing.T) {
		// A node whose generator cannot skip forwards to its only child.
		src := onairtest.Tracks("t", 5000, 5000)
		g := newOp("gain", src, 1, nil)
		c := onairtest.Collect(t, g, 3, &onairtest.Options{OnTick: func(tick int) {
			if tick == 1 {
				g.Node().Skip()
			}
		}})
		assert.Equal(t, 1, src.Counts().Skip)
		assert.Equal(t, []int{0, fs}, c.Marks)
	})
	t.Run("MkSafe", func(t *testing.T) {
		src := onairtest.Tracks("t", 5000, 5000)
		c := onairtest.Collect(t, onair.MkSafe(src), 3, &onairtest.Options{OnTick: func(tick int) {
			if tick == 1 {
				src.Node().Skip()
			}
		}})
		assert.Equal(t, []int{0, fs}, c.Marks)
	})
}

func TestElapsed(t *testing.T) {
	src := onairtest.Tracks("t", 1000, 5000)
	var el []int
	onairtest.Collect(t, src, 3, &onairtest.Options{OnTick: func(int) { el = append(el, src.Node().Elapsed()) }})
	// Elapsed is accounted when the next tick starts: after tick 2 the
	// first tick's 882 samples are counted, after tick 3 the second
	// track's 764 samples.
	assert.Equal(t, []int{0, fs, 2*fs - 1000}, el)
}

func TestCallbacks(t *testing.T) {
	script := func() *onairtest.Source {
		return onairtest.NewSource(&onairtest.Script{Segments: []onairtest.Segment{
			{Len: 1000, Metadata: onair.Metadata{"title": "a"}},
			{Len: 1000, Meta: []onair.MetadataAt{{Pos: 10, Metadata: onair.Metadata{"title": "b"}}}},
			{Len: 1000, NoMark: true, Metadata: onair.Metadata{"title": "c"}},
		}})
	}
	// In position order; the second track has no metadata at its mark, so
	// its callback gets the last metadata before it.
	want := []string{"meta a", "track a", "track a", "meta b", "meta c"}
	t.Run("Sync", func(t *testing.T) {
		src := script()
		var got []string
		var at []uint64
		src.Node().OnTrack(func(m onair.Metadata) {
			got = append(got, "track "+m["title"])
			at = append(at, src.Node().Clock().Ticks())
		})
		remove := src.Node().OnMetadata(func(m onair.Metadata) { got = append(got, "meta "+m["title"]) })
		onairtest.Collect(t, src, 5, nil)
		assert.Equal(t, want, got, "a track without metadata of its own reports the last metadata")
		assert.Equal(t, []uint64{1, 2}, at, "on the clock goroutine, in the tick")
		remove()
		got = nil
		onairtest.Collect(t, script(), 1, nil)
		assert.Empty(t, got)
	})
	t.Run("Async", func(t *testing.T) {
		src := script()
		var mu sync.Mutex
		var got []string
		add := func(s string) { mu.Lock(); got = append(got, s); mu.Unlock() }
		src.Node().OnTrack(func(m onair.Metadata) { add("track " + m["title"]) })
		src.Node().OnMetadata(func(m onair.Metadata) { add("meta " + m["title"]) })
		onairtest.Collect(t, src, 5, &onairtest.Options{AsyncCallbacks: true})
		mu.Lock()
		defer mu.Unlock()
		assert.Equal(t, want, got, "all delivered, in order, once the graph has closed")
	})
	t.Run("SlowAsyncDoesNotBlockClock", func(t *testing.T) {
		src := onair.Sine(440, &onair.GenOptions{Duration: 20 * time.Millisecond})
		release := make(chan struct{})
		var calls int
		src.OnTrack(func(onair.Metadata) { <-release; calls++ })
		rec := onairtest.NewRecorder(nil)
		l := &logs{}
		clk := manualClock("test")
		g, err := onair.NewGraph(&onair.GraphOptions{Clock: clk, CallbackQueue: 4, Logger: slog.New(l)})
		require.NoError(t, err)
		require.NoError(t, g.Add(onair.NewOutput(src, rec, nil)))
		require.NoError(t, g.Start())
		tick(clk, 20) // blocks nothing: one callback running, 4 queued, the rest dropped
		assert.Equal(t, 20*fs, rec.Capture().Len())
		close(release)
		require.NoError(t, g.Close())
		// Whether the callback goroutine took the first callback before the
		// second arrived is up to the scheduler: 4 or 5 ran.
		assert.Contains(t, []int{4, 5}, calls)
		assert.Len(t, l.with("callback queue full: callback dropped"), 20-calls)
	})
}
