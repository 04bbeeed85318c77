package analysis_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/onair-go/onair/decode"
	"github.com/onair-go/onair/decode/analysis"
	"github.com/onair-go/onair/internal/pcmtest"
	"github.com/onair-go/onair/internal/peertest"
	"github.com/onair-go/onair/loudness"
	"github.com/onair-go/onair/onairtest"
)

func near(t *testing.T, what string, got, want, tol float64) {
	t.Helper()
	if !(math.Abs(got-want) <= tol) {
		t.Errorf("%s = %.3f, want %.3f ±%.2f", what, got, want, tol)
	}
}

// song writes a WAV of music at level dBFS with silence before and after.
func song(t *testing.T, dir, name string, rate int, level, before, secs, after float64) string {
	t.Helper()
	silence := func(s float64) [][]float32 { return pcmtest.Sine(rate, 2, 1000, math.Inf(-1), s) }
	music := pcmtest.Music(rate, 2, level, secs, uint64(len(name)))
	audio := make([][]float32, 2)
	for c := range audio {
		audio[c] = append(append(append(audio[c], silence(before)[c]...), music[c]...), silence(after)[c]...)
	}
	p := filepath.Join(dir, name)
	if err := pcmtest.WriteWAV(p, rate, audio); err != nil {
		t.Fatal(err)
	}
	return p
}

