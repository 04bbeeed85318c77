package chaos

import (
	"fmt"
	"io"
	"log/slog"
	"math"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/onair-go/onair"
)

// recorder is a flight recorder: it keeps the last seconds of the tap's
// frames and of the graph's log records, stamped with stream time, and
// writes them out a little after the tap reports a violation, so that a
// dead air or a click in a long soak comes with what led to it.
type recorder struct {
	w     io.Writer // nil: recording off
	ticks atomic.Int64

	mu     sync.Mutex
	frames [recFrames]recFrame
	logs   [recLogs]recLog
	nf, nl int // records written so far (ring positions)
	dumps  int
	dumpAt int64 // tick to dump at; 0: none pending
	why    string
}

const (
	recFrames = 250 // 5 s of 20 ms frames
	recLogs   = 256
	recDumps  = 8  // dumps a run writes at most
	recAfter  = 25 // frames recorded after a violation before the dump
	recWindow = 4 * time.Second
)

type recFrame struct {
	tick        int64
	peak        float32
	marks       []int
	title, sel  string
	transitions int
}

type recLog struct {
	tick int64
	msg  string
}

func (r *recorder) at(tick int64) time.Duration {
	return time.Duration(tick) * 20 * time.Millisecond
}

// frame records the tap's frame of tick (clock goroutine).
func (r *recorder) frame(tick int64, f *onair.Frame, sel onair.Source, transitions int) {
	r.ticks.Store(tick)
	if r.w == nil {
		return
	}
	var peak float32
	for _, v := range f.Audio()[0][:f.Len()] {
		peak = max(peak, float32(math.Abs(float64(v))))
	}
	rf := recFrame{tick: tick, peak: peak, transitions: transitions}
	if ms := f.Marks(); len(ms) > 0 {
		rf.marks = append([]int(nil), ms...)
	}
	for _, m := range f.Metadata() {
		rf.title += m.Metadata["title"] + ";"
	}
	if sel != nil {
		rf.sel = sel.Node().ID()
	}
	r.mu.Lock()
	r.frames[r.nf%recFrames] = rf
	r.nf++
	due := r.dumpAt != 0 && tick >= r.dumpAt
	r.mu.Unlock()
	if due {
		r.dump()
	}
}

// log records a log record (any goroutine).
func (r *recorder) log(rec slog.Record, attrs []slog.Attr) {
	if r.w == nil {
		return
	}
	msg := formatRecord(rec, attrs)
	r.mu.Lock()
	r.logs[r.nl%recLogs] = recLog{tick: r.ticks.Load(), msg: msg}
	r.nl++
	r.mu.Unlock()
}

// formatRecord writes a log record as level, message and attributes.
func formatRecord(rec slog.Record, attrs []slog.Attr) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s", rec.Level, rec.Message)
	for _, a := range attrs {
		fmt.Fprintf(&b, " %s=%v", a.Key, a.Value)
	}
	rec.Attrs(func(a slog.Attr) bool {
		fmt.Fprintf(&b, " %s=%v", a.Key, a.Value)
		return true
	})
	return b.String()
}

// violated arms a dump recAfter frames from now, unless one is pending.
func (r *recorder) violated(msg string) {
	if r.w == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.dumpAt == 0 && r.dumps < recDumps {
		r.dumpAt, r.why = r.ticks.Load()+recAfter, msg
	}
}

// dump writes the recorded frames and logs of the last recWindow.
func (r *recorder) dump() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.dumps++
	r.dumpAt = 0
	now := r.ticks.Load()
	from := now - int64(recWindow/(20*time.Millisecond))
	fmt.Fprintf(r.w, "\n=== flight recorder %d: %s\n", r.dumps, r.why)
	var lines []recLog
	for i := max(0, r.nl-recLogs); i < r.nl; i++ {
		if l := r.logs[i%recLogs]; l.tick >= from {
			lines = append(lines, l)
		}
	}
	li := 0
	prev := recFrame{peak: -1}
	for i := max(0, r.nf-recFrames); i < r.nf; i++ {
		f := r.frames[i%recFrames]
		if f.tick < from {
			continue
		}
		for ; li < len(lines) && lines[li].tick < f.tick; li++ {
			fmt.Fprintf(r.w, "\n  %-12s log %s", r.at(lines[li].tick), lines[li].msg)
			prev.peak = -1 // the next frame is shown in full
		}
		// a frame like the one before (same level band, nothing new) is
		// shown as a dot, to keep the dump short
		if f.marks == nil && f.title == "" && f.sel == prev.sel && f.transitions == prev.transitions &&
			(f.peak < 1e-3) == (prev.peak < 1e-3) && prev.peak >= 0 && f.peak >= 1e-3 {
			fmt.Fprint(r.w, ".")
			prev = f
			continue
		}
		fmt.Fprintf(r.w, "\n  %-12s peak %.4f sel %s transitions %d marks %v %s", r.at(f.tick), f.peak, f.sel, f.transitions, f.marks, f.title)
		prev = f
	}
	for ; li < len(lines); li++ {
		fmt.Fprintf(r.w, "\n  %-12s log %s", r.at(lines[li].tick), lines[li].msg)
	}
	fmt.Fprintln(r.w)
}
