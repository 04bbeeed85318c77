package chaos

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/onair-go/onair/internal/procstat"
	"github.com/onair-go/onair/mux/hls"
)

// Report is what a chaos run found.
type Report struct {
	mu sync.Mutex

	Seed             uint64
	StreamTime, Wall time.Duration
	// Faults counts the faults injected, by kind; Checks the invariant
	// checks made, by kind; Logs the log records, by level and message.
	Faults, Checks, Logs map[string]int
	// FirstErrors holds the first record of each error message, with its
	// attributes and the stream time it was logged at.
	FirstErrors map[string]string
	// Violations counts the violations of each invariant; First holds the
	// first few messages of each.
	Violations map[string]int
	First      map[string][]string
	// Timeline lists the first faults, with the stream time they ran at.
	Timeline []string

	Tap             Decoded   // the graph's output, as the clock produced it
	Decoded         []Decoded // the mounts and HLS variants, decoded back
	HLS             hls.Stats
	IcecastConnects int
	MaxLag          time.Duration

	HeapWarm, HeapEnd, RSSWarm, RSSEnd uint64
	GoroutinesStart, GoroutinesEnd     int
}

func newReport(cfg Config) *Report {
	return &Report{Seed: cfg.Seed, Faults: map[string]int{}, Checks: map[string]int{}, Logs: map[string]int{},
		FirstErrors: map[string]string{}, Violations: map[string]int{}, First: map[string][]string{}}
}

func (r *Report) setMaxLag(d time.Duration) {
	r.mu.Lock()
	r.MaxLag = max(r.MaxLag, d)
	r.mu.Unlock()
}

// Failed reports whether an invariant was violated.
func (r *Report) Failed() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.Violations) > 0
}

// Table prints the report: faults by kind, checks, violations, worst
// values.
func (r *Report) Table() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var b strings.Builder
	w := tabwriter.NewWriter(&b, 2, 4, 2, ' ', 0)
	fmt.Fprintf(w, "chaos run, seed %d: %s of stream in %s of wall time\n", r.Seed, r.StreamTime.Round(time.Second), r.Wall.Round(time.Second))
	section := func(title string, m map[string]int) {
		fmt.Fprintf(w, "\n%s\t\n", title)
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Fprintf(w, "  %s\t%d\n", k, m[k])
		}
	}
	section("FAULTS INJECTED", r.Faults)
	section("INVARIANTS CHECKED", r.Checks)
	section("VIOLATIONS", r.Violations)
	logs := map[string]int{}
	for k, n := range r.Logs {
		if strings.HasPrefix(k, "WARN") || strings.HasPrefix(k, "ERROR") {
			logs[k] = n
		}
	}
	section("WARNINGS AND ERRORS LOGGED", logs)
	fmt.Fprintf(w, "\nFIRST OF EACH ERROR (stream time)\t\n")
	for _, k := range slices.Sorted(maps.Keys(r.FirstErrors)) {
		fmt.Fprintf(w, "  %s\t\n", r.FirstErrors[k])
	}
	fmt.Fprintf(w, "\nWORST VALUES\tlongest silence\tlargest step\tclicks\tdead air\terrors\tnon-monotonic\tduration\n")
	for _, d := range append([]Decoded{r.Tap}, r.Decoded...) {
		fmt.Fprintf(w, "  %s\t%s\t%.3f\t%d\t%d\t%d\t%d\t%s%s\n", d.Name, d.LongestSilence.Round(time.Millisecond), d.WorstStep,
			d.Clicks, d.DeadAir, d.Errors, d.NonMonotonic, d.Duration.Round(time.Second), d.runsNote())
	}
	fmt.Fprintf(w, "  (material step %.3f; a crossfade sums two)\t\n", materialStep)
	fmt.Fprintf(w, "\nRESOURCES\tafter warm-up\tat the end\t\n")
	fmt.Fprintf(w, "  heap (after GC)\t%.1f MB\t%.1f MB\t\n", mb(r.HeapWarm), mb(r.HeapEnd))
	fmt.Fprintf(w, "  RSS\t%.1f MB\t%.1f MB\t\n", mb(r.RSSWarm), mb(r.RSSEnd))
	fmt.Fprintf(w, "  goroutines (start, after Close)\t%d\t%d\t\n", r.GoroutinesStart, r.GoroutinesEnd)
	fmt.Fprintf(w, "  clock lag (max)\t%s\t\n", r.MaxLag.Round(time.Millisecond))
	fmt.Fprintf(w, "  HLS segments, dropped rounds, fs errors\t%d\t%d\t%d\n", r.HLS.Segments, r.HLS.Dropped, r.HLS.Errors)
	fmt.Fprintf(w, "  icecast connections\t%d\t\n", r.IcecastConnects)
	_ = w.Flush()
	if len(r.Timeline) > 0 {
		fmt.Fprintf(&b, "\nFIRST FAULTS (stream time)\n  %s\n", strings.Join(r.Timeline, "\n  "))
	}
	if len(r.First) > 0 {
		b.WriteString("\nFIRST VIOLATIONS\n")
		keys := make([]string, 0, len(r.First))
		for k := range r.First {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			for _, m := range r.First[k] {
				fmt.Fprintf(&b, "  %s: %s\n", k, m)
			}
		}
	}
	return b.String()
}