// The file analysis reads what the analyzer reads on the same samples, and
// finds the music between the silences.
func TestFile(t *testing.T) {
	dir := t.TempDir()
	p := song(t, dir, "a.wav", 48000, -3, 2, 20, 3)
	res, err := analysis.File(context.Background(), p, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, audio, err := pcmtest.ReadWAV(p)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := loudness.NewAnalyzer(48000, 2, nil)
	_ = a.Write(audio)
	a.Flush()
	v := a.Values()
	near(t, "integrated", res.Integrated, v.Integrated, 0.01)
	near(t, "range", res.Range, v.Range, 0.01)
	near(t, "true peak", res.TruePeak, v.TruePeak, 0.01)
	near(t, "duration", res.Duration.Seconds(), 25, 0.001)
	near(t, "cue in", res.Cues.CueIn.Seconds(), 2, 0.1)
	// The K-weighting filter rings for a while after the music stops
	// abruptly: the cue-out may be one 100 ms block later.
	near(t, "cue out", res.Cues.CueOut.Seconds(), 22, 0.15)
	if _, err := analysis.File(context.Background(), filepath.Join(dir, "missing.wav"), nil); err == nil {
		t.Error("missing file: no error")
	}
}

var (
	ffI    = regexp.MustCompile(`I:\s+(-?[0-9.]+) LUFS`)
	ffPeak = regexp.MustCompile(`Peak:\s+(-?[0-9.]+) dBFS`)
)

// Debian's Vorbis sounds, decoded by package decode and measured, against
// FFmpeg's ebur128 filter and loudgain on the same files.
func TestRealFiles(t *testing.T) {
	paths, _ := filepath.Glob("/usr/share/sounds/freedesktop/stereo/*.oga")
	if len(paths) == 0 {
		t.Fatal("no /usr/share/sounds/freedesktop/stereo/*.oga: run scripts/test-deps.sh (sound-theme-freedesktop)")
	}
	ff, lg := peertest.LookPath(t, "ffmpeg"), peertest.LookPath(t, "loudgain")
	for _, p := range paths {
		if fi, err := os.Lstat(p); err != nil || fi.Mode()&os.ModeSymlink != 0 {
			continue
		}
		res, err := analysis.File(context.Background(), p, nil)
		if err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(ff, "-nostdin", "-hide_banner", "-nostats", "-i", p, "-af", "ebur128=peak=true", "-f", "null", "-").CombinedOutput()
		if err != nil {
			t.Fatalf("ffmpeg: %v\n%s", err, out)
		}
		s := string(out[bytes.LastIndex(out, []byte("Summary:")):])
		fI, fP := num(t, ffI, s), num(t, ffPeak, s)
		lgOut, err := exec.Command(lg, "-q", "-O", p).Output()
		if err != nil {
			t.Fatalf("loudgain: %v", err)
		}
		lI, lP := loudgainRow(t, lgOut)
		t.Logf("%-34s ours I %6.2f TP %6.2f | ffmpeg I %6.2f TP %6.2f | loudgain I %6.2f TP %6.2f",
			filepath.Base(p), res.Integrated, res.TruePeak, fI, fP, lI, lP)
		if math.IsInf(res.Integrated, -1) {
			continue // shorter than a 400 ms block: both peers print -70
		}
		near(t, filepath.Base(p)+" integrated vs ffmpeg", res.Integrated, fI, 0.1)
		near(t, filepath.Base(p)+" integrated vs loudgain", res.Integrated, lI, 0.1)
		near(t, filepath.Base(p)+" true peak vs ffmpeg", res.TruePeak, fP, 0.2)
		near(t, filepath.Base(p)+" true peak vs loudgain", res.TruePeak, lP, 0.2)
	}
}

func num(t *testing.T, re *regexp.Regexp, s string) float64 {
	t.Helper()
	m := re.FindStringSubmatch(s)
	if m == nil {
		t.Fatalf("no %v in %s", re, s)
	}
	x, _ := strconv.ParseFloat(m[1], 64)
	return x
}

func loudgainRow(t *testing.T, out []byte) (float64, float64) {
	t.Helper()
	sc := bufio.NewScanner(bytes.NewReader(out))
	var last string
	for sc.Scan() {
		last = sc.Text()
	}
	f := strings.Split(last, "\t")
	if len(f) < 5 {
		t.Fatalf("loudgain: %q", out)
	}
	i, _ := strconv.ParseFloat(strings.Fields(f[1])[0], 64)
	p, _ := strconv.ParseFloat(strings.Fields(f[4])[0], 64)
	return i, p
}

func TestCache(t *testing.T) {
	dir := t.TempDir()
	p := song(t, dir, "b.wav", 48000, -6, 0.5, 5, 0.5)
	c, err := analysis.NewCache(filepath.Join(dir, "cache"), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	first, hit, err := c.File(ctx, p)
	if err != nil || hit {
		t.Fatalf("first: hit %v, %v", hit, err)
	}
	again, hit, err := c.File(ctx, p)
	if err != nil || !hit {
		t.Fatalf("second: hit %v, %v", hit, err)
	}
	if again.Integrated != first.Integrated || again.Cues != first.Cues || again.Duration != first.Duration || again.TruePeak != first.TruePeak {
		t.Errorf("cached %+v, analysed %+v", again, first)
	}
	// A changed file is analysed again.
	later := time.Now().Add(time.Hour)
	if err := os.Chtimes(p, later, later); err != nil {
		t.Fatal(err)
	}
	if _, hit, err := c.File(ctx, p); err != nil || hit {
		t.Fatalf("after touch: hit %v, %v", hit, err)
	}
	// A damaged cache entry is replaced.
	entries, _ := filepath.Glob(filepath.Join(dir, "cache", "*.json"))
	if len(entries) != 1 {
		t.Fatalf("cache holds %v", entries)
	}
	if err := os.WriteFile(entries[0], []byte("{not json"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, hit, err := c.File(ctx, p); err != nil || hit {
		t.Fatalf("after damage: hit %v, %v", hit, err)
	}
	if _, hit, _ := c.File(ctx, p); !hit {
		t.Error("damaged entry not rewritten")
	}
	if _, err := analysis.NewCache("", nil, nil); err == nil {
		t.Error("empty directory: no error")
	}
	if m := c.Prepare(ctx, filepath.Join(dir, "missing.wav")); m != nil {
		t.Errorf("missing file prepared: %v", m)
	}
}

// Callers that miss on the same file at once share one analysis: a Cache
// serving many stations analyses each song once. A caller whose context
// ends stops only its own call: the others get an analysis.
func TestCacheSharesAnalysis(t *testing.T) {
	dir := t.TempDir()
	p := song(t, dir, "c.wav", 48000, -9, 0.2, 20, 0.2)
	c, err := analysis.NewCache(filepath.Join(dir, "cache"), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	type result struct {
		a   *loudness.Analysis
		hit bool
		err error
	}
	const n = 8
	results := make(chan result, n)
	// The first caller gives up at once; the others must not inherit its
	// canceled analysis.
	quit, cancel := context.WithCancel(context.Background())
	go func() {
		_, _, err := c.File(quit, p)
		results <- result{err: err}
	}()
	cancel()
	for range n - 1 {
		go func() {
			a, hit, err := c.File(context.Background(), p)
			results <- result{a, hit, err}
		}()
	}
	var analysed, failed int
	var first *loudness.Analysis
	for range n {
		r := <-results
		if r.a == nil {
			if r.err == nil {
				t.Error("no analysis and no error")
			}
			failed++ // only the canceled caller may fail: checked below
			continue
		}
		if r.err != nil {
			t.Errorf("analysis with error %v", r.err)
		}
		if !r.hit {
			analysed++
		}
		if first == nil {
			first = r.a
		} else if r.a.Integrated != first.Integrated || r.a.Cues != first.Cues {
			t.Errorf("callers disagree: %+v and %+v", r.a, first)
		}
	}
	if failed > 1 {
		t.Errorf("%d callers failed, want the canceled one at most", failed)
	}
	// Seven callers with live contexts; one analysis among them (the
	// canceled caller's may have run too, and failed).
	if analysed != 1 {
		t.Errorf("%d callers analysed the file, want 1", analysed)
	}
	if _, hit, err := c.File(context.Background(), p); err != nil || !hit {
		t.Errorf("after: hit %v, %v", hit, err)
	}
}

// A caller waiting for another's analysis, whose caller then gives up,
// analyses the file itself instead of taking the other's context error.
func TestCacheWaiterOutlivesCanceledLeader(t *testing.T) {
	dir := t.TempDir()
	p := song(t, dir, "d.wav", 48000, -9, 0.2, 3, 0.2)
	c, err := analysis.NewCache(filepath.Join(dir, "cache"), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	lead, release, waiting := make(chan struct{}), make(chan struct{}), make(chan struct{}, 1)
	var leads int
	analysis.SetTestHook(c, func(event string) {
		switch event {
		case "lead":
			leads++ // the hook runs before the analysis, one leader at a time here
			if leads == 1 {
				close(lead)
				<-release // hold the first leader until the second caller waits
			}
		case "wait":
			waiting <- struct{}{}
		}
	})
	quit, cancel := context.WithCancel(context.Background())
	first := make(chan error, 1)
	go func() {
		_, _, err := c.File(quit, p)
		first <- err
	}()
	<-lead
	type result struct {
		hit bool
		err error
	}
	second := make(chan result, 1)
	go func() {
		a, hit, err := c.File(context.Background(), p)
		if err == nil && a == nil {
			err = errors.New("no analysis")
		}
		second <- result{hit, err}
	}()
	<-waiting
	cancel()
	close(release)
	if err := <-first; !errors.Is(err, context.Canceled) {
		t.Errorf("canceled caller: %v, want context.Canceled", err)
	}
	r := <-second
	if r.err != nil || r.hit {
		t.Errorf("waiting caller: hit %v, err %v; want its own analysis", r.hit, r.err)
	}
	if leads != 2 {
		t.Errorf("%d analyses, want 2", leads)
	}
}

// A caller waiting for an analysis whose leader panics gets an error, not
// a hang.
func TestCacheWaiterSurvivesAPanickingLeader(t *testing.T) {
	dir := t.TempDir()
	p := song(t, dir, "e.wav", 48000, -9, 0.2, 1, 0.2)
	c, err := analysis.NewCache(filepath.Join(dir, "cache"), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	lead, release, waiting := make(chan struct{}), make(chan struct{}), make(chan struct{}, 1)
	analysis.SetTestHook(c, func(event string) {
		switch event {
		case "lead":
			close(lead)
			<-release
			panic("analysis blew up")
		case "wait":
			waiting <- struct{}{}
		}
	})
	leaderDone := make(chan any)
	go func() {
		defer func() { leaderDone <- recover() }()
		_, _, _ = c.File(context.Background(), p)
	}()
	<-lead
	second := make(chan error, 1)
	go func() {
		a, _, err := c.File(context.Background(), p)
		if a != nil {
			err = errors.New("an analysis from a panicked leader")
		}
		second <- err
	}()
	<-waiting
	close(release)
	if r := <-leaderDone; r == nil {
		t.Error("the leader did not panic")
	}
	if err := <-second; err == nil || !strings.Contains(err.Error(), "stopped") {
		t.Errorf("waiting caller: %v, want the analysis stopped", err)
	}
}

// A playlist prepared by the cache plays each song trimmed to its cue
// points, and Normalize brings each to -14 LUFS.
func TestPlaylistNormalized(t *testing.T) {
	dir := t.TempDir()
	levels := []float64{-1, -12, -9, -6}
	var paths []string
	for i, lv := range levels {
		paths = append(paths, song(t, dir, string(rune('a'+i))+".wav", 44100, lv, 1.5, 8, 2))
	}
	cache, err := analysis.NewCache(filepath.Join(dir, "cache"), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	pl, err := decode.PlaylistOf(paths, &decode.PlaylistOptions{Once: true, Synchronous: true, Prepare: cache.Prepare})
	if err != nil {
		t.Fatal(err)
	}
	n, err := loudness.Normalize(pl, nil)
	if err != nil {
		t.Fatal(err)
	}
	var per []loudness.Values
	m, err := loudness.Meter(n, &loudness.MeterOptions{PerTrack: true, OnTrack: func(v loudness.Values) { per = append(per, v) }})
	if err != nil {
		t.Fatal(err)
	}
	c := onairtest.CollectDuration(t, m, 60*time.Second, nil)
	if len(per) != len(levels) {
		t.Fatalf("%d tracks measured, want %d", len(per), len(levels))
	}
	for i, v := range per {
		near(t, "track "+strconv.Itoa(i)+" integrated", v.Integrated, -14, 1)
		// The silences (1.5 s and 2 s) are cut.
		near(t, "track "+strconv.Itoa(i)+" length (s)", v.Duration.Seconds(), 8, 0.15)
	}
	if len(c.Metadata) < len(levels) || c.Metadata[0].Metadata["liq_loudness"] == "" || c.Metadata[0].Metadata["liq_cross_duration"] == "" {
		t.Errorf("metadata %v", c.Metadata)
	}
}
