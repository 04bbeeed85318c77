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
		assert.LessOrEqual(t, n, 501, "at most the latency (a frame) ahead")
		for k, at := range s.times {
			due := time.Duration(k) * frame
			require.LessOrEqual(t, at, due, "tick %d late", k)
			require.Greater(t, at, due-2*frame, "tick %d too early", k)
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
		assert.LessOrEqual(t, n, 501)
		stallEnd := s.times[49] + time.Second // tick 50 ran up to a frame early, then stalled
		// Ticks 51.. run at the same instant until a frame ahead of schedule.
		caught := 0
		for _, at := range s.times[50:] {
			if at != stallEnd {
				break
			}
			caught++
		}
		assert.Equal(t, int((stallEnd+frame)/frame)-50, caught, "back-to-back ticks after the stall")
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

// syncGen is a device-synced source: Sync marks it, and its Generate
// stalls for stall(tick) of fake time, as a sound card that blocks until
// it has room (0: the device stopped blocking).
type syncGen struct {
	tick  int
	stall func(tick int) time.Duration
}

func (g *syncGen) Generate(f *onair.Frame) error {
	g.tick++
	if d := g.stall(g.tick); d > 0 {
		time.Sleep(d)
	}
	f.Extend(f.Free())
	return nil
}

// A clock paced by a device follows the device; when the device stops
// blocking, the clock runs at most the slack ahead of the wall clock
// instead of spinning; when the device is slower than the wall clock, the
// clock follows it without catching up afterwards.
func TestSyncedClockBoundedByWallClock(t *testing.T) {
	for _, tc := range []struct {
		name     string
		stall    func(int) time.Duration
		min, max int // ticks in 10 s of fake time
	}{
		// The device paces exactly: 500 ticks.
		{"device paces", func(int) time.Duration { return frame }, 500, 501},
		// The device stops blocking after 100 ticks: the clock may run
		// 500 ms ahead, no more.
		{"device stops", func(k int) time.Duration {
			if k <= 100 {
				return frame
			}
			return 0
		}, 500, 526},
		// The device is 10% slower than the wall clock for 5 s, then
		// stops blocking: no burst to catch up the 0.5 s it lost beyond
		// the slack.
		{"device slow", func(k int) time.Duration {
			if k <= 227 {
				return frame * 11 / 10
			}
			return 0
		}, 470, 526},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				clk := onair.NewClock("card", nil)
				g, err := onair.NewGraph(&onair.GraphOptions{Clock: clk, Logger: slog.New(slog.DiscardHandler), Format: onair.Format{Channels: 1}})
				require.NoError(t, err)
				dev := onair.NewNode(&syncGen{stall: tc.stall}, &onair.NodeOptions{ID: "card", Sync: "card"})
				ticks := 0
				require.NoError(t, g.Add(onair.Sink(dev, func(*onair.Frame) error { ticks++; return nil }, nil)))
				ctx, cancel := context.WithCancel(context.Background())
				done := make(chan error, 1)
				go func() { done <- g.Run(ctx) }()
				time.Sleep(10 * time.Second)
				cancel()
				require.ErrorIs(t, <-done, context.Canceled)
				assert.Equal(t, "card (card)", clk.Status().Sync)
				assert.GreaterOrEqual(t, ticks, tc.min)
				assert.LessOrEqual(t, ticks, tc.max)
			})
		})
	}
}
