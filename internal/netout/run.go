package netout

import (
	"errors"
	"time"

	"github.com/onair-go/onair/fault"
	"github.com/onair-go/onair/internal/avurl"
)

// run is the network goroutine: connect, write, reconnect.
func (e *Engine) run() {
	defer close(e.done)
	delay := time.Duration(0)
	for {
		if !e.waitWanted(delay) {
			return
		}
		conn := avurl.New(e.cfg.Shown)
		conn.Buffered = e.cfg.Buffered
		e.mu.Lock()
		e.conn = conn
		e.mu.Unlock()
		if e.closing.Load() {
			conn.Interrupt() // Close came before the connection was visible to it
		}
		err := conn.Open(e.cfg.URL, true, e.cfg.Options)
		if err == nil {
			e.connects.Add(1)
			e.nextGen++
			e.gen.Store(e.nextGen)
			e.cfg.Log.Info("connected", "output", e.cfg.ID, "url", e.cfg.Shown)
			delay = 0
			err = e.pump(conn)
			e.gen.Store(0)
		}
		e.mu.Lock()
		e.conn = nil
		e.mu.Unlock()
		_ = conn.Close()
		if e.closing.Load() || errors.Is(err, errStopped) {
			if e.closing.Load() {
				return
			}
			continue // stopped: wait to be wanted again
		}
		if errors.Is(err, avurl.ErrInterrupted) {
			delay = 0 // dropped on purpose (queue full, reset): at once
			continue
		}
		fatal := false
		if e.cfg.Classify != nil {
			err, fatal = e.cfg.Classify(err, e.connects.Load() > 0)
		}
		e.failures.Add(1)
		if e.cfg.OnError != nil {
			e.cfg.OnError(err)
		}
		if fatal {
			e.setErr(err)
			e.cfg.Log.Error("giving up", "output", e.cfg.ID, "url", e.cfg.Shown, "err", err)
			e.drainUntilStop()
			return
		}
		delay = min(max(2*delay, e.cfg.MinRetry), e.cfg.MaxRetry)
		e.cfg.Log.Warn("connection failed: retrying", fault.Reconnect.Attr(), fault.KeyOutput, e.cfg.ID, fault.KeyURL, e.cfg.Shown,
			fault.KeyRetryIn, delay, fault.KeyErr, err)
	}
}

// waitWanted waits delay, then until a connection is wanted; false when
// the engine stops.
func (e *Engine) waitWanted(delay time.Duration) bool {
	if delay > 0 {
		t := time.NewTimer(delay)
		defer t.Stop()
	wait:
		for {
			select {
			case <-e.stop:
				return false
			case <-e.kick:
				if e.closing.Load() {
					return false
				}
			case <-t.C:
				break wait
			}
		}
	}
	for !e.wanted.Load() {
		if e.closing.Load() {
			return false
		}
		select {
		case <-e.stop:
			return false
		case <-e.kick:
		}
	}
	return !e.closing.Load()
}

// pump writes the queued chunks of this connection until an error, or
// until the output stops (errStopped) with the queue sent.
func (e *Engine) pump(conn *avurl.Conn) error {
	gen := e.gen.Load()
	for {
		select {
		case c := <-e.q:
			if c.gen != gen {
				e.dropped.Add(1) // a chunk of an earlier connection
				continue
			}
			if _, err := conn.Write(c.data); err != nil {
				e.dropped.Add(1)
				return err
			}
			e.bytes.Add(int64(len(c.data)))
			e.chunks.Add(1)
			if !e.wanted.Load() && len(e.q) == 0 {
				return errStopped
			}
		case <-e.kick:
			if !e.wanted.Load() && len(e.q) == 0 {
				return errStopped
			}
		case <-e.stop:
			return errStopped
		}
	}
}

// drainUntilStop empties the queue until Close, after giving up (the
// clock goroutine muxes nothing then: the generation is 0).
func (e *Engine) drainUntilStop() {
	for {
		select {
		case <-e.q:
			e.dropped.Add(1)
		case <-e.kick:
		case <-e.stop:
			return
		}
	}
}
