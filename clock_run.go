package onair

import (
	"context"
	"runtime"
	"time"

	"github.com/onair-go/onair/fault"
)

// run drives a real-time or free-running clock until ctx is done.
func (c *Clock) run(ctx context.Context) error {
	c.running.Store(true)
	defer c.running.Store(false)
	paced := c.kind == RealTime && c.syncSrc == ""
	// A clock paced by a device (a sound card) follows the device, which
	// blocks the tick until it has room; the wall clock only bounds it,
	// so that a device that stops blocking (its output stopped, or
	// failed) cannot make the clock spin: the clock may run at most
	// syncSlack ahead of the wall clock, and a device that runs slower
	// than the wall clock is followed without catching up.
	synced := c.kind == RealTime && c.syncSrc != ""
	syncSlack := max(c.opts.Latency, 500*time.Millisecond)
	latency := c.opts.Latency
	if latency <= 0 {
		latency = c.frame
	}
	var timer *time.Timer
	t0 := time.Now()
	var n int64 // ticks since t0
	var lastLog, lastYield time.Time
	for {
		if err := ctx.Err(); err != nil {
			return context.Cause(ctx)
		}
		c.Tick()
		n++
		if synced {
			target := t0.Add(time.Duration(n) * c.frame)
			ahead := time.Until(target)
			if ahead < -syncSlack {
				t0 = time.Now().Add(-time.Duration(n) * c.frame) // the device is slower: follow it
			} else if ahead > syncSlack {
				if timer == nil {
					timer = time.NewTimer(ahead - syncSlack)
					defer timer.Stop()
				} else {
					timer.Reset(ahead - syncSlack)
				}
				select {
				case <-ctx.Done():
					return context.Cause(ctx)
				case <-timer.C:
				}
			}
			continue
		}
		if !paced {
			if n%64 == 0 {
				// A free-running clock never sleeps: yield now and then so
				// that the goroutines it feeds (encoders, network writers,
				// callbacks) run even with as many clocks as cores. Every
				// millisecond, not every few ticks: a yield wakes an idle
				// processor, whose thread spins looking for work, and a
				// cheap graph ticks in well under a microsecond (a yield
				// every 64 ticks doubled the CPU of a blank graph).
				if now := time.Now(); now.Sub(lastYield) >= time.Millisecond {
					lastYield = now
					runtime.Gosched()
				}
			}
			continue
		}
		target := t0.Add(time.Duration(n) * c.frame)
		now := time.Now()
		ahead := target.Sub(now)
		switch {
		case ahead >= latency:
			c.lagNS.Store(0)
			if timer == nil {
				timer = time.NewTimer(ahead)
				defer timer.Stop()
			} else {
				timer.Reset(ahead)
			}
			select {
			case <-ctx.Done():
				return context.Cause(ctx)
			case <-timer.C:
			}
		case ahead >= 0:
			c.lagNS.Store(0)
		default:
			lag := -ahead
			c.lagNS.Store(int64(lag))
			if lag >= c.opts.MaxLatency {
				c.log.Error("clock too late: resetting outputs", fault.ClockReset.Attr(), fault.KeyClock, c.name, fault.KeyLag, lag.Round(time.Millisecond))
				c.reset()
				t0 = time.Now()
				n = 0
				c.lagNS.Store(0)
				continue
			}
			if lag >= c.opts.LagLogThreshold && now.Sub(lastLog) >= time.Second {
				lastLog = now
				c.log.Warn("clock late: catching up", fault.ClockCatchUp.Attr(), fault.KeyClock, c.name, fault.KeyLag, lag.Round(time.Millisecond))
			}
		}
	}
}
