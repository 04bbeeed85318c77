package fault

import (
	"cmp"
	"context"
	"log/slog"
	"slices"
	"sync"
)

// maxFaultSeries bounds the (fault, component) pairs a Counter
// keeps apart; faults of components past it are counted under the
// component "".
const maxFaultSeries = 1024

// Count is how many records of one fault a component logged.
type Count struct {
	Event Event
	// Key is the component's attribute key (source, output, mount or
	// clock) and Component its value; both are "" when the record named
	// no component, or when the counter already keeps 1,024 pairs apart.
	Key, Component string
	N              uint64
}

// Counter counts the fault records (see [Event]) logged through the
// handlers it makes: give the station's components a logger made with
// [Counter.Handler], and every fault they log is counted once, by
// fault and component. Package metrics exports the counts. The zero
// Counter is ready to use; its methods are safe from any goroutine.
//
// Only records logged through its handlers are counted: a component given
// no logger (or another one) logs nothing and counts nothing.
type Counter struct {
	mu     sync.Mutex
	counts map[faultSeries]uint64
}

type faultSeries struct {
	fault          Event
	key, component string
}

// Handler returns a handler that counts each fault record it gets, then
// passes every record that next is enabled for on to next. Records of
// level Info and above are always built (faults are logged at Info,
// Warn or Error), even when next drops them. A nil next drops every
// record after counting it.
func (c *Counter) Handler(next slog.Handler) slog.Handler {
	if next == nil {
		next = slog.DiscardHandler
	}
	return &faultHandler{c: c, next: next}
}

// Count returns the records of fault f counted for the component named
// name (a source or output ID, a mount path or a clock name).
func (c *Counter) Count(f Event, name string) uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	var n uint64
	for s, v := range c.counts {
		if s.fault == f && s.component == name {
			n += v
		}
	}
	return n
}

// Counts returns every count, sorted by fault, key and component.
func (c *Counter) Counts() []Count {
	c.mu.Lock()
	out := make([]Count, 0, len(c.counts))
	for s, v := range c.counts {
		out = append(out, Count{Event: s.fault, Key: s.key, Component: s.component, N: v})
	}
	c.mu.Unlock()
	slices.SortFunc(out, func(a, b Count) int {
		return cmp.Or(cmp.Compare(a.Event, b.Event), cmp.Compare(a.Key, b.Key), cmp.Compare(a.Component, b.Component))
	})
	return out
}

func (c *Counter) add(s faultSeries) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.counts == nil {
		c.counts = map[faultSeries]uint64{}
	}
	if _, ok := c.counts[s]; !ok && len(c.counts) >= maxFaultSeries {
		s.key, s.component = "", ""
	}
	c.counts[s]++
}

// faultHandler is the handler of a Counter.
type faultHandler struct {
	c    *Counter
	next slog.Handler
	// pre is what WithAttrs gave outside any group.
	pre     faultSeries
	grouped bool
}

func (h *faultHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= slog.LevelInfo || h.next.Enabled(ctx, l)
}

func (h *faultHandler) Handle(ctx context.Context, r slog.Record) error {
	s := h.pre
	if !h.grouped {
		r.Attrs(func(a slog.Attr) bool {
			s.scan(a)
			return true
		})
	}
	if s.fault.Known() {
		h.c.add(s)
	}
	if !h.next.Enabled(ctx, r.Level) {
		return nil
	}
	return h.next.Handle(ctx, r)
}

func (h *faultHandler) WithAttrs(as []slog.Attr) slog.Handler {
	h2 := *h
	h2.next = h.next.WithAttrs(as)
	if !h.grouped {
		for _, a := range as {
			h2.pre.scan(a)
		}
	}
	return &h2
}

func (h *faultHandler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	h2 := *h
	h2.next = h.next.WithGroup(name)
	h2.grouped = true
	return &h2
}

// scan records a in s when it is the event or the first component.
func (s *faultSeries) scan(a slog.Attr) {
	switch {
	case a.Key == KeyEvent:
		s.fault = Event(a.Value.Resolve().String())
	case s.key == "" && isComponentKey(a.Key):
		s.key, s.component = a.Key, a.Value.Resolve().String()
	}
}
