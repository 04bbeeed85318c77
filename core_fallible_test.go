package onair_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/onairtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// logs is a slog handler that keeps the records it gets.
type logs struct {
	mu      sync.Mutex // guards records
	records []slog.Record
}

func (l *logs) Enabled(context.Context, slog.Level) bool { return true }
func (l *logs) WithAttrs([]slog.Attr) slog.Handler       { return l }
func (l *logs) WithGroup(string) slog.Handler            { return l }

func (l *logs) Handle(_ context.Context, r slog.Record) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.records = append(l.records, r.Clone())
	return nil
}

// with returns the records whose message is msg.
func (l *logs) with(msg string) []slog.Record {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []slog.Record
	for _, r := range l.records {
		if r.Message == msg {
			out = append(out, r)
		}
	}
	return out
}

func attr(r slog.Record, key string) string {
	var v string
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == key {
			v = a.Value.String()
			return false
		}
		return true
	})
	return v
}

func TestFallibleError(t *testing.T) {
	for name, src := range map[string]onair.Source{
		"Fail":     onair.Fail("dead"),
		"Operator": newOp("amp", onair.Fail("dead"), 1, nil),
	} {
		t.Run(name, func(t *testing.T) {
			g, _ := manualGraph(t, nil)
			require.NoError(t, g.Add(onair.Sink(src, nil, &onair.OutputOptions{ID: "radio"})))
			err := g.Start()
			var fe *onair.FallibleError
			require.ErrorAs(t, err, &fe)
			assert.Equal(t, "radio", fe.Output)
			assert.Equal(t, src.Node().ID(), fe.Source)
			assert.Contains(t, err.Error(), `source "`+src.Node().ID()+`" is fallible`)
			assert.Contains(t, err.Error(), "onair.MkSafe")
			assert.Contains(t, err.Error(), "OutputOptions.Fallible")
		})
	}
	t.Run("FixedWithFallibleOutput", func(t *testing.T) {
		g, _ := manualGraph(t, nil)
		require.NoError(t, g.Add(onair.Sink(onair.Fail("dead"), nil, &onair.OutputOptions{Fallible: true})))
		require.NoError(t, g.Start())
	})
	t.Run("FixedWithMkSafe", func(t *testing.T) {
		g, _ := manualGraph(t, nil)
		safe := onair.MkSafe(onair.Fail("dead"))
		assert.False(t, safe.Fallible())
		require.NoError(t, g.Add(onair.Sink(safe, nil, nil)))
		require.NoError(t, g.Start())
	})
}

// A fallible output stops when its source fails and starts again when it
// is ready.
func TestFallibleOutputStopRestart(t *testing.T) {
	src := onairtest.NewSource(&onairtest.Script{
		Counter: true, Segments: []onairtest.Segment{{Len: 1 << 30}}, Fallible: true,
		Ready: func(tick uint64) bool { return tick <= 3 || tick >= 7 },
	})
	var events []string
	clk := manualClock("test")
	rec := onairtest.NewRecorder(clk)
	out := onair.NewOutput(src, rec, &onair.OutputOptions{
		Fallible: true,
		OnStart:  func() { events = append(events, "start@"+itoa(clk.Ticks())) },
		OnStop:   func() { events = append(events, "stop@"+itoa(clk.Ticks())) },
	})
	g, _ := manualGraph(t, &onair.GraphOptions{Clock: clk})
	require.NoError(t, g.Add(out))
	require.NoError(t, g.Start())
	tick(clk, 9)
	assert.Equal(t, []string{"start@1", "stop@4", "start@7"}, events)
	assert.True(t, out.Started())
	require.NoError(t, g.Close())
	c := rec.Capture()
	var ticks []uint64
	for _, f := range c.Frames {
		ticks = append(ticks, f.Tick)
	}
	assert.Equal(t, []uint64{1, 2, 3, 7, 8, 9}, ticks)
	requireCounting(t, c.Audio[0], 0, "nothing lost while stopped")
	assert.Equal(t, 2, c.Starts)
	assert.Equal(t, 2, c.Stops, "stopped at tick 4 and when the graph closed")
}

// An output whose source ends (short frame, then unready) stops.
func TestOutputStopsAtEnd(t *testing.T) {
	src := onairtest.Tracks("t", 1000)
	c := onairtest.Collect(t, src, 5, nil)
	assert.Equal(t, 1000, c.Len())
	assert.Equal(t, 1, c.Starts)
	assert.Equal(t, 1, c.Stops)
}

func TestMkSafe(t *testing.T) {
	t.Run("Stutter", func(t *testing.T) {
		c := onairtest.Collect(t, onair.MkSafe(onairtest.Stutter(onairtest.Counter("c"))), 6, nil)
		require.Equal(t, 6*fs, c.Len(), "full frames every tick")
		assert.Equal(t, []int{0, fs, 2 * fs, 3 * fs, 4 * fs, 5 * fs}, c.Marks, "a mark at each switch")
		for k := range 6 {
			a := c.Audio[0][k*fs : (k+1)*fs]
			if k%2 == 0 {
				requireCounting(t, a, k/2*fs, "source data")
			} else {
				assert.Equal(t, make([]float32, fs), a, "silence while unready")
			}
		}
	})
	t.Run("ShortFrames", func(t *testing.T) {
		// A ready source's short frames are no more data now: passed on as
		// they are, in one track, without silence.
		c := onairtest.Collect(t, onair.MkSafe(onairtest.Short(onairtest.Counter("c"), 300)), 2, nil)
		require.Equal(t, 600, c.Len())
		assert.Equal(t, []int{0}, c.Marks)
		requireCounting(t, c.Audio[0], 0, "every sample of the source, in order")
	})
	t.Run("Fail", func(t *testing.T) {
		g, clk := manualGraph(t, nil)
		rec := onairtest.NewRecorder(nil)
		require.NoError(t, g.Add(onair.NewOutput(onair.MkSafe(onair.Fail("dead")), rec, nil)))
		require.NoError(t, g.Start())
		tick(clk, 3)
		c := rec.Capture()
		assert.Equal(t, 3*fs, c.Len())
		assert.Equal(t, []int{0}, c.Marks)
		assert.Equal(t, make([]float32, 3*fs), c.Audio[1])
	})
	t.Run("Conformance", func(t *testing.T) {
		onairtest.TestSource(t, func() onair.Source {
			return onair.MkSafe(onairtest.Stutter(onairtest.Tracks("t", 1000, 37, 2500)))
		})
	})
}

