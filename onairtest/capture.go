package onairtest

import (
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/onair-go/onair"
)

// Options configure [Collect], [CollectDuration] and [StartGraph]. A zero
// Options is valid.
type Options struct {
	// Format is the graph format. Zero fields take the defaults of
	// [onair.Format] (44.1 kHz stereo, 20 ms frames).
	Format onair.Format
	// Logger receives the graph's logs. It defaults to discarding them.
	Logger *slog.Logger
	// AsyncCallbacks runs OnTrack and OnMetadata callbacks on the graph's
	// callback goroutine. It defaults to false: callbacks run on the clock
	// goroutine, in tick order, which keeps tests deterministic.
	AsyncCallbacks bool
	// OnTick, when not nil, is called after each tick with the number of
	// ticks run so far, so that tests can act between ticks (Skip,
	// InsertMetadata, Attach through an operator...).
	OnTick func(tick int)
}

// FrameRecord describes one frame a [Recorder] received (not the frame
// itself: its tick, position, length, marks and metadata).
type FrameRecord struct {
	// Tick is the clock tick that produced the frame (0 when the recorder
	// has no clock).
	Tick uint64
	// Pos is the absolute position of the frame's first sample in the
	// recorded stream, and Len its length in samples.
	Pos, Len int
	// Marks and Metadata are the frame's track marks and metadata, at
	// positions relative to the frame.
	Marks    []int
	Metadata []onair.MetadataAt
}

// Capture is what a [Recorder] received: the frames, the main audio track
// concatenated, and the track marks and metadata at absolute positions
// (samples from the first recorded sample).
type Capture struct {
	// Format is the graph format (zero until a frame was received).
	Format onair.Format
	// Ticks is the number of ticks run by Collect (0 for a bare Recorder).
	Ticks int
	// Frames lists the frames received, in order.
	Frames []FrameRecord
	// Audio holds the main audio track, one slice per channel.
	Audio [][]float32
	// Marks are the absolute positions of the track marks.
	Marks []int
	// Metadata is the metadata received, at absolute positions; each
	// Metadata map is a copy.
	Metadata []onair.MetadataAt
	// Starts and Stops count the starts and stops of the output.
	Starts, Stops int
}

// Len returns the number of samples received.
func (c *Capture) Len() int {
	if len(c.Frames) == 0 {
		return 0
	}
	last := c.Frames[len(c.Frames)-1]
	return last.Pos + last.Len
}

// Duration returns the duration of the samples received.
func (c *Capture) Duration() time.Duration { return c.Format.Duration(c.Len()) }

// Timeline returns one line per frame: its tick, its span in absolute
// samples, and its marks and metadata at absolute positions. Examples and
// golden files print it.
func (c *Capture) Timeline() string {
	var b strings.Builder
	for _, f := range c.Frames {
		fmt.Fprintf(&b, "tick %d: [%d,%d)", f.Tick, f.Pos, f.Pos+f.Len)
		for _, m := range f.Marks {
			fmt.Fprintf(&b, " mark@%d", f.Pos+m)
		}
		for _, m := range f.Metadata {
			fmt.Fprintf(&b, " meta@%d%s", f.Pos+m.Pos, formatMeta(m.Metadata))
		}
		b.WriteByte('\n')
	}
	return b.String()
}

func formatMeta(m onair.Metadata) string {
	keys := slices.Sorted(maps.Keys(m))
	var b strings.Builder
	b.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%s=%s", k, m[k])
	}
	b.WriteByte('}')
	return b.String()
}

// Recorder is an [onair.Sender] that records what it is sent into a
// [Capture]. It copies every frame, so it does not retain them. Its
// methods are safe for concurrent use: a test may read Capture while a
// real-time clock runs.
type Recorder struct {
	clock *onair.Clock

	mu  sync.Mutex // guards c
	c   Capture
	pos int
}

// NewRecorder returns a recorder. clk, when not nil, is the clock whose
// tick numbers are recorded with each frame.
func NewRecorder(clk *onair.Clock) *Recorder { return &Recorder{clock: clk} }

