package onairtest_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/onairtest"
)

// A unit test of a whole pipeline: two scripted tracks, crossfaded, then
// amplified. Collect runs it on a manual clock; the Capture's timeline
// shows where every track mark and title landed, and its audio what
// the listener hears.
func Example() {
	t := &testing.T{} // in a real test, the test's *testing.T
	format := onair.Format{SampleRate: 1000, Channels: 1, FrameDuration: 20 * time.Millisecond}
	music := onairtest.NewSource(&onairtest.Script{
		ID: "music",
		Segments: []onairtest.Segment{
			{Len: 100, Value: 0.5, Metadata: onair.Metadata{"title": "one"}},
			{Len: 100, Value: 0.5, Metadata: onair.Metadata{"title": "two"}},
		},
	})
	xf, _ := onair.Crossfade(music, &onair.CrossfadeOptions{Duration: 40 * time.Millisecond, FadeIn: 40 * time.Millisecond, FadeOut: 40 * time.Millisecond})
	loud, _ := onair.Amplify(xf, 2, nil)
	c := onairtest.Collect(t, loud, 9, &onairtest.Options{Format: format})
	fmt.Print(c.Timeline())
	fmt.Printf("%.2f %.2f %.2f\n", c.Audio[0][0], c.Audio[0][70], c.Audio[0][159])
	// Output:
	// tick 1: [0,20) mark@0 meta@0{title=one}
	// tick 2: [20,40)
	// tick 3: [40,60)
	// tick 4: [60,80) mark@60 meta@60{title=two}
	// tick 5: [80,100)
	// tick 6: [100,120)
	// tick 7: [120,140)
	// tick 8: [140,160)
	// 1.00 1.00 1.00
}
