package loudness_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"math"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/onair-go/onair/internal/pcmtest"
	"github.com/onair-go/onair/internal/peertest"
	"github.com/onair-go/onair/loudness"
)

// reading is one meter's summary of a file.
type reading struct {
	integrated, lra, truePeak float64
}

func (r reading) String() string {
	return fmt.Sprintf("I %.2f LUFS, LRA %.2f LU, TP %.2f dBTP", r.integrated, r.lra, r.truePeak)
}

// ours measures planar audio with the package's analyzer.
func ours(t testing.TB, rate int, audio [][]float32, opts *loudness.Options) reading {
	t.Helper()
	a, err := loudness.NewAnalyzer(rate, len(audio), opts)
	if err != nil {
		t.Fatal(err)
	}
	part := make([][]float32, len(audio))
	step := rate / 50
	for i := 0; i < len(audio[0]); i += step {
		for c := range audio {
			part[c] = audio[c][i:min(i+step, len(audio[0]))]
		}
		if err := a.Write(part); err != nil {
			t.Fatal(err)
		}
	}
	a.Flush()
	v := a.Values()
	return reading{v.Integrated, v.Range, v.TruePeak}
}

var (
	ffI    = regexp.MustCompile(`(?s)Integrated loudness:\s+I:\s+(-?[0-9.]+|-inf) LUFS`)
	ffLRA  = regexp.MustCompile(`(?s)Loudness range:\s+LRA:\s+(-?[0-9.]+) LU`)
	ffPeak = regexp.MustCompile(`(?s)True peak:\s+Peak:\s+(-?[0-9.]+|-inf) dBFS`)
)

// ffmpegReading runs FFmpeg's ebur128 filter on path and parses its summary.
func ffmpegReading(t testing.TB, path string) reading {
	t.Helper()
	bin := peertest.LookPath(t, "ffmpeg")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin, "-nostdin", "-hide_banner", "-nostats", "-i", path,
		"-af", "ebur128=peak=true", "-f", "null", "-").CombinedOutput()
	if err != nil {
		t.Fatalf("ffmpeg ebur128 %s: %v\n%s", path, err, out)
	}
	s := string(out)
	if i := strings.LastIndex(s, "Summary:"); i >= 0 {
		s = s[i:]
	}
	return reading{parseNum(t, ffI, s), parseNum(t, ffLRA, s), parseNum(t, ffPeak, s)}
}

func parseNum(t testing.TB, re *regexp.Regexp, s string) float64 {
	t.Helper()
	m := re.FindStringSubmatch(s)
	if m == nil {
		t.Fatalf("no %v in:\n%s", re, s)
	}
	if m[1] == "-inf" {
		return math.Inf(-1)
	}
	x, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		t.Fatal(err)
	}
	return x
}

// loudgainReading runs loudgain (libebur128) on path; -O prints a
// tab-separated table with loudness, range and true peak in dBTP.
func loudgainReading(t testing.TB, path string) reading {
	t.Helper()
	bin := peertest.LookPath(t, "loudgain")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "-q", "-O", path)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("loudgain %s: %v\n%s%s", path, err, out, stderr.Bytes())
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	var head []string
	for sc.Scan() {
		f := strings.Split(sc.Text(), "\t")
		if head == nil {
			head = f
			continue
		}
		col := func(name string) float64 {
			for i, h := range head {
				if h == name && i < len(f) {
					v := strings.Fields(f[i])
					if len(v) > 0 {
						if x, err := strconv.ParseFloat(v[0], 64); err == nil {
							return x
						}
					}
				}
			}
			t.Fatalf("loudgain: no %q in %q", name, out)
			return 0
		}
		return reading{col("Loudness"), col("Range"), col("True_Peak_dBTP")}
	}
	t.Fatalf("loudgain: no result in %q", out)
	return reading{}
}

// material is a test file: generated (written as float WAV) or a real file.
type material struct {
	name  string
	path  string
	rate  int
	audio [][]float32
	lra   bool // long enough for the loudness range to mean something
}

