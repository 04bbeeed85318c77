package onair_test

import (
	"fmt"
	"time"

	"github.com/onair-go/onair"
)

// levelTracks is a source of 3-second tracks at constant levels, each
// starting with a title.
type levelTracks struct {
	levels []float32
	titles []string
	track  int
	pos    int
}

func (s *levelTracks) Generate(f *onair.Frame) error {
	size := f.Format().Samples(3 * time.Second)
	for f.Free() > 0 {
		if s.pos == size {
			s.track, s.pos = s.track+1, 0
		}
		if s.pos == 0 {
			f.AddMark(f.Len())
			f.AddMetadata(f.Len(), onair.Metadata{"title": s.titles[s.track%len(s.titles)]})
		}
		n := min(f.Free(), size-s.pos)
		base := f.Len()
		f.Extend(n)
		for _, ch := range f.Audio() {
			for i := range n {
				ch[base+i] = s.levels[s.track%len(s.levels)]
			}
		}
		s.pos += n
	}
	return nil
}

// A crossfade over 3-second tracks at levels 1 and 0.5. Each transition
// starts one second before the end of a track (Duration): the old track
// fades out over that second (FadeOut) while the new one fades in over its
// first half second (FadeIn), and the two are summed, so the level swells
// while both play. The titles change where the transitions start.
func ExampleCrossfade() {
	clk := onair.NewClock("main", &onair.ClockOptions{Kind: onair.Manual})
	g, err := onair.NewGraph(&onair.GraphOptions{
		Clock:         clk,
		SyncCallbacks: true,
		Format:        onair.Format{SampleRate: 8000, Channels: 1},
	})
	if err != nil {
		panic(err)
	}
	music := onair.NewNode(&levelTracks{levels: []float32{1, 0.5}, titles: []string{"one", "two"}}, nil)
	x, err := onair.Crossfade(music, &onair.CrossfadeOptions{
		Duration: time.Second,
		FadeIn:   500 * time.Millisecond,
		FadeOut:  time.Second,
	})
	if err != nil {
		panic(err)
	}
	pos := 0 // samples played
	out := onair.Sink(x, func(f *onair.Frame) error {
		for _, m := range f.Metadata() {
			fmt.Printf("%dms %q starts\n", (pos+m.Pos)/8, m.Metadata["title"])
		}
		for i, v := range f.Audio()[0] {
			if (pos+i)%2000 == 0 {
				fmt.Printf("%dms level %.3f\n", (pos+i)/8, v)
			}
		}
		pos += f.Len()
		return nil
	}, nil)
	if err := g.Add(out); err != nil {
		panic(err)
	}
	if err := g.Start(); err != nil {
		panic(err)
	}
	defer g.Close()
	for range 250 { // 5 seconds of 20ms frames
		clk.Tick()
	}
	fmt.Println("transitions:", x.Transitions())
	// Output:
	// 0ms "one" starts
	// 0ms level 1.000
	// 250ms level 1.000
	// 500ms level 1.000
	// 750ms level 1.000
	// 1000ms level 1.000
	// 1250ms level 1.000
	// 1500ms level 1.000
	// 1750ms level 1.000
	// 2000ms "two" starts
	// 2000ms level 1.000
	// 2250ms level 1.104
	// 2500ms level 1.000
	// 2750ms level 0.646
	// 3000ms level 0.500
	// 3250ms level 0.500
	// 3500ms level 0.500
	// 3750ms level 0.500
	// 4000ms "one" starts
	// 4000ms level 0.500
	// 4250ms level 0.927
	// 4500ms level 1.250
	// 4750ms level 1.073
	// transitions: 2
}
