package onair_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
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

// The counter's handler counts fault records by fault and component,
// finds attributes given to With, ignores unknown events and attributes
// in groups, passes on the records next is enabled for, and keeps the
// number of series bounded.
func TestFaultCounter(t *testing.T) {
	var c fault.Counter
	var buf bytes.Buffer
	log := slog.New(c.Handler(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelWarn})))

	log.Info("retrying", fault.Reconnect.Attr(), fault.KeyOutput, "ice")
	log.With(fault.KeyMount, "/a.mp3").Warn("dropped", fault.ListenerDropped.Attr())
	log.With(fault.ListenerDropped.Attr()).Warn("dropped", fault.KeyMount, "/a.mp3")
	log.Warn("not a fault", fault.KeyEvent, "made_up", fault.KeyOutput, "ice")
	log.Debug("debug fault", fault.Reconnect.Attr(), fault.KeyOutput, "ice") // below Info: not built
	log.WithGroup("g").Warn("grouped", fault.Reconnect.Attr(), fault.KeyOutput, "ice")
	log.Error("no component", fault.StorageError.Attr())

	assert.Equal(t, uint64(1), c.Count(fault.Reconnect, "ice"))
	assert.Equal(t, uint64(2), c.Count(fault.ListenerDropped, "/a.mp3"))
	assert.Equal(t, uint64(1), c.Count(fault.StorageError, ""))
	assert.Equal(t, []fault.Count{
		{Event: fault.ListenerDropped, Key: fault.KeyMount, Component: "/a.mp3", N: 2},
		{Event: fault.Reconnect, Key: fault.KeyOutput, Component: "ice", N: 1},
		{Event: fault.StorageError, N: 1},
	}, c.Counts())
	out := buf.String()
	assert.NotContains(t, out, "retrying", "an Info record went past a Warn handler")
	assert.Equal(t, 5, strings.Count(out, "\n"), "the Warn and Error records reach next:\n%s", out)

	// Past 1,024 series, new components are counted under "".
	var big fault.Counter
	blog := slog.New(big.Handler(nil))
	for i := range 1100 {
		blog.Warn("dropped", fault.ListenerDropped.Attr(), fault.KeyMount, fmt.Sprint("/m", i))
	}
	counts := big.Counts()
	assert.Len(t, counts, 1024+1)
	assert.Equal(t, uint64(1100-1024), big.Count(fault.ListenerDropped, ""))
}
