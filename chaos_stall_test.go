package onair_test

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"testing/synctest"
	"time"

	"github.com/onair-go/onair"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

// chaosStallSender feeds the chaos decoder and stalls the clock once, for
// longer than the clock's maximum latency.
type chaosStallSender struct {
	dec     *chaosDecoder
	now     *int
	stallAt int
	stall   time.Duration
	resets  int
	settled int // ticks with zero lag after the reset
	status  func() onair.ClockStatus
	v       *chaosViolations
	samples int
}

func (s *chaosStallSender) Send(f *onair.Frame) error {
	*s.now++
	s.samples += f.Len()
	if s.samples != *s.now*chaosFormat.FrameSize() {
		s.v.add("samples out = ticks × frame size", "%d samples after %d frames", s.samples, *s.now)
		s.samples = *s.now * chaosFormat.FrameSize()
	}
	s.dec.feed(f.Audio(), f.Len())
	if *s.now == s.stallAt {
		time.Sleep(s.stall)
	}
	if s.resets > 0 && s.status().Lag == 0 {
		s.settled++
	}
	return nil
}

func (s *chaosStallSender) Reset() { s.resets++ }

// The chaos station on a real-time clock (inside a synctest bubble: fake
// time) whose output stalls once past the clock's maximum latency: the
// clock must reset its outputs once, its lag must come back to 0, and the
// output must stay click-free, dead-air-free and exactly accounted.
func TestChaosClockStall(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	synctest.Test(t, func(t *testing.T) {
		const seed = 7
		now := 0
		v := newChaosViolations(seed, &now)
		logs := newChaosLog(v)
		logs.expect["clock too late: resetting outputs"] = true
		log := slog.New(logs)
		ticks := 50 * 60
		faults := newChaosFaults(seed, 0, ticks) // no scheduled faults: the stall is the fault
		pl := newChaosPlaylist(seed, &now, faults, log)
		fb, err := onair.Fallback([]onair.Source{pl, newChaosJingle(seed)}, nil)
		require.NoError(t, err)
		led := newChaosLedger(v)
		x, err := onair.Crossfade(newChaosTap(fb, led), &onair.CrossfadeOptions{
			Duration: 2 * time.Second, FadeIn: time.Second, FadeOut: time.Second, Logger: log,
		})
		require.NoError(t, err)
		dec := &chaosDecoder{led: led, v: v, frameSize: chaosFormat.FrameSize(), tick: &now, skips: func() []int { return nil }}
		clk := onair.NewClock("main", &onair.ClockOptions{MaxLatency: 5 * time.Second})
		g, err := onair.NewGraph(&onair.GraphOptions{Format: chaosFormat, Clock: clk, Logger: log})
		require.NoError(t, err)
		s := &chaosStallSender{dec: dec, now: &now, stallAt: 500, stall: 7 * time.Second, v: v, status: clk.Status}
		require.NoError(t, g.Add(onair.NewOutput(x, s, &onair.OutputOptions{ID: "out"})))
		ctx, cancel := context.WithTimeout(context.Background(), time.Duration(ticks)*chaosFormat.FrameDuration)
		defer cancel()
		err = g.Run(ctx)
		if err != nil && !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, context.Canceled) {
			t.Errorf("Run: %v", err)
		}
		require.NoError(t, g.Close())
		if s.resets != 1 {
			v.add("clock reset after a stall", "the output was reset %d times, want 1", s.resets)
		}
		if s.settled == 0 {
			v.add("clock lag back to 0", "the lag never came back to 0 after the reset")
		}
		if logs.counts["ERROR clock too late: resetting outputs"] != 1 {
			v.add("clock reset after a stall", "the reset was logged %d times, want 1", logs.counts["ERROR clock too late: resetting outputs"])
		}
		t.Logf("%d frames, %d resets, %d frames on time after the reset, longest silence %d samples, worst step %.4f",
			now, s.resets, s.settled, dec.longestSil, dec.worstStep)
		v.report(t)
	})
}