func generated(t *testing.T) []material {
	dir := t.TempDir()
	var ms []material
	// FFmpeg's filter also measures its first windows before they are
	// full (zero-padded: the first 3 s of short-term values, the first
	// 400 ms of blocks), where BS.1770 and Tech 3342 (and libebur128)
	// start with the first complete window. Material that starts at full
	// level then reads up to 0.2 LU wider in range in FFmpeg; real tracks
	// start from silence or a fade, as the generated ones do here (0.5 s).
	add := func(name string, rate int, audio [][]float32) {
		lead := rate / 2
		for c := range audio {
			audio[c] = append(make([]float32, lead, lead+len(audio[c])), audio[c]...)
		}
		p := filepath.Join(dir, name+".wav")
		if err := pcmtest.WriteWAV(p, rate, audio); err != nil {
			t.Fatal(err)
		}
		ms = append(ms, material{name: name, path: p, rate: rate, audio: audio, lra: true})
	}
	add("music-44k1-stereo-90s", 44100, pcmtest.Music(44100, 2, -1, 90, 1))
	// The same kind of music at levels that move by 17 dB: quiet, a 10 s
	// rise, loud, a 10 s fall, quiet. (Steps instead of ramps make the
	// range hinge on one or two short-term values, where the peers'
	// percentile conventions differ by a rank.)
	mixed := pcmtest.Music(48000, 2, -0.5, 90, 3)
	for i := range mixed[0] {
		t := float64(i) / 48000
		db := -17.0
		switch {
		case t >= 25 && t < 35:
			db = -17 + 17*(t-25)/10
		case t >= 35 && t < 55:
			db = 0
		case t >= 55 && t < 65:
			db = -17 * (t - 55) / 10
		}
		g := float32(math.Pow(10, db/20))
		mixed[0][i] *= g
		mixed[1][i] *= g
	}
	add("mix-48k-stereo-90s", 48000, mixed)
	add("music-48k-5.1-1min", 48000, pcmtest.Music(48000, 6, -3, 60, 4))
	return ms
}

func realWAVs(t *testing.T) []material {
	paths, _ := filepath.Glob("/usr/share/sounds/alsa/*.wav")
	if len(paths) == 0 {
		t.Fatal("no /usr/share/sounds/alsa/*.wav: run scripts/test-deps.sh (alsa-utils)")
	}
	var ms []material
	for _, p := range paths {
		rate, audio, err := pcmtest.ReadWAV(p)
		if err != nil {
			t.Fatal(err)
		}
		ms = append(ms, material{name: filepath.Base(p), path: p, rate: rate, audio: audio})
	}
	return ms
}

func compare(t *testing.T, m material, who string, ref, got reading) {
	t.Helper()
	t.Logf("%-28s ours %v | %s %v", m.name, got, who, ref)
	if math.Abs(got.integrated-ref.integrated) > 0.1 {
		t.Errorf("%s: integrated %.2f, %s %.2f (±0.1)", m.name, got.integrated, who, ref.integrated)
	}
	if math.Abs(got.truePeak-ref.truePeak) > 0.2 {
		t.Errorf("%s: true peak %.2f, %s %.2f (±0.2)", m.name, got.truePeak, who, ref.truePeak)
	}
	if m.lra && math.Abs(got.lra-ref.lra) > 0.1 {
		t.Errorf("%s: loudness range %.2f, %s %.2f (±0.1)", m.name, got.lra, who, ref.lra)
	}
}

// TestAgainstPeers compares with FFmpeg's ebur128 filter (peak=true) and
// with libebur128 (through loudgain) on generated music-like material and
// Debian's real sound files. FFmpeg takes a short-term value every 100 ms
// for the range, as we do by default; libebur128 every second.
func TestAgainstPeers(t *testing.T) {
	for _, m := range append(generated(t), realWAVs(t)...) {
		compare(t, m, "ffmpeg", ffmpegReading(t, m.path), ours(t, m.rate, m.audio, nil))
		compare(t, m, "loudgain", loudgainReading(t, m.path), ours(t, m.rate, m.audio, &loudness.Options{RangeInterval: time.Second}))
	}
}