func mb(n uint64) float64 { return float64(n) / (1 << 20) }

// runState is what the run's goroutines share.
type runState struct {
	faultMu  sync.Mutex
	faults   []stamped // every fault, in order, for annotating violations
	rep      *Report
	log      *slog.Logger
	armDJ    atomic.Bool
	rec      *recorder
	checkHLS func()
}

func (rs *runState) count(kind string) {
	rs.rep.mu.Lock()
	defer rs.rep.mu.Unlock()
	if strings.HasPrefix(kind, "check: ") {
		rs.rep.Checks[strings.TrimPrefix(kind, "check: ")]++
		return
	}
	rs.rep.Faults[kind]++
}

type stamped struct {
	at   time.Duration
	kind string
}

// fault records a fault run at stream time at.
func (rs *runState) fault(at time.Duration, kind string) {
	rs.faultMu.Lock()
	rs.faults = append(rs.faults, stamped{at, kind})
	rs.faultMu.Unlock()
	rs.timeline(fmt.Sprintf("%s %s", at, kind))
}

// before names the last fault at or before stream time at (within 10 s).
func (rs *runState) before(at time.Duration) string {
	rs.faultMu.Lock()
	defer rs.faultMu.Unlock()
	for i := len(rs.faults) - 1; i >= 0; i-- {
		if f := rs.faults[i]; f.at <= at+20*time.Millisecond {
			if at-f.at > 10*time.Second {
				break
			}
			return fmt.Sprintf(" (%s after %s)", (at - f.at).Round(time.Millisecond), f.kind)
		}
	}
	return " (no fault in the 10 s before)"
}

func (rs *runState) timeline(s string) {
	rs.rep.mu.Lock()
	defer rs.rep.mu.Unlock()
	if len(rs.rep.Timeline) < 40 {
		rs.rep.Timeline = append(rs.rep.Timeline, s)
	}
}

func (rs *runState) violation(inv, msg string) {
	rs.rep.mu.Lock()
	defer rs.rep.mu.Unlock()
	rs.rep.Violations[inv]++
	if len(rs.rep.First[inv]) < 12 {
		rs.rep.First[inv] = append(rs.rep.First[inv], msg)
	}
}

// countingHandler counts log records by level and message and passes
// them on to next.
type countingHandler struct {
	rs    *runState
	next  *slog.Logger
	attrs []slog.Attr
}

func (h *countingHandler) Enabled(context.Context, slog.Level) bool { return true }

func (h *countingHandler) Handle(ctx context.Context, r slog.Record) error {
	h.rs.rep.mu.Lock()
	key := r.Level.String() + " " + r.Message
	h.rs.rep.Logs[key]++
	if _, ok := h.rs.rep.FirstErrors[key]; !ok && r.Level >= slog.LevelError {
		h.rs.rep.FirstErrors[key] = fmt.Sprintf("%s: %s", h.rs.rec.at(h.rs.rec.ticks.Load()), formatRecord(r, h.attrs))
	}
	h.rs.rep.mu.Unlock()
	h.rs.rec.log(r, h.attrs)
	if h.next != nil && h.next.Enabled(ctx, r.Level) {
		r2 := r.Clone()
		r2.AddAttrs(h.attrs...)
		return h.next.Handler().Handle(ctx, r2)
	}
	return nil
}

func (h *countingHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return &countingHandler{rs: h.rs, next: h.next, attrs: append(append([]slog.Attr(nil), h.attrs...), as...)}
}

func (h *countingHandler) WithGroup(string) slog.Handler { return h }

// heapRSS returns the live heap after a GC and the resident set size.
func heapRSS() (heap, rss uint64) {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	rss, _ = procstat.RSS("self") // 0 when /proc cannot be read
	return m.HeapAlloc, rss
}
