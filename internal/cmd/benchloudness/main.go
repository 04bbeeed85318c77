// Command benchloudness compares the CPU time of package loudness's meter
// with FFmpeg's ebur128 filter (peak=true) and loudgain (libebur128) on the
// same file, a generated music-like 44.1 kHz stereo WAV, and prints their
// readings side by side. Run it with make bench-loudness (ffmpeg from
// scripts/ffmpeg.sh env, loudgain from scripts/test-deps.sh). With
// -playlist N it instead normalizes a generated playlist of N minutes
// (analysis, Normalize, Limit) and prints each song's loudness.
package main

import (
	"bufio"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"time"

	"github.com/onair-go/onair/internal/pcmtest"
	"github.com/onair-go/onair/loudness"
)

const rate = 44100

func main() {
	minutes := flag.Int("minutes", 10, "length of the generated file")
	rounds := flag.Int("rounds", 3, "runs of each meter; the fastest counts")
	keep := flag.String("file", "", "use (or create) this WAV file instead of a temporary one")
	pl := flag.Int("playlist", 0, "instead, normalize a generated playlist of this many minutes and print each song's loudness")
	maxGain := flag.Float64("maxgain", 0, "with -playlist: Normalize's MaxGain in dB (default 12)")
	flag.Parse()
	if *pl > 0 {
		if err := playlist(*pl, *maxGain); err != nil {
			log.Fatal(err)
		}
		return
	}
	path := *keep
	if path == "" {
		dir, err := os.MkdirTemp("", "benchloudness")
		if err != nil {
			log.Fatal(err)
		}
		defer os.RemoveAll(dir)
		path = filepath.Join(dir, "music.wav")
	}
	if _, err := os.Stat(path); err != nil {
		if err := generate(path, *minutes); err != nil {
			log.Fatal(err)
		}
	}
	hours := float64(*minutes) / 60
	fmt.Printf("file: %s, %d min of 44.1 kHz stereo 16-bit; CPU seconds (user+sys) per hour of audio, best of %d\n\n", path, *minutes, *rounds)
	fmt.Printf("%-26s %10s %8s %12s %8s %10s\n", "meter", "CPU s/h", "ratio", "I LUFS", "LRA LU", "TP dBTP")
	type result struct {
		name string
		cpu  time.Duration
		r    string
	}
	var res []result
	run := func(name string, f func() (time.Duration, string, error)) {
		best := time.Duration(math.MaxInt64)
		var out string
		for range *rounds {
			cpu, r, err := f()
			if err != nil {
				log.Fatalf("%s: %v", name, err)
			}
			best, out = min(best, cpu), r
		}
		res = append(res, result{name, best, out})
	}
	run("onair loudness", func() (time.Duration, string, error) { return ours(path, false) })
	run("onair loudness (no TP)", func() (time.Duration, string, error) { return ours(path, true) })
	run("ffmpeg ebur128=peak=true", func() (time.Duration, string, error) { return ffmpeg(path) })
	run("loudgain", func() (time.Duration, string, error) { return loudgain(path) })
	ff := res[2].cpu
	for _, r := range res {
		fmt.Printf("%-26s %10.2f %8.2f %s\n", r.name, r.cpu.Seconds()/hours, r.cpu.Seconds()/ff.Seconds(), r.r)
	}
}

