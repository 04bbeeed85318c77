package onair_test

import (
	"fmt"
	"io"

	"github.com/onair-go/onair"
)

// Countdown is a custom source: tracks of a constant level that get
// quieter one after the other, each with its title, until none is left.
type Countdown struct {
	node  *onair.Node
	left  int // tracks still to play
	len   int // samples per track
	pos   int // position in the current track
	level float32
}

// NewCountdown returns a source of n tracks of length samples each.
func NewCountdown(n, length int) *Countdown {
	c := &Countdown{left: n, len: length, pos: length, level: 1}
	// It ends, so it is fallible: an output must be fallible or put it in
	// a fallback.
	c.node = onair.NewNode(c, &onair.NodeOptions{ID: "countdown", Fallible: true})
	return c
}

// Node makes a *Countdown a Source.
func (c *Countdown) Node() *onair.Node { return c.node }

// Remaining implements onair.Remainer, so that fades above it know where
// each track ends.
func (c *Countdown) Remaining() int { return c.len - c.pos }

// Skip implements onair.Skipper: the next sample starts the next track.
func (c *Countdown) Skip() { c.pos = c.len }

// Generate implements onair.Generator: it fills the frame's free room,
// starting a track (a mark and its metadata) where one ends, and returns
// io.EOF once the last track is done (what it appended before still
// plays; the node is unready from then on).
func (c *Countdown) Generate(f *onair.Frame) error {
	for f.Free() > 0 {
		if c.pos == c.len {
			if c.left == 0 {
				return io.EOF
			}
			c.left--
			c.pos = 0
			c.level /= 2
			f.AddMark(f.Len())
			f.AddMetadata(f.Len(), onair.Metadata{"title": fmt.Sprint("track ", c.left)})
		}
		n := min(f.Free(), c.len-c.pos)
		start := f.Len()
		f.Extend(n)
		for _, a := range f.Audio() {
			for i := start; i < start+n; i++ {
				a[i] = c.level
			}
		}
		c.pos += n
	}
	return nil
}

// A custom source of three 100-sample tracks, played by a fallible sink on
// a manual clock with 80-sample frames.
func Example_source() {
	clk := onair.NewClock("main", &onair.ClockOptions{Kind: onair.Manual})
	g, _ := onair.NewGraph(&onair.GraphOptions{Clock: clk, Format: onair.Format{SampleRate: 8000, Channels: 1, FrameDuration: 10_000_000}})
	out := onair.Sink(NewCountdown(3, 100), func(f *onair.Frame) error {
		fmt.Printf("%d samples, first %.3f, marks %v", f.Len(), f.Audio()[0][0], f.Marks())
		for _, m := range f.Metadata() {
			fmt.Printf(", %q at %d", m.Metadata["title"], m.Pos)
		}
		fmt.Println()
		return nil
	}, &onair.OutputOptions{Fallible: true})
	_ = g.Add(out)
	_ = g.Start()
	for range 5 {
		clk.Tick()
	}
	_ = g.Close()
	// Output:
	// 80 samples, first 0.500, marks [0], "track 2" at 0
	// 80 samples, first 0.500, marks [20], "track 1" at 20
	// 80 samples, first 0.250, marks [40], "track 0" at 40
	// 60 samples, first 0.125, marks []
}
