package onair_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/onairtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func invert(audio [][]float32) {
	for _, ch := range audio {
		for i := range ch {
			ch[i] = -ch[i]
		}
	}
}

// Under a fallible output, the operator is unready while its input is: the
// output stops instead of sending empty frames.
func TestMapFollowsInputReadiness(t *testing.T) {
	down := func(tick uint64) bool { return tick < 3 || tick >= 6 }
	src := onairtest.NewSource(&onairtest.Script{Counter: true, Segments: []onairtest.Segment{{Len: 100 * fs}}, Ready: down, Fallible: true})
	m := onair.Map(src, invert)
	require.True(t, m.Fallible())
	c := onairtest.Collect(t, m, 10, nil)
	assert.Equal(t, 7*fs, c.Len(), "no frame while the input was down")
	assert.Equal(t, 2, c.Starts, "the output stopped and started again")
	for i, v := range c.Audio[0] {
		require.Equal(t, float32(-i), v)
	}
}

// A fade above the operator sees the input's track lengths through it.
func TestMapKeepsRemaining(t *testing.T) {
	mk := func(wrap func(onair.Source) onair.Source) []float32 {
		src := onairtest.NewSource(&onairtest.Script{Segments: []onairtest.Segment{{Len: 5000, Value: 0.5}, {Len: 5000, Value: 0.5}}})
		out, err := onair.FadeOut(wrap(src), &onair.FadeOptions{Duration: 50 * time.Millisecond})
		require.NoError(t, err)
		return onairtest.Collect(t, out, 12, nil).Audio[0]
	}
	plain := mk(func(s onair.Source) onair.Source { return s })
	mapped := mk(func(s onair.Source) onair.Source { return onair.Map(s, func([][]float32) {}) })
	require.Equal(t, plain, mapped, "the fade-out falls at the same place with and without the operator")
	assert.Less(t, plain[4999], float32(0.01), "the track fades out before its end")
}

// Pull appends what fits in a frame that already holds data and consumes
// only that: the rest comes next tick, nothing is dropped.
func TestPullConsumesWhatFits(t *testing.T) {
	src := onairtest.Counter("c")
	var got []float32
	op := onair.NewNode(onair.GeneratorFunc(func(f *onair.Frame) error {
		if f.Len() == 0 {
			f.Extend(100) // data of its own before the input's
		}
		src.Node().Pull(f)
		return nil
	}), &onair.NodeOptions{ID: "op", Children: []onair.Source{src}})
	_, clk := onairtest.StartGraph(t, nil, onair.Sink(op, func(f *onair.Frame) error {
		got = append(got, f.Audio()[0][:f.Len()]...)
		return nil
	}, nil))
	for range 3 {
		clk.Tick()
	}
	var fromSrc []float32
	for i := 0; i < len(got); i += fs {
		fromSrc = append(fromSrc, got[i+100:i+fs]...)
	}
	for i, v := range fromSrc {
		require.Equal(t, float32(i), v, "sample %d of the input", i)
	}
}

// Map: a polarity inverter over a ramp, on a manual clock.
func ExampleMap() {
	src := onairtest.NewSource(&onairtest.Script{Segments: []onairtest.Segment{{Len: 4, Value: 0.25, Step: 0.25}}})
	inverted := onair.Map(src, func(audio [][]float32) {
		for _, ch := range audio {
			for i := range ch {
				ch[i] = -ch[i]
			}
		}
	})
	clk := onair.NewClock("main", &onair.ClockOptions{Kind: onair.Manual})
	g, _ := onair.NewGraph(&onair.GraphOptions{Clock: clk})
	_ = g.Add(onair.Sink(inverted, func(f *onair.Frame) error {
		fmt.Println(f.Audio()[0][:f.Len()])
		return nil
	}, &onair.OutputOptions{Fallible: true}))
	_ = g.Start()
	clk.Tick()
	_ = g.Close()
	// Output: [-0.25 -0.5 -0.75 -1]
}
