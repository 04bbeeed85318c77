package onair_test

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"testing"
)

// chaosViolations collects invariant violations by invariant, with the
// first few messages of each (tick and seed included).
type chaosViolations struct {
	mu    sync.Mutex
	seed  uint64
	tick  *int
	count map[string]int
	first map[string][]string
	at    map[string]int // tick of the first violation of each invariant
}

func newChaosViolations(seed uint64, tick *int) *chaosViolations {
	return &chaosViolations{seed: seed, tick: tick, count: map[string]int{}, first: map[string][]string{}, at: map[string]int{}}
}

// add records a violation of the named invariant. It is called on the
// clock goroutine (the driver's) or with the tick known to the caller.
func (v *chaosViolations) add(inv, format string, args ...any) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.count[inv] == 0 {
		v.at[inv] = *v.tick
	}
	v.count[inv]++
	if len(v.first[inv]) < 8 {
		v.first[inv] = append(v.first[inv], fmt.Sprintf("tick %d (seed %d): ", *v.tick, v.seed)+fmt.Sprintf(format, args...))
	}
}

// report fails t once per violated invariant.
func (v *chaosViolations) report(t *testing.T) {
	v.mu.Lock()
	defer v.mu.Unlock()
	keys := make([]string, 0, len(v.count))
	for k := range v.count {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		t.Errorf("chaos seed %d: invariant %q violated %d times; first ones:\n  %s\n(rerun: ONAIR_CHAOS_SEED=%d go test -run TestChaosStation .)",
			v.seed, k, v.count[k], strings.Join(v.first[k], "\n  "), v.seed)
	}
}

// chaosLog is a slog handler that counts records by message and level,
// keeps the tracks whose early end was logged with a cause, and turns
// every Error record into a violation.
type chaosLog struct {
	mu     sync.Mutex
	v      *chaosViolations
	counts map[string]int
	causes map[int]string  // track id -> logged cause of its early end
	expect map[string]bool // Error messages that the test provokes
	// cacheDrops counts Skips that dropped the rest of a track held in
	// the cache of a node before the tap: the generator is not told, so
	// the node's log line is the cause of one track's early end.
	cacheDrops int
}

func newChaosLog(v *chaosViolations) *chaosLog {
	return &chaosLog{v: v, counts: map[string]int{}, causes: map[int]string{}, expect: map[string]bool{}}
}

func (h *chaosLog) Enabled(context.Context, slog.Level) bool { return true }
func (h *chaosLog) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h *chaosLog) WithGroup(string) slog.Handler            { return h }

func (h *chaosLog) Handle(_ context.Context, r slog.Record) error {
	var track int
	var cause, source string
	var attrs []string
	r.Attrs(func(a slog.Attr) bool {
		switch a.Key {
		case "track":
			track = int(a.Value.Int64())
		case "cause":
			cause = a.Value.String()
		case "source":
			source = a.Value.String()
		}
		attrs = append(attrs, a.String())
		return true
	})
	h.mu.Lock()
	h.counts[r.Level.String()+" "+r.Message]++
	if cause != "" && track != 0 {
		h.causes[track] = cause
	}
	if r.Message == chaosCacheDrop && (source == "playlist" || source == "fallback" || source == "tap") {
		h.cacheDrops++
	}
	h.mu.Unlock()
	if r.Level >= slog.LevelError && !h.expect[r.Message] {
		h.v.add("no errors logged", "%s %v", r.Message, attrs)
	}
	return nil
}

// chaosCacheDrop is the message of a node whose Skip drops the rest of a
// track from its cache.
const chaosCacheDrop = "skip: dropped the rest of the track held in the cache"

// cause returns the logged cause of a track's early end. A track with
// none takes one of the logged cache drops, if one is left.
func (h *chaosLog) cause(track int) string {
	h.mu.Lock()
	defer h.mu.Unlock()
	if c := h.causes[track]; c != "" {
		return c
	}
	if h.cacheDrops > 0 {
		h.cacheDrops--
		return "skip (cache)"
	}
	return ""
}

// chaosSeg is a run of consecutive samples of one track at the tap.
// chaosSeg is a run of one track's consecutive samples at the tap, with
// the colour the tap gave it.
type chaosSeg struct {
	id, from, n int
	col         float32
}

// chaosSegColor is the colour of the tap's segment k: any eight segments
// in a row have different colours, so a transition between a track and
// its own later part (it resumed after a jingle) decodes like any other.
func chaosSegColor(k int) float32 { return float32(1 + k%8) }

// chaosLedger records what the Crossfade's input handed on, as segments,
// and checks at once that every track's samples come once, in order:
// a track starts at sample 0 and resumes where it stopped.
type chaosLedger struct {
	v    *chaosViolations
	segs []chaosSeg
	base int         // absolute index of segs[0]
	next map[int]int // id -> next sample expected at the tap
}

func newChaosLedger(v *chaosViolations) *chaosLedger {
	return &chaosLedger{v: v, next: map[int]int{}}
}

// record notes the next sample at the tap and returns its segment's
// colour.
func (l *chaosLedger) record(id, idx int) float32 {
	if n := len(l.segs); n > 0 {
		s := &l.segs[n-1]
		if s.id == id && idx == s.from+s.n {
			s.n++
			return s.col
		}
		l.next[s.id] = s.from + s.n
		if s.id == id {
			l.v.add("exact accounting (tap)", "track %d: sample %d follows sample %d", id, idx, s.from+s.n-1)
		}
	}
	if want := l.next[id]; idx != want {
		l.v.add("exact accounting (tap)", "track %d starts or resumes at sample %d, want %d", id, idx, want)
	}
	col := chaosSegColor(l.base + len(l.segs))
	l.segs = append(l.segs, chaosSeg{id: id, from: idx, n: 1, col: col})
	return col
}

// seg returns the segment of absolute index k and whether it is closed
// (a later segment exists).
func (l *chaosLedger) seg(k int) (chaosSeg, bool, bool) {
	i := k - l.base
	if i < 0 || i >= len(l.segs) {
		return chaosSeg{}, false, false
	}
	return l.segs[i], i+1 < len(l.segs), true
}

// find returns the absolute index of the segment holding sample idx of
// track id, or -1.
func (l *chaosLedger) find(id, idx int) int {
	for i, s := range l.segs {
		if s.id == id && idx >= s.from && idx < s.from+s.n {
			return l.base + i
		}
	}
	return -1
}

// around describes the segments k-1 to k+2.
func (l *chaosLedger) around(k int) string {
	var b strings.Builder
	for i := k - 1; i <= k+2; i++ {
		if s, _, ok := l.seg(i); ok {
			fmt.Fprintf(&b, "[%d: track %d from %d, %d samples] ", i, s.id, s.from, s.n)
		}
	}
	return b.String()
}

// trim forgets the segments before absolute index k.
func (l *chaosLedger) trim(k int) {
	if i := k - l.base; i > 0 && i <= len(l.segs) {
		l.segs = append(l.segs[:0], l.segs[i:]...)
		l.base = k
	}
}
