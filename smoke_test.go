package onair_test

import (
	"testing"
	"time"

	"github.com/onair-go/onair"
	"github.com/stretchr/testify/require"
)

func TestSmokeTwoOutputs(t *testing.T) {
	clk := onair.NewClock("test", &onair.ClockOptions{Kind: onair.Manual})
	g, err := onair.NewGraph(&onair.GraphOptions{Clock: clk, SyncCallbacks: true})
	require.NoError(t, err)
	src := onair.Sine(440, &onair.GenOptions{Duration: 50 * time.Millisecond})
	var a, b []float32
	tracks := 0
	src.OnTrack(func(onair.Metadata) { tracks++ })
	o1 := onair.Sink(src, func(f *onair.Frame) error { a = append(a, f.Audio()[0]...); return nil }, nil)
	o2 := onair.Sink(src, func(f *onair.Frame) error { b = append(b, f.Audio()[0]...); return nil }, nil)
	require.NoError(t, g.Add(o1, o2))
	require.NoError(t, g.Start())
	for range 10 {
		clk.Tick()
	}
	require.NoError(t, g.Close())
	require.Len(t, a, 10*882)
	require.Equal(t, a, b)
	require.Equal(t, 4, tracks) // 200ms of 50ms tracks: marks at 0, 50, 100, 150ms
}
