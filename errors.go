package onair

import (
	"errors"
	"fmt"
	"strings"
)

var (
	// ErrInvalidFormat reports a graph format that cannot be used.
	ErrInvalidFormat = errors.New("onair: invalid format")
	// ErrInvalidOption reports an option value an operator cannot use.
	ErrInvalidOption = errors.New("onair: invalid option")
	// ErrStarted is returned when a graph is changed or started twice.
	ErrStarted = errors.New("onair: graph already started")
	// ErrClosed is returned by operations on a closed graph.
	ErrClosed = errors.New("onair: graph closed")
	// ErrNotOutput is returned when a source that is not an output is added
	// to a graph as one.
	ErrNotOutput = errors.New("onair: not an output")
	// ErrNoRunnableClock is returned by Graph.Run when every clock is manual
	// or passive, so nothing would run: step manual clocks with Clock.Tick.
	ErrNoRunnableClock = errors.New("onair: no clock to run (manual clocks are stepped with Tick)")
	// ErrSelfSyncInput is returned when the input of a read-ahead operator
	// (Crossfade) holds a synchronisation source: a device cannot be
	// read ahead of time. Put a Buffer between the device and the operator.
	ErrSelfSyncInput = errors.New("onair: read-ahead operator input is paced by a device")
)

// FallibleError is returned when an infallible output is started on a
// fallible source.
type FallibleError struct {
	Output string
	Source string
}

func (e *FallibleError) Error() string {
	return fmt.Sprintf("onair: output %q: source %q is fallible: wrap it with onair.MkSafe, add an infallible fallback, or make the output fallible (OutputOptions.Fallible)", e.Output, e.Source)
}

// ClockConflictError reports a source that would belong to two clocks.
type ClockConflictError struct {
	Source string
	Clocks [2]string
	Hint   string
}

func (e *ClockConflictError) Error() string {
	s := fmt.Sprintf("onair: source %q cannot belong to two clocks (%s, %s)", e.Source, e.Clocks[0], e.Clocks[1])
	if e.Hint != "" {
		s += ": " + e.Hint
	}
	return s
}

// NestedClockError reports sources used both inside an operator's child
// clock (read ahead of time, as crossfade does) and outside it, in the
// operator's own clock: the operator would be a member of the clock it
// drives.
type NestedClockError struct {
	Operator string   // the operator that drives the child clock
	Clock    string   // the child clock
	Parent   string   // the operator's clock
	Sources  []string // sources used on both sides
}

func (e *NestedClockError) Error() string {
	return fmt.Sprintf("onair: cannot unify nested clocks (%s inside %s): source(s) %s are read ahead by %q in its child clock and also used in its own clock; give each clock its own source (for example a separate playlist of the same files)",
		e.Clock, e.Parent, quoteList(e.Sources), e.Operator)
}

// SyncConflictError reports a clock with more than one synchronisation
// source (two sound cards, say).
type SyncConflictError struct {
	Clock   string
	Sources []string // "id (device)"
}

func (e *SyncConflictError) Error() string {
	return fmt.Sprintf("onair: clock %q has multiple synchronization sources (%s): put each device in its own clock and connect them with onair.Buffer",
		e.Clock, strings.Join(e.Sources, ", "))
}

// SourceError reports a failure of one source's operation.
type SourceError struct {
	Source string
	Op     string
	Err    error
}

func (e *SourceError) Error() string {
	return fmt.Sprintf("onair: source %q: %s: %v", e.Source, e.Op, e.Err)
}

func (e *SourceError) Unwrap() error { return e.Err }

func quoteList(l []string) string {
	q := make([]string, len(l))
	for i, s := range l {
		q[i] = fmt.Sprintf("%q", s)
	}
	return strings.Join(q, ", ")
}
