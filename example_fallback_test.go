package onair_test

import (
	"fmt"
	"time"

	"github.com/onair-go/onair"
)

// liveInput stands for a live input: on the air from the 3rd to the 5th
// tick, with samples of value 1.
type liveInput struct {
	clk     *onair.Clock
	started bool
}

func (l *liveInput) Ready() bool { t := l.clk.Ticks(); return t >= 3 && t <= 5 }

func (l *liveInput) Generate(f *onair.Frame) error {
	if !l.started {
		l.started = true
		f.AddMark(f.Len())
		f.AddMetadata(f.Len(), onair.Metadata{"title": "live show"})
	}
	start := f.Len()
	f.Extend(f.Free())
	for i := range f.Audio()[0][start:] {
		f.Audio()[0][start+i] = 1
	}
	return nil
}

// A radio that plays its playlist and lets a live show cut in as soon as it
// is on the air; when the show stops, the playlist resumes where it was.
func ExampleFallback() {
	clk := onair.NewClock("studio", &onair.ClockOptions{Kind: onair.Manual})
	g, err := onair.NewGraph(&onair.GraphOptions{
		Clock:         clk,
		SyncCallbacks: true,
		// 10 samples per frame, to keep the printout short.
		Format: onair.Format{SampleRate: 1000, Channels: 1, FrameDuration: 10 * time.Millisecond},
	})
	if err != nil {
		panic(err)
	}
	live := onair.NewNode(&liveInput{clk: clk}, &onair.NodeOptions{ID: "live", Fallible: true})
	playlist := onair.Blank(&onair.GenOptions{ID: "playlist", Duration: 25 * time.Millisecond, Metadata: onair.Metadata{"title": "song"}})
	radio, err := onair.Fallback([]onair.Source{live, playlist}, &onair.SwitchOptions{Immediate: true})
	if err != nil {
		panic(err)
	}
	out := onair.Sink(radio, func(f *onair.Frame) error {
		who := ""
		for _, x := range f.Audio()[0] {
			if x == 1 {
				who += "L"
			} else {
				who += "p"
			}
		}
		fmt.Printf("tick %d: %s marks=%v", clk.Ticks(), who, f.Marks())
		for _, m := range f.Metadata() {
			fmt.Printf(" %q@%d", m.Metadata["title"], m.Pos)
		}
		fmt.Println()
		return nil
	}, nil)
	if err := g.Add(out); err != nil {
		panic(err)
	}
	if err := g.Start(); err != nil {
		panic(err)
	}
	defer g.Close()
	for range 7 {
		clk.Tick()
	}
	// Output:
	// tick 1: pppppppppp marks=[0] "song"@0
	// tick 2: pppppppppp marks=[]
	// tick 3: LLLLLLLLLL marks=[0] "live show"@0
	// tick 4: LLLLLLLLLL marks=[]
	// tick 5: LLLLLLLLLL marks=[]
	// tick 6: pppppppppp marks=[0 5] "song"@0 "song"@5
	// tick 7: pppppppppp marks=[]
}
