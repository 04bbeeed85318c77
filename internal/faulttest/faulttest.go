// Package faulttest checks the fault log records of onair's packages
// (see fault.Event): a logger that records every record it gets and
// counts the faults through an [fault.Counter], and checks that each
// fault is one record with the schema's attributes, counted once.
package faulttest

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/onair-go/onair/fault"
)

// Record is one log record, its attributes (pre-bound ones included)
// flattened to strings.
type Record struct {
	Level slog.Level
	Msg   string
	Attrs map[string]string
}

func (r Record) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %q", r.Level, r.Msg)
	for k, v := range r.Attrs {
		fmt.Fprintf(&b, " %s=%q", k, v)
	}
	return b.String()
}

// Log records log records and counts faults. Make it with [New].
type Log struct {
	// Counter counts the faults logged through Logger.
	Counter *fault.Counter
	// Next, when set before Logger is called, gets every record too.
	Next slog.Handler

	mu   sync.Mutex
	recs []Record
}

// New returns an empty Log.
func New() *Log { return &Log{Counter: &fault.Counter{}} }

// Logger returns a logger (all levels) whose records l records and
// counts.
func (l *Log) Logger() *slog.Logger {
	return slog.New(l.Counter.Handler(&recorder{l: l, next: l.Next}))
}

// Records returns the records of fault f so far.
func (l *Log) Records(f fault.Event) []Record {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []Record
	for _, r := range l.recs {
		if r.Attrs[fault.KeyEvent] == string(f) {
			out = append(out, r)
		}
	}
	return out
}

// All returns every record so far, one a line, for failure messages.
func (l *Log) All() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var b strings.Builder
	for _, r := range l.recs {
		b.WriteString(r.String())
		b.WriteByte('\n')
	}
	return b.String()
}

// Wait waits, at most timeout, until there are at least n records of
// fault f, and returns them; it fails the test otherwise.
func (l *Log) Wait(t testing.TB, timeout time.Duration, f fault.Event, n int) []Record {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		rs := l.Records(f)
		if len(rs) >= n {
			return rs
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d records of fault %s, want %d; the log:\n%s", len(rs), f, n, l.All())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Check checks that fault f of the component key=name was logged as
// exactly n records, each with the keys given (besides event and the
// component), and counted n times by the counter.
func (l *Log) Check(t testing.TB, f fault.Event, key, name string, n int, keys ...string) {
	t.Helper()
	rs := l.Records(f)
	got := 0
	for _, r := range rs {
		if r.Attrs[key] != name {
			continue
		}
		got++
		for _, k := range keys {
			if _, ok := r.Attrs[k]; !ok {
				t.Errorf("fault record without %q: %v", k, r)
			}
		}
		for _, k := range []string{fault.KeySource, fault.KeyOutput, fault.KeyMount, fault.KeyClock} {
			if _, ok := r.Attrs[k]; ok && k != key {
				t.Errorf("fault record names two components (%s and %s): %v", key, k, r)
			}
		}
	}
	if got != n {
		t.Errorf("%d records of fault %s for %s=%q, want %d; the log:\n%s", got, f, key, name, n, l.All())
	}
	if c := l.Counter.Count(f, name); c != uint64(n) {
		t.Errorf("fault %s of %q counted %d times, want %d", f, name, c, n)
	}
}

// recorder is the slog.Handler under a Log's counter.
type recorder struct {
	l     *Log
	next  slog.Handler
	attrs []slog.Attr
	group string
}

func (h *recorder) Enabled(context.Context, slog.Level) bool { return true }

func (h *recorder) Handle(_ context.Context, r slog.Record) error {
	rec := Record{Level: r.Level, Msg: r.Message, Attrs: map[string]string{}}
	for _, a := range h.attrs {
		rec.Attrs[a.Key] = a.Value.Resolve().String()
	}
	r.Attrs(func(a slog.Attr) bool {
		rec.Attrs[h.group+a.Key] = a.Value.Resolve().String()
		return true
	})
	h.l.mu.Lock()
	h.l.recs = append(h.l.recs, rec)
	h.l.mu.Unlock()
	if h.next != nil {
		return h.next.Handle(context.Background(), r)
	}
	return nil
}

func (h *recorder) WithAttrs(as []slog.Attr) slog.Handler {
	h2 := *h
	if h.next != nil {
		h2.next = h.next.WithAttrs(as)
	}
	h2.attrs = append([]slog.Attr(nil), h.attrs...)
	for _, a := range as {
		a.Key = h.group + a.Key
		h2.attrs = append(h2.attrs, a)
	}
	return &h2
}

func (h *recorder) WithGroup(name string) slog.Handler {
	h2 := *h
	if h.next != nil {
		h2.next = h.next.WithGroup(name)
	}
	h2.group = h.group + name + "."
	return &h2
}
