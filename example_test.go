package onair_test

import (
	"fmt"
	"time"

	"github.com/onair-go/onair"
)

// A sine wave split in 30 ms tracks plays into a sink on a manual clock;
// the sink prints each frame's span and its track marks and metadata.
func Example() {
	clk := onair.NewClock("main", &onair.ClockOptions{Kind: onair.Manual})
	g, err := onair.NewGraph(&onair.GraphOptions{
		Clock:         clk,
		Format:        onair.Format{SampleRate: 8000, Channels: 1},
		SyncCallbacks: true,
	})
	if err != nil {
		panic(err)
	}
	sine := onair.Sine(440, &onair.GenOptions{Duration: 30 * time.Millisecond, Metadata: onair.Metadata{"title": "tone"}})
	sine.OnTrack(func(m onair.Metadata) { fmt.Printf("  new track %q\n", m["title"]) })
	pos := 0
	out := onair.Sink(sine, func(f *onair.Frame) error {
		fmt.Printf("tick %d: samples [%d,%d)", clk.Ticks(), pos, pos+f.Len())
		for _, m := range f.Marks() {
			fmt.Printf(" mark@%d", pos+m)
		}
		for _, m := range f.Metadata() {
			fmt.Printf(" %v@%d", m.Metadata, pos+m.Pos)
		}
		fmt.Println()
		pos += f.Len()
		return nil
	}, nil)
	if err := g.Add(out); err != nil {
		panic(err)
	}
	if err := g.Start(); err != nil {
		panic(err)
	}
	for range 4 {
		clk.Tick()
	}
	if err := g.Close(); err != nil {
		panic(err)
	}
	fmt.Println(clk.Status().Time)
	// Output:
	//   new track "tone"
	// tick 1: samples [0,160) mark@0 map[title:tone]@0
	//   new track "tone"
	// tick 2: samples [160,320) mark@240 map[title:tone]@240
	// tick 3: samples [320,480)
	//   new track "tone"
	// tick 4: samples [480,640) mark@480 map[title:tone]@480
	// 80ms
}

// Starting an output on a source that may fail is an error that says how
// to fix it.
func ExampleFallibleError() {
	g, _ := onair.NewGraph(&onair.GraphOptions{Clock: onair.NewClock("main", &onair.ClockOptions{Kind: onair.Manual})})
	_ = g.Add(onair.Sink(onair.Fail("live"), nil, &onair.OutputOptions{ID: "radio"}))
	fmt.Println(g.Start())
	// Output:
	// onair: output "radio": source "live" is fallible: wrap it with onair.MkSafe, add an infallible fallback, or make the output fallible (OutputOptions.Fallible)
}
