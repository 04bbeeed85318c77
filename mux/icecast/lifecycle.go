package icecast

import (
	"context"
	"time"
)

// closeDrain bounds how long Close waits for queued data to reach a
// connected server.
const closeDrain = 2 * time.Second

// Start starts the network goroutines (on the first call) and asks for a
// connection.
func (c *client) Start() error {
	if c.closed {
		return ErrClosed
	}
	c.wanted.Store(true)
	c.started.Do(func() {
		ctx, cancel := context.WithCancel(context.Background())
		c.mu.Lock()
		c.cancel = cancel
		c.mu.Unlock()
		c.wg.Add(1)
		go func() {
			defer c.wg.Done()
			c.run(ctx)
		}()
		if c.cfg.adminAPI {
			c.wg.Add(1)
			go func() {
				defer c.wg.Done()
				c.runMetadata(ctx)
			}()
		}
	})
	c.signal()
	return nil
}

// Stop queues what the muxer holds; the network goroutine sends the queue
// and disconnects.
func (c *client) Stop() error {
	var err error
	if c.inner != nil {
		if s, ok := c.innerS.(interface{ Stop() error }); ok {
			err = s.Stop()
		}
		c.commit()
	}
	c.wanted.Store(false)
	c.signal()
	return err
}

// Reset drops the queued data: the clock fell too far behind, so it is
// late.
func (c *client) Reset() {
	c.q.dropQueued()
	c.cfg.log.Warn("clock reset: queued data dropped", "output", c.cfg.ID)
}

// Close ends the container, gives a connected server up to closeDrain to
// take the queued data, then stops the network goroutines and waits for
// them. It is idempotent and never waits on a dead server longer than
// that.
func (c *client) Close() error {
	if c.closed {
		return nil
	}
	c.closed = true
	c.closeInner(true)
	c.closing.Store(true)
	c.wanted.Store(false)
	c.signal()
	c.mu.Lock()
	cancel := c.cancel
	c.mu.Unlock()
	if cancel != nil {
		if c.connected.Load() {
			t := time.NewTimer(closeDrain)
			select {
			case <-c.runDone:
			case <-t.C:
				c.cfg.log.Warn("close: server did not take the queued data in time", "output", c.cfg.ID)
			}
			t.Stop()
		}
		cancel()
		c.closeConn()
		c.wg.Wait()
	}
	c.http.CloseIdleConnections()
	c.setState(StateClosed, nil)
	return nil
}

// signal wakes the network goroutine.
func (c *client) signal() {
	select {
	case c.kick <- struct{}{}:
	default:
	}
}