// generate writes minutes of music-like audio, a minute of pcmtest.Music
// repeated at a level that changes every minute.
func generate(path string, minutes int) error {
	music := pcmtest.Music(rate, 2, -1, 60, 11)
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	w := bufio.NewWriterSize(f, 1<<20)
	n := uint32(minutes * 60 * rate)
	le := binary.LittleEndian
	hdr := []any{[4]byte{'R', 'I', 'F', 'F'}, 36 + n*4, [8]byte{'W', 'A', 'V', 'E', 'f', 'm', 't', ' '},
		uint32(16), uint16(1), uint16(2), uint32(rate), uint32(rate * 4), uint16(4), uint16(16), [4]byte{'d', 'a', 't', 'a'}, n * 4}
	for _, v := range hdr {
		if err := binary.Write(w, le, v); err != nil {
			return err
		}
	}
	buf := make([]byte, 4)
	for m := range minutes {
		g := math.Pow(10, -float64(m%4)*3/20) // 0, -3, -6, -9 dB
		for i := range music[0] {
			for c := range 2 {
				le.PutUint16(buf[2*c:], uint16(int16(math.Round(float64(music[c][i])*g*32767))))
			}
			if _, err := w.Write(buf); err != nil {
				return err
			}
		}
	}
	if err := w.Flush(); err != nil {
		return err
	}
	return f.Close()
}

func cpuNow() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// ours streams the WAV file through an Analyzer in 20 ms pieces.
func ours(path string, noTP bool) (time.Duration, string, error) {
	start := cpuNow()
	f, err := os.Open(path)
	if err != nil {
		return 0, "", err
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 1<<20)
	if _, err := r.Discard(44); err != nil {
		return 0, "", err
	}
	a, err := loudness.NewAnalyzer(rate, 2, &loudness.Options{NoTruePeak: noTP, RangeInterval: 100 * time.Millisecond})
	if err != nil {
		return 0, "", err
	}
	const n = rate / 50
	raw := make([]byte, n*4)
	audio := [][]float32{make([]float32, n), make([]float32, n)}
	for {
		k, err := io.ReadFull(r, raw)
		k /= 4
		for i := range k {
			audio[0][i] = float32(int16(binary.LittleEndian.Uint16(raw[4*i:]))) / 32768
			audio[1][i] = float32(int16(binary.LittleEndian.Uint16(raw[4*i+2:]))) / 32768
		}
		if k > 0 {
			if err := a.Write([][]float32{audio[0][:k], audio[1][:k]}); err != nil {
				return 0, "", err
			}
		}
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			break
		}
		if err != nil {
			return 0, "", err
		}
	}
	a.Flush()
	v := a.Values()
	return cpuNow() - start, fmt.Sprintf("%12.2f %8.2f %10.2f", v.Integrated, v.Range, v.TruePeak), nil
}

func childCPU(cmd *exec.Cmd) time.Duration {
	return cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
}

var (
	ffI    = regexp.MustCompile(`I:\s+(-?[0-9.]+) LUFS`)
	ffLRA  = regexp.MustCompile(`LRA:\s+(-?[0-9.]+) LU`)
	ffPeak = regexp.MustCompile(`Peak:\s+(-?[0-9.]+) dBFS`)
)

func ffmpeg(path string) (time.Duration, string, error) {
	cmd := exec.Command("ffmpeg", "-nostdin", "-hide_banner", "-nostats", "-i", path, "-af", "ebur128=peak=true", "-f", "null", "-")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return 0, "", fmt.Errorf("%v: %s", err, out)
	}
	s := string(out)
	if i := strings.LastIndex(s, "Summary:"); i >= 0 {
		s = s[i:]
	}
	get := func(re *regexp.Regexp) string {
		if m := re.FindStringSubmatch(s); m != nil {
			return m[1]
		}
		return "?"
	}
	return childCPU(cmd), fmt.Sprintf("%12s %8s %10s", get(ffI), get(ffLRA), get(ffPeak)), nil
}

func loudgain(path string) (time.Duration, string, error) {
	cmd := exec.Command("loudgain", "-q", "-O", path)
	out, err := cmd.Output()
	if err != nil {
		return 0, "", err
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	f := strings.Split(lines[len(lines)-1], "\t")
	if len(f) < 5 {
		return 0, "", fmt.Errorf("loudgain output %q", out)
	}
	num := func(s string) string { return strings.Fields(s)[0] }
	return childCPU(cmd), fmt.Sprintf("%12s %8s %10s", num(f[1]), num(f[2]), num(f[4])), nil
}