// A Send error stops the output; it starts again after RestartDelay of
// stream time.
func TestOutputRestartAfterSendError(t *testing.T) {
	clk := manualClock("test")
	var sent []uint64
	var errs []error
	send := func(f *onair.Frame) error {
		sent = append(sent, clk.Ticks())
		if clk.Ticks() == 3 {
			return errors.New("network down")
		}
		return nil
	}

	l := &logs{}
	g, _ := manualGraph(t, &onair.GraphOptions{Clock: clk, Logger: slog.New(l)})
	out := onair.Sink(onair.Sine(440, nil), send, &onair.OutputOptions{
		ID: "icecast", RestartDelay: 100 * time.Millisecond, OnError: func(err error) { errs = append(errs, err) },
	})
	require.NoError(t, g.Add(out))
	require.NoError(t, g.Start())
	tick(clk, 10)
	assert.Equal(t, []uint64{1, 2, 3, 9, 10}, sent, "100ms = 5 ticks of rest after tick 3")
	require.Len(t, errs, 1)
	assert.EqualError(t, errs[0], "network down")
	recs := l.with("output failed")
	require.Len(t, recs, 1)
	assert.Equal(t, "icecast", attr(recs[0], "output"))
}

// A generator error other than io.EOF is logged with the source's ID and
// the source is asked again on the next tick.
func TestGenerateErrorLogged(t *testing.T) {
	l := &logs{}
	src := onairtest.ErrAfter(onairtest.Counter("c"), 2, errors.New("decoder hiccup"))
	c := onairtest.Collect(t, src, 5, &onairtest.Options{Logger: slog.New(l)})
	assert.Equal(t, 2*fs, c.Len())
	recs := l.with("source failed to generate a frame")
	require.Len(t, recs, 3, "asked again every tick")
	assert.Equal(t, "errafter", attr(recs[0], "source"))
	assert.Equal(t, "decoder hiccup", attr(recs[0], "err"))
	assert.False(t, src.Ended())

	end := onairtest.ErrAfter(onairtest.Counter("c"), 2, io.EOF)
	onairtest.Collect(t, end, 5, &onairtest.Options{Logger: slog.New(l)})
	assert.True(t, end.Ended())
	assert.Len(t, l.with("source failed to generate a frame"), 3, "io.EOF is not logged")
}

// An infallible output whose source is unready anyway logs it once.
func TestInfallibleOutputUnreadyLogged(t *testing.T) {
	l := &logs{}
	src := onairtest.NewSource(&onairtest.Script{Segments: []onairtest.Segment{{Len: 2 * fs}}})
	g, clk := manualGraph(t, &onair.GraphOptions{Logger: slog.New(l)})
	require.NoError(t, g.Add(onair.Sink(src, nil, nil)))
	require.NoError(t, g.Start())
	tick(clk, 6)
	assert.Len(t, l.with("infallible source is not ready"), 1)
}

// An infallible source that has no data for a tick does not stop its
// output (a stop disconnects an Icecast source): the output logs it once
// and goes on with the next frame, and stops when the source ends.
func TestInfallibleOutputGoesOnAfterAHiccup(t *testing.T) {
	l := &logs{}
	src := onairtest.NewSource(&onairtest.Script{
		Segments: []onairtest.Segment{{Len: 8 * fs, Value: 0.5}},
		Ready:    func(tick uint64) bool { return tick != 3 && tick != 5 },
	})
	starts, stops, frames := 0, 0, 0
	g, clk := manualGraph(t, &onair.GraphOptions{Logger: slog.New(l)})
	out := onair.Sink(src, func(*onair.Frame) error { frames++; return nil },
		&onair.OutputOptions{OnStart: func() { starts++ }, OnStop: func() { stops++ }})
	require.NoError(t, g.Add(out))
	require.NoError(t, g.Start())
	tick(clk, 7)
	assert.Equal(t, 5, frames, "ticks 3 and 5 had no frame")
	assert.Equal(t, 1, starts)
	assert.Equal(t, 0, stops, "a hiccup does not stop the output")
	assert.Len(t, l.with("infallible source is not ready"), 1)
	assert.EqualValues(t, 2, out.Missed(), "each hiccup is counted")
	tick(clk, 5)
	assert.Equal(t, 8, frames)
	assert.Equal(t, 1, stops, "the end of the source stops it")
	assert.EqualValues(t, 2, out.Missed(), "the end is not a hiccup")
}

func itoa(n uint64) string { return strconv.FormatUint(n, 10) }