// Send implements [onair.Sender].
func (r *Recorder) Send(f *onair.Frame) error {
	var tick uint64
	if r.clock != nil {
		tick = r.clock.Ticks()
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.c.Format.SampleRate == 0 && f.Format() != nil {
		r.c.Format = *f.Format()
	}
	fr := FrameRecord{Tick: tick, Pos: r.pos, Len: f.Len(), Marks: slices.Clone(f.Marks())}
	for _, m := range f.Metadata() {
		md := metaCopy(m)
		fr.Metadata = append(fr.Metadata, md)
		r.c.Metadata = append(r.c.Metadata, onair.MetadataAt{Pos: r.pos + m.Pos, Metadata: md.Metadata})
	}
	for _, m := range f.Marks() {
		r.c.Marks = append(r.c.Marks, r.pos+m)
	}
	audio := f.Audio()
	if r.c.Audio == nil && audio != nil {
		r.c.Audio = make([][]float32, len(audio))
	}
	for ch := range min(len(audio), len(r.c.Audio)) {
		r.c.Audio[ch] = append(r.c.Audio[ch], audio[ch]...)
	}
	r.c.Frames = append(r.c.Frames, fr)
	r.pos += f.Len()
	return nil
}

func metaCopy(m onair.MetadataAt) onair.MetadataAt {
	return onair.MetadataAt{Pos: m.Pos, Metadata: maps.Clone(m.Metadata)}
}

// Start is called when the output starts; it is counted in the capture.
func (r *Recorder) Start() error {
	r.mu.Lock()
	r.c.Starts++
	r.mu.Unlock()
	return nil
}

// Stop is called when the output stops; it is counted in the capture.
func (r *Recorder) Stop() error {
	r.mu.Lock()
	r.c.Stops++
	r.mu.Unlock()
	return nil
}

// Capture returns a copy of what was recorded so far.
func (r *Recorder) Capture() *Capture {
	r.mu.Lock()
	defer r.mu.Unlock()
	c := r.c
	c.Frames = slices.Clone(c.Frames)
	c.Marks = slices.Clone(c.Marks)
	c.Metadata = slices.Clone(c.Metadata)
	c.Audio = make([][]float32, len(r.c.Audio))
	for i, a := range r.c.Audio {
		c.Audio[i] = slices.Clone(a)
	}
	return &c
}

// StartGraph builds a graph on a manual clock with the given outputs,
// starts it and closes it when the test ends (reporting Close errors). It
// fails the test if the graph does not start. Step the clock with
// [onair.Clock.Tick]. opts may be nil; opts.OnTick is not used.
func StartGraph(t testing.TB, opts *Options, outputs ...onair.Source) (*onair.Graph, *onair.Clock) {
	t.Helper()
	var o Options
	if opts != nil {
		o = *opts
	}
	clk := onair.NewClock("onairtest", &onair.ClockOptions{Kind: onair.Manual})
	g, err := onair.NewGraph(&onair.GraphOptions{Format: o.Format, Clock: clk, Logger: o.Logger, SyncCallbacks: !o.AsyncCallbacks})
	if err != nil {
		t.Fatalf("onairtest: new graph: %v", err)
	}
	if err := g.Add(outputs...); err != nil {
		t.Fatalf("onairtest: add outputs: %v", err)
	}
	if err := g.Start(); err != nil {
		t.Fatalf("onairtest: start graph: %v", err)
	}
	t.Cleanup(func() {
		if err := g.Close(); err != nil {
			t.Errorf("onairtest: close graph: %v", err)
		}
	})
	return g, clk
}

// Collect runs src on a manual clock for the given number of ticks,
// through a fallible output (so that unready ticks are simply not
// recorded), and returns what the output received. The graph is closed
// before Collect returns. opts may be nil.
func Collect(t testing.TB, src onair.Source, ticks int, opts *Options) *Capture {
	t.Helper()
	var o Options
	if opts != nil {
		o = *opts
	}
	clk := onair.NewClock("onairtest", &onair.ClockOptions{Kind: onair.Manual})
	g, err := onair.NewGraph(&onair.GraphOptions{Format: o.Format, Clock: clk, Logger: o.Logger, SyncCallbacks: !o.AsyncCallbacks})
	if err != nil {
		t.Fatalf("onairtest: new graph: %v", err)
	}
	rec := NewRecorder(clk)
	out := onair.NewOutput(src, rec, &onair.OutputOptions{ID: "onairtest", Fallible: true})
	if err := g.Add(out); err != nil {
		t.Fatalf("onairtest: add output: %v", err)
	}
	if err := g.Start(); err != nil {
		t.Fatalf("onairtest: start graph: %v", err)
	}
	for i := 1; i <= ticks; i++ {
		clk.Tick()
		if o.OnTick != nil {
			o.OnTick(i)
		}
	}
	if err := g.Close(); err != nil {
		t.Errorf("onairtest: close graph: %v", err)
	}
	c := rec.Capture()
	c.Ticks = ticks
	if c.Format.SampleRate == 0 {
		c.Format = *g.Format()
	}
	return c
}

// CollectDuration is [Collect] for as many ticks as it takes to cover d
// (rounded up to whole frames).
func CollectDuration(t testing.TB, src onair.Source, d time.Duration, opts *Options) *Capture {
	t.Helper()
	var f onair.Format
	if opts != nil {
		f = opts.Format
	}
	nf, err := f.Normalize()
	if err != nil {
		t.Fatalf("onairtest: %v", err)
	}
	ticks := int((d + nf.FrameDuration - 1) / nf.FrameDuration)
	return Collect(t, src, ticks, opts)
}
