package onair_test

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/fault"
	"github.com/onair-go/onair/internal/faulttest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A real-time clock that falls behind logs one clock_catch_up record
// (once a second at most) and, past its maximum latency, one clock_reset
// record; each is counted once.
func TestClockFaultRecords(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fl := faulttest.New()
		ticks := 0
		src := onair.NewNode(onair.GeneratorFunc(func(f *onair.Frame) error { f.Extend(f.Free()); return nil }), &onair.NodeOptions{ID: "gen"})
		slow := onair.Sink(src, func(*onair.Frame) error {
			ticks++
			switch ticks {
			case 10:
				time.Sleep(300 * time.Millisecond) // late, within MaxLatency: catches up
			case 100:
				time.Sleep(1500 * time.Millisecond) // past MaxLatency: resets
			}
			return nil
		}, nil)
		clk := onair.NewClock("rt", &onair.ClockOptions{MaxLatency: time.Second})
		g, err := onair.NewGraph(&onair.GraphOptions{Clock: clk, Logger: fl.Logger()})
		require.NoError(t, err)
		require.NoError(t, g.Add(slow))
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
		defer cancel()
		_ = g.Run(ctx)
		fl.Check(t, fault.ClockCatchUp, fault.KeyClock, "rt", 1, fault.KeyLag)
		fl.Check(t, fault.ClockReset, fault.KeyClock, "rt", 1, fault.KeyLag)
		assert.Equal(t, uint64(1), g.Status()[0].Resets, "the reset is the one in Status")
	})
}
