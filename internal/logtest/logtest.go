// Package logtest holds the log helpers of onair's tests: [Handler], a
// slog handler that keeps the records for a test to inspect or wait for,
// and [Buffer], a text log (or process output) safe for concurrent
// writes. Both are safe for concurrent use.
package logtest

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
)

// Handler is a slog.Handler that keeps every record it is given, at every
// level, with the attributes of WithAttrs added. Groups are flattened:
// WithGroup returns the handler itself. The zero value is ready to use.
type Handler struct {
	s     *store
	once  sync.Once
	attrs []slog.Attr
}

type store struct {
	mu      sync.Mutex
	recs    []slog.Record
	changed chan struct{} // closed and cleared by each new record
}

func (h *Handler) store() *store {
	h.once.Do(func() {
		if h.s == nil {
			h.s = &store{}
		}
	})
	return h.s
}

// Logger returns a logger that writes to h.
func (h *Handler) Logger() *slog.Logger { return slog.New(h) }

// Enabled reports true: every level is kept.
func (h *Handler) Enabled(context.Context, slog.Level) bool { return true }

// Handle keeps a copy of r.
func (h *Handler) Handle(_ context.Context, r slog.Record) error {
	r = r.Clone()
	r.AddAttrs(h.attrs...)
	s := h.store()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.recs = append(s.recs, r)
	if s.changed != nil {
		close(s.changed)
		s.changed = nil
	}
	return nil
}

// WithAttrs returns a handler that adds attrs to the records it keeps in
// h's store.
func (h *Handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &Handler{s: h.store(), attrs: append(append([]slog.Attr(nil), h.attrs...), attrs...)}
}

// WithGroup returns h: groups are flattened.
func (h *Handler) WithGroup(string) slog.Handler { return h }

// Records returns the records kept so far, in order.
func (h *Handler) Records() []slog.Record {
	s := h.store()
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]slog.Record(nil), s.recs...)
}

// Find returns the records whose message contains substr.
func (h *Handler) Find(substr string) []slog.Record {
	var out []slog.Record
	for _, r := range h.Records() {
		if strings.Contains(r.Message, substr) {
			out = append(out, r)
		}
	}
	return out
}

// Messages returns the records at level min or above as text: the
// message, then each attribute as key=value, separated by spaces.
func (h *Handler) Messages(min slog.Level) []string {
	var out []string
	for _, r := range h.Records() {
		if r.Level < min {
			continue
		}
		s := r.Message
		r.Attrs(func(a slog.Attr) bool { s += " " + a.String(); return true })
		out = append(out, s)
	}
	return out
}

// Wait waits until a record whose message contains substr is kept and
// returns the first such record. It fails the test when ctx ends first.
func (h *Handler) Wait(t testing.TB, ctx context.Context, substr string) slog.Record {
	t.Helper()
	s := h.store()
	for {
		s.mu.Lock()
		for _, r := range s.recs {
			if strings.Contains(r.Message, substr) {
				s.mu.Unlock()
				return r
			}
		}
		if s.changed == nil {
			s.changed = make(chan struct{})
		}
		ch := s.changed
		s.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			t.Fatalf("no log %q: %v", substr, context.Cause(ctx))
			return slog.Record{}
		}
	}
}

// Attr returns the value of r's attribute key, or the zero Value.
func Attr(r slog.Record, key string) slog.Value {
	var v slog.Value
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == key {
			v = a.Value
			return false
		}
		return true
	})
	return v
}

// Buffer is a bytes.Buffer for text logs and process output, safe for
// concurrent writes. The zero value is ready to use.
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write appends p.
func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

// String returns what was written so far.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// Logger returns a text logger that writes to b at level and above.
func (b *Buffer) Logger(level slog.Level) *slog.Logger {
	return slog.New(slog.NewTextHandler(b, &slog.HandlerOptions{Level: level}))
}

// Wait waits, at most timeout, until a line of b contains every
// substring, and returns it; it fails the test otherwise. It polls: use
// it for logs written by other goroutines or processes, such as a network
// peer's, that a test cannot wait for otherwise.
func (b *Buffer) Wait(t testing.TB, timeout time.Duration, substr ...string) string {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		for _, line := range strings.Split(b.String(), "\n") {
			all := true
			for _, s := range substr {
				all = all && strings.Contains(line, s)
			}
			if all {
				return line
			}
		}
		if !time.Now().Before(deadline) {
			t.Fatalf("no log line with %q in:\n%s", substr, b.String())
			return ""
		}
		time.Sleep(20 * time.Millisecond)
	}
}
