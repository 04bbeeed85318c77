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
		fl.Check(t, onair.FaultClockCatchUp, onair.LogClock, "rt", 1, onair.LogLag)
		fl.Check(t, onair.FaultClockReset, onair.LogClock, "rt", 1, onair.LogLag)
		assert.Equal(t, uint64(1), g.Status()[0].Resets, "the reset is the one in Status")
	})
}

// The counter's handler counts fault records by fault and component,
// finds attributes given to With, ignores unknown events and attributes
// in groups, passes on the records next is enabled for, and keeps the
// number of series bounded.
func TestFaultCounter(t *testing.T) {
	var c onair.FaultCounter
	var buf bytes.Buffer
	log := slog.New(c.Handler(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelWarn})))

	log.Info("retrying", onair.FaultReconnect.Attr(), onair.LogOutput, "ice")
	log.With(onair.LogMount, "/a.mp3").Warn("dropped", onair.FaultListenerDropped.Attr())
	log.With(onair.FaultListenerDropped.Attr()).Warn("dropped", onair.LogMount, "/a.mp3")
	log.Warn("not a fault", onair.LogEvent, "made_up", onair.LogOutput, "ice")
	log.Debug("debug fault", onair.FaultReconnect.Attr(), onair.LogOutput, "ice") // below Info: not built
	log.WithGroup("g").Warn("grouped", onair.FaultReconnect.Attr(), onair.LogOutput, "ice")
	log.Error("no component", onair.FaultStorageError.Attr())

	assert.Equal(t, uint64(1), c.Count(onair.FaultReconnect, "ice"))
	assert.Equal(t, uint64(2), c.Count(onair.FaultListenerDropped, "/a.mp3"))
	assert.Equal(t, uint64(1), c.Count(onair.FaultStorageError, ""))
	assert.Equal(t, []onair.FaultCount{
		{Fault: onair.FaultListenerDropped, Key: onair.LogMount, Component: "/a.mp3", N: 2},
		{Fault: onair.FaultReconnect, Key: onair.LogOutput, Component: "ice", N: 1},
		{Fault: onair.FaultStorageError, N: 1},
	}, c.Counts())
	out := buf.String()
	assert.NotContains(t, out, "retrying", "an Info record went past a Warn handler")
	assert.Equal(t, 5, strings.Count(out, "\n"), "the Warn and Error records reach next:\n%s", out)

	// Past 1,024 series, new components are counted under "".
	var big onair.FaultCounter
	blog := slog.New(big.Handler(nil))
	for i := range 1100 {
		blog.Warn("dropped", onair.FaultListenerDropped.Attr(), onair.LogMount, fmt.Sprint("/m", i))
	}
	counts := big.Counts()
	assert.Len(t, counts, 1024+1)
	assert.Equal(t, uint64(1100-1024), big.Count(onair.FaultListenerDropped, ""))
}
