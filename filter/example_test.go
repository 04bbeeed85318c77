package filter_test

import (
	"fmt"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/filter"
)

// A filter description runs on a source's audio; volume=0.5 halves it.
func ExampleNewAudio() {
	level := onair.Map(onair.Blank(nil), func(audio [][]float32) {
		for _, ch := range audio {
			for i := range ch {
				ch[i] = 0.8
			}
		}
	})
	half, err := filter.NewAudio(level, "volume=0.5", nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer half.Close()

	clock := onair.NewClock("example", &onair.ClockOptions{Kind: onair.Manual})
	g, err := onair.NewGraph(&onair.GraphOptions{Clock: clock})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer g.Close()
	_ = g.Add(onair.Sink(half, func(f *onair.Frame) error {
		if f.Len() > 0 {
			fmt.Println(f.Len(), "samples at", f.Audio()[0][0])
		}
		return nil
	}, nil))
	if err := g.Start(); err != nil {
		fmt.Println(err)
		return
	}
	clock.Tick()
	// Output: 882 samples at 0.4
}

// A bad description is an error when the operator is made, naming the
// filter and FFmpeg's reason.
func ExampleError() {
	_, err := filter.NewAudio(onair.Sine(440, nil), "acompressor=threshold=-18dB,aecho=2:0.9:40:0.3", nil)
	fmt.Println(err)
	// Output: filter: filter aecho of "acompressor=threshold=-18dB,aecho=2:0.9:40:0.3": options: Value 2.000000 for parameter 'in_gain' out of range [0 - 1]; Error setting option in_gain to value 2.
}
