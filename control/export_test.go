package control

// Queued returns the number of actions waiting for a tick, for tests that
// tick a manual clock once an action is queued.
func (c *Controller) Queued() int {
	n := 0
	for _, h := range c.hooks {
		h.mu.Lock()
		n += len(h.queue)
		h.mu.Unlock()
	}
	return n
}

// Watch returns the check that Run makes every EventInterval, for tests
// that run it after each tick of a manual clock.
func (c *Controller) Watch() func() { return newWatcher(c).check }
