package chaos

import (
	"bytes"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/onair-go/onair"
)

// TestRecorderDumpsAfterViolation feeds the flight recorder frames and a
// log record, reports a violation, and checks that the dump comes
// recAfter frames later with the silent frames, the mark, the title and
// the log line in stream time.
func TestRecorderDumpsAfterViolation(t *testing.T) {
	var out bytes.Buffer
	r := &recorder{w: &out}
	format := &onair.Format{SampleRate: 8000, Channels: 1, FrameDuration: 20 * time.Millisecond}
	frame := func(level float32, mark bool) *onair.Frame {
		f := onair.NewFrame(format)
		f.Extend(f.Free())
		for i := range f.Audio()[0] {
			f.Audio()[0][i] = level
		}
		if mark {
			f.AddMark(10)
			f.AddMetadata(10, onair.Metadata{"title": "next song"})
		}
		return f
	}
	tick := int64(0)
	for range 250 {
		tick++
		r.frame(tick, frame(0.5, false), nil, 3)
	}
	rec := slog.NewRecord(time.Now(), slog.LevelWarn, "decoder late", 0)
	rec.AddAttrs(slog.String("source", "playlist"))
	r.log(rec, []slog.Attr{slog.Int("n", 1)})
	tick++
	r.frame(tick, frame(0.5, true), nil, 4)
	for range 3 {
		tick++
		r.frame(tick, frame(0, false), nil, 4)
	}
	r.violated("silent at 2.1s")
	for range recAfter - 1 {
		tick++
		r.frame(tick, frame(0.5, false), nil, 4)
	}
	if out.Len() != 0 {
		t.Fatalf("dumped before %d frames went by:\n%s", recAfter, out.String())
	}
	tick++
	r.frame(tick, frame(0.5, false), nil, 4)
	got := out.String()
	for _, want := range []string{
		"flight recorder 1: silent at 2.1s",
		"5s           log WARN decoder late n=1 source=playlist",
		"5.02s        peak 0.5000 sel  transitions 4 marks [10] next song;",
		"5.04s        peak 0.0000",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("the dump lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "\n  20ms ") || !strings.Contains(got, "\n  5.1s ") {
		t.Errorf("the dump goes back more than %s:\n%s", recWindow, got)
	}
	// off: nothing recorded, nothing written
	off := &recorder{}
	off.frame(1, frame(0, false), nil, 0)
	off.violated("x")
	if r := slog.NewRecord(time.Now(), slog.LevelInfo, "x", 0); true {
		off.log(r, nil)
	}
}

// TestSegmentRuns splits an HLS archive at its gaps.
func TestSegmentRuns(t *testing.T) {
	parts := []string{"/a/aac_high_7.ts", "/a/aac_high_8.ts", "/a/aac_high_9.ts", "/a/aac_high_12.ts", "/a/aac_high_13.ts", "/a/aac_high_20.ts", "/a/odd.ts"}
	runs := segmentRuns(parts)
	var got []string
	for _, r := range runs {
		got = append(got, strings.Join(r, ","))
	}
	want := []string{
		"/a/aac_high_7.ts,/a/aac_high_8.ts,/a/aac_high_9.ts",
		"/a/aac_high_12.ts,/a/aac_high_13.ts",
		"/a/aac_high_20.ts",
		"/a/odd.ts",
	}
	if strings.Join(got, " | ") != strings.Join(want, " | ") {
		t.Errorf("runs:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if n := segmentNumber("/x/aac_low_1371.ts"); n != 1371 {
		t.Errorf("segmentNumber = %d, want 1371", n)
	}
}

// TestFirstErrors checks that the table gives the first record of each
// error message, with its attributes and stream time, and no warning.
func TestFirstErrors(t *testing.T) {
	format := &onair.Format{SampleRate: 8000, Channels: 1, FrameDuration: 20 * time.Millisecond}
	rs := &runState{rep: newReport(Config{}), rec: &recorder{}}
	log := slog.New(&countingHandler{rs: rs}).With("output", "tap")
	f := onair.NewFrame(format)
	for tick := range int64(100) {
		rs.rec.frame(tick+1, f, nil, 0)
		if tick == 49 || tick == 80 {
			log.Error("source not ready", "source", "xf", "tick", tick)
		}
		log.Warn("decoder late")
	}
	table := rs.rep.Table()
	if want := "1s: ERROR source not ready output=tap source=xf tick=49"; !strings.Contains(table, want) {
		t.Errorf("the table lacks %q:\n%s", want, table)
	}
	if strings.Contains(table, "tick=80") || strings.Contains(table, ": WARN decoder late") {
		t.Errorf("the table gives more than the first error:\n%s", table)
	}
}

func TestTapGaps(t *testing.T) {
	var g tapGaps
	var got []int
	for _, tick := range []uint64{5, 6, 7, 10, 11, 12, 14} {
		got = append(got, g.frame(tick))
	}
	want := []int{0, 0, 0, 2, 0, 0, 1}
	if !slices.Equal(got, want) {
		t.Errorf("missed ticks %v, want %v", got, want)
	}
}
