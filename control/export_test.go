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

// Publish sends e to every subscriber, as the station's changes do.
func (c *Controller) Publish(e Event) { c.hub.publish(e) }

// Missed returns the events the subscribers missed since they last got
// one, summed.
func (c *Controller) Missed() int {
	c.hub.mu.Lock()
	defer c.hub.mu.Unlock()
	n := 0
	for s := range c.hub.subs {
		n += s.missed
	}
	return n
}
