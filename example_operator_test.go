package onair_test

import (
	"fmt"
	"time"

	"github.com/onair-go/onair"
)

// Gain is a custom operator: it multiplies the audio of its input by a
// level. It keeps its node in a field so that it can add methods of its
// own (SetLevel) and still be a Source.
type Gain struct {
	node  *onair.Node
	src   onair.Source
	level float32
}

// NewGain returns a Gain over src. It is fallible if src is, and ready when
// src is (the node's default for one child); it does not propagate src's
// errors (src's node logs them).
func NewGain(src onair.Source, level float32) *Gain {
	g := &Gain{src: src, level: level}
	g.node = onair.NewNode(g, &onair.NodeOptions{
		ID:       "gain",
		Children: []onair.Source{src},
		Fallible: src.Node().Fallible(),
	})
	return g
}

// Node makes a *Gain a Source.
func (g *Gain) Node() *onair.Node { return g.node }

// SetLevel changes the level. Call it on the clock goroutine (from a
// callback run with GraphOptions.SyncCallbacks, say).
func (g *Gain) SetLevel(l float32) { g.level = l }

// Generate implements onair.Generator: it pulls the input's data (with its
// track marks and metadata) after what f already holds, and scales the new
// samples. It keeps nothing of either frame. The node forwards readiness,
// Remaining and Skip to the only child, src.
func (g *Gain) Generate(f *onair.Frame) error {
	start := f.Len()
	g.src.Node().Pull(f)
	for _, a := range f.Audio() {
		for i := start; i < f.Len(); i++ {
			a[i] *= g.level
		}
	}
	return nil
}

// A custom operator from scratch: a Gain over a constant source, with its
// level changed between ticks and at a new track.
func Example_operator() {
	clk := onair.NewClock("main", &onair.ClockOptions{Kind: onair.Manual})
	graph, err := onair.NewGraph(&onair.GraphOptions{
		Clock:         clk,
		Format:        onair.Format{SampleRate: 1000, Channels: 1, FrameDuration: 10 * time.Millisecond},
		SyncCallbacks: true,
	})
	if err != nil {
		panic(err)
	}
	// A constant 1.0: a Generator written as a function.
	one := onair.NewNode(onair.GeneratorFunc(func(f *onair.Frame) error {
		start := f.Len()
		n := f.Extend(f.Free())
		for i := start; i < start+n; i++ {
			f.Audio()[0][i] = 1
		}
		return nil
	}), &onair.NodeOptions{ID: "one"})
	gain := NewGain(one, 0.5)
	safe := onair.MkSafe(gain)

	out := onair.Sink(safe, func(f *onair.Frame) error {
		fmt.Printf("tick %d: %v\n", clk.Ticks(), f.Audio()[0])
		return nil
	}, nil)
	if err := graph.Add(out); err != nil {
		panic(err)
	}
	if err := graph.Start(); err != nil {
		panic(err)
	}
	clk.Tick()
	gain.SetLevel(0.25)
	clk.Tick()
	one.InsertMetadata(onair.Metadata{"title": "loud"}, true)
	// The input's callbacks run (synchronously here) when the input is
	// computed in the tick, before Gain scales its frame.
	one.OnTrack(func(m onair.Metadata) { gain.SetLevel(2); fmt.Println("track:", m["title"]) })
	clk.Tick()
	if err := graph.Close(); err != nil {
		panic(err)
	}
	// Output:
	// tick 1: [0.5 0.5 0.5 0.5 0.5 0.5 0.5 0.5 0.5 0.5]
	// tick 2: [0.25 0.25 0.25 0.25 0.25 0.25 0.25 0.25 0.25 0.25]
	// track: loud
	// tick 3: [2 2 2 2 2 2 2 2 2 2]
}
