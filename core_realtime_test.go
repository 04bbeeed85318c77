package onair_test

import (
	"context"
	"log/slog"
	"testing"
	"testing/synctest"
	"time"

	"github.com/onair-go/onair"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const frame = 20 * time.Millisecond

// stallSender records the fake time of each Send since start, stalls
// (sleeps inside the bubble) as told, and counts clock resets.
type stallSender struct {
	start  time.Time
	stall  func(tick int) time.Duration
	times  []time.Duration
	resets []int // ticks sent before each reset
	lags   []time.Duration
	clk    *onair.Clock
}

func (s *stallSender) Send(*onair.Frame) error {
	s.times = append(s.times, time.Since(s.start))
	s.lags = append(s.lags, s.clk.Status().Lag)
	if s.stall != nil {
		if d := s.stall(len(s.times)); d > 0 {
			time.Sleep(d)
		}
	}
	return nil
}

func (s *stallSender) Reset() { s.resets = append(s.resets, len(s.times)) }

// runFor runs a real-time graph for d of fake time inside the current
// synctest bubble, then cancels it and waits for Run to return.
func runFor(t *testing.T, d time.Duration, opts *onair.ClockOptions, l *logs, stall func(int) time.Duration) *stallSender {
	t.Helper()
	clk := onair.NewClock("main", opts)
	logger := slog.New(slog.DiscardHandler)
	if l != nil {
		logger = slog.New(l)
	}
	g, err := onair.NewGraph(&onair.GraphOptions{Clock: clk, Logger: logger, Format: onair.Format{Channels: 1}})
	require.NoError(t, err)
	s := &stallSender{start: time.Now(), stall: stall, clk: clk}
	require.NoError(t, g.Add(onair.NewOutput(onair.Blank(nil), s, nil)))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- g.Run(ctx) }()
	time.Sleep(d)
	cancel()
	require.ErrorIs(t, <-done, context.Canceled)
	return s
}

// The clock keeps an absolute schedule: tick k (from 0) runs no later
// than k frames after the start and no earlier than the latency ahead.
func TestRealTimeSchedule(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := runFor(t, 10*time.Second, nil, nil, nil)
		n := len(s.times)
		assert.GreaterOrEqual(t, n, 500)
		assert.LessOrEqual(t, n, 506, "at most the latency (100ms) ahead")
		for k, at := range s.times {
			due := time.Duration(k) * frame
			require.LessOrEqual(t, at, due, "tick %d late", k)
			require.Greater(t, at, due-100*time.Millisecond-frame, "tick %d too early", k)
		}
	})
}

// After a stall the clock runs ticks back to back until it is on time
// again, logs the lag once, and loses no tick.
func TestRealTimeCatchUp(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := &logs{}
		s := runFor(t, 10*time.Second, nil, l, func(k int) time.Duration {
			if k == 50 {
				return time.Second
			}
			return 0
		})
		n := len(s.times)
		assert.GreaterOrEqual(t, n, 500, "the ticks missed during the stall were caught up")
		assert.LessOrEqual(t, n, 506)
		stallEnd := s.times[49] + time.Second // tick 50 ran up to 100ms early, then stalled
		// Ticks 51.. run at the same instant until 100ms ahead of schedule.
		caught := 0
		for _, at := range s.times[50:] {
			if at != stallEnd {
				break
			}
			caught++
		}
		assert.Equal(t, int((stallEnd+100*time.Millisecond)/frame)-50, caught, "back-to-back ticks after the stall")
		lag := stallEnd - 50*frame
		assert.Equal(t, lag, s.lags[50], "Status reports the lag")
		late := l.with("clock late: catching up")
		require.Len(t, late, 1)
		assert.Equal(t, lag.String(), attr(late[0], "lag"))
		assert.Empty(t, s.resets)
	})
}

// Past the maximum lag the clock resets its outputs and restarts its
// schedule from the present instead of catching up.
func TestRealTimeResetPastMaxLag(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := &logs{}
		s := runFor(t, 10*time.Second, &onair.ClockOptions{MaxLatency: 2 * time.Second}, l, func(k int) time.Duration {
			if k == 50 {
				return 5 * time.Second
			}
			return 0
		})
		assert.Equal(t, []int{50}, s.resets, "one reset, right after the stall")
		require.Len(t, l.with("clock too late: resetting outputs"), 1)
		restart := s.times[49] + 5*time.Second
		for j, at := range s.times[50:] {
			due := restart + time.Duration(j)*frame
			require.LessOrEqual(t, at, due, "tick %d late after reset", 50+j)
			require.Greater(t, at, due-100*time.Millisecond-frame, "tick %d caught up instead of reset", 50+j)
		}
		n := len(s.times)
		assert.InDelta(t, 50+int((10*time.Second-restart)/frame)+3, n, 3)
	})
}

// An hour of fake time is exactly 180000 frames (plus the latency).
func TestRealTimeNoDrift(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := runFor(t, time.Hour, nil, nil, nil)
		n := len(s.times)
		assert.GreaterOrEqual(t, n, 180000)
		assert.LessOrEqual(t, n, 180006)
		last := s.times[n-1]
		assert.LessOrEqual(t, last, time.Duration(n-1)*frame)
		assert.Greater(t, last, time.Duration(n-1)*frame-120*time.Millisecond)
	})
}

// A clock that stays late logs its lag at most once a second.
func TestRealTimeLagLoggedOncePerSecond(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := &logs{}
		runFor(t, 10*time.Second, nil, l, func(int) time.Duration { return 30 * time.Millisecond })
		late := l.with("clock late: catching up")
		require.GreaterOrEqual(t, len(late), 5)
		assert.LessOrEqual(t, len(late), 10)
		for i := 1; i < len(late); i++ {
			assert.GreaterOrEqual(t, late[i].Time.Sub(late[i-1].Time), time.Second)
		}
	})
}

// A free-running clock ticks without sleeping: no fake time passes.
func TestFreeRunning(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		clk := onair.NewClock("fast", &onair.ClockOptions{Kind: onair.FreeRunning})
		g, err := onair.NewGraph(&onair.GraphOptions{Clock: clk})
		require.NoError(t, err)
		ctx, cancel := context.WithCancel(context.Background())
		start := time.Now()
		var at time.Duration
		require.NoError(t, g.Add(onair.Sink(onair.Blank(nil), func(*onair.Frame) error {
			if clk.Ticks() == 1000 {
				at = time.Since(start)
				cancel()
			}
			return nil
		}, nil)))
		require.ErrorIs(t, g.Run(ctx), context.Canceled)
		assert.Equal(t, time.Duration(0), at)
		assert.GreaterOrEqual(t, clk.Ticks(), uint64(1000))
	})
}
