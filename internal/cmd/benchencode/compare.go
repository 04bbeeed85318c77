package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

type config struct {
	cache       string
	total, each time.Duration
	rounds      int
	only        string
	keep        string
	cpuprofile  string
}

// rendition is one of the three encodings, with the file it goes to.
type rendition struct {
	name, codec, bitrate, file string
}

var renditions = []rendition{
	{"aac48", "aac", "48k", "aac_48k.aac"},
	{"aac192", "aac", "192k", "aac_192k.aac"},
	{"mp3128", "libmp3lame", "128k", "mp3_128k.mp3"},
}

// usage is what one contender cost.
type usage struct {
	user, sys, wall time.Duration
	rss             int64 // peak resident set size in bytes (max over processes)
}

func (u usage) cpu() time.Duration { return u.user + u.sys }

func (u usage) add(v usage) usage {
	return usage{u.user + v.user, u.sys + v.sys, u.wall + v.wall, max(u.rss, v.rss)}
}

type contender struct {
	name string
	run  func(out string) (usage, error)
}

func compare(c config) error {
	ff, err := exec.LookPath("ffmpeg")
	if err != nil {
		return fmt.Errorf("ffmpeg not on PATH (run: eval \"$(scripts/ffmpeg.sh env)\"): %w", err)
	}
	version, err := ffmpegVersion()
	if err != nil {
		return err
	}
	if prefix := os.Getenv("ONAIR_FFMPEG_PREFIX"); prefix != "" && !strings.HasPrefix(ff, prefix) {
		return fmt.Errorf("ffmpeg on PATH is %s, not the project's build under %s", ff, prefix)
	}
	files, err := ensureMedia(c.cache, c.total, c.each, version)
	if err != nil {
		return err
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	all := []contender{
		{"onair", func(out string) (usage, error) {
			args := []string{"-child", "-out", out}
			if c.cpuprofile != "" {
				args = append(args, "-cpuprofile", c.cpuprofile)
			}
			return measure(exec.Command(self, append(args, files...)...))
		}},
		{"ffmpeg1", func(out string) (usage, error) {
			return measure(exec.Command("ffmpeg", ffmpegArgs(files, out, renditions)...))
		}},
		{"ffmpeg3", func(out string) (usage, error) {
			var sum usage
			var parts []string
			for _, r := range renditions {
				u, err := measure(exec.Command("ffmpeg", ffmpegArgs(files, out, []rendition{r})...))
				if err != nil {
					return sum, err
				}
				sum = sum.add(u)
				parts = append(parts, fmt.Sprintf("%s %.2fs", r.name, u.cpu().Seconds()))
			}
			// The slowest encoder bounds the wall time of any program
			// that runs each encoder on one thread.
			fmt.Printf("         ffmpeg3  CPU of each command (decode + one encode): %s\n", strings.Join(parts, ", "))
			return sum, nil
		}},
	}
	var run []contender
	for _, k := range all {
		if c.only == "" || slices.Contains(strings.Split(c.only, ","), k.name) {
			run = append(run, k)
		}
	}
	if len(run) == 0 {
		return fmt.Errorf("-only %q: want onair, ffmpeg1 or ffmpeg3 (or a comma-separated list of them)", c.only)
	}

	fmt.Printf("workload: %d tracks of %s (%s in all, MP3/FLAC/Ogg Vorbis/M4A/WAV, 44.1 and 48 kHz) -> AAC 48k + AAC 192k + MP3 128k\n",
		len(files), c.each, c.total)
	fmt.Printf("ffmpeg:   %s (%s)\n", ff, version)
	fmt.Printf("machine:  %d CPUs, GOMAXPROCS %d, load before: %s\n", runtime.NumCPU(), runtime.GOMAXPROCS(0), loadavg())
	results := map[string][]usage{}
	for round := range max(1, c.rounds) {
		for _, k := range run {
			out := c.keep
			if out == "" {
				out, err = os.MkdirTemp("", "benchencode-"+k.name)
				if err != nil {
					return err
				}
			} else {
				out = filepath.Join(out, k.name)
				if err := os.MkdirAll(out, 0o755); err != nil {
					return err
				}
			}
			busy0 := machineBusy()
			u, err := k.run(out)
			others := machineBusy() - busy0 - u.cpu().Seconds()
			if err == nil {
				err = checkOutputs(k.name, out, c.total)
			}
			if c.keep == "" {
				os.RemoveAll(out)
			}
			if err != nil {
				return fmt.Errorf("%s: %w", k.name, err)
			}
			fmt.Printf("round %d %-8s cpu %7.2fs (user %.2f sys %.2f) wall %7.2fs rss %6.1f MB   other processes: %3.0f%% of the CPUs, load %s\n",
				round+1, k.name, u.cpu().Seconds(), u.user.Seconds(), u.sys.Seconds(), u.wall.Seconds(), mb(u.rss),
				max(0, 100*others/(u.wall.Seconds()*float64(runtime.NumCPU()))), loadavg())
			results[k.name] = append(results[k.name], u)
		}
	}
	printTable(run, results)
	return nil
}

// ffmpegArgs is one ffmpeg command that decodes every file once,
// resamples it to 44.1 kHz stereo float, concatenates the files, splits
// the result and encodes each rendition to its file. (The concat demuxer
// cannot be used: it keeps the first file's decoder for every file, and
// the playlist mixes codecs.)
func ffmpegArgs(files []string, out string, rs []rendition) []string {
	args := []string{"-nostdin", "-hide_banner", "-v", "error", "-y"}
	var g strings.Builder
	for i, f := range files {
		args = append(args, "-i", f)
		fmt.Fprintf(&g, "[%d:a]aresample=44100,aformat=sample_fmts=fltp:channel_layouts=stereo[a%d];", i, i)
	}
	for i := range files {
		fmt.Fprintf(&g, "[a%d]", i)
	}
	fmt.Fprintf(&g, "concat=n=%d:v=0:a=1", len(files))
	if len(rs) > 1 {
		fmt.Fprintf(&g, ",asplit=%d", len(rs))
	}
	for i := range rs {
		fmt.Fprintf(&g, "[o%d]", i)
	}
	args = append(args, "-filter_complex", g.String())
	for i, r := range rs {
		args = append(args, "-map", fmt.Sprintf("[o%d]", i), "-c:a", r.codec, "-b:a", r.bitrate, filepath.Join(out, r.file))
	}
	return args
}

// measure runs cmd and returns its rusage (user, system, peak RSS) and
// wall time.
func measure(cmd *exec.Cmd) (usage, error) {
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	cmd.Stdout = os.Stdout
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	if err != nil {
		return usage{}, fmt.Errorf("%s: %w: %s", filepath.Base(cmd.Path), err, tail(stderr.String()))
	}
	if s := strings.TrimSpace(stderr.String()); s != "" {
		fmt.Fprintf(os.Stderr, "%s stderr: %s\n", filepath.Base(cmd.Path), tail(s))
	}
	ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if !ok {
		return usage{}, errors.New("no rusage on this system")
	}
	return usage{
		user: time.Duration(ru.Utime.Nano()),
		sys:  time.Duration(ru.Stime.Nano()),
		wall: wall,
		rss:  ru.Maxrss * 1024, // kilobytes on Linux
	}, nil
}

func tail(s string) string {
	if len(s) > 2000 {
		return "..." + s[len(s)-2000:]
	}
	return s
}

func mb(b int64) float64 { return float64(b) / 1e6 }

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

// machineBusy returns the CPU seconds all processes used since boot
// (/proc/stat, in USER_HZ = 100 ticks per second), so that a round can
// tell how much of the machine other processes took while it ran.
func machineBusy() float64 {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line) // cpu user nice system idle iowait irq softirq ...
	if len(f) < 8 || f[0] != "cpu" {
		return 0
	}
	var sum float64
	for _, i := range []int{1, 2, 3, 6, 7} {
		v, _ := strconv.ParseFloat(f[i], 64)
		sum += v
	}
	return sum / 100
}

func ffmpegVersion() (string, error) {
	out, err := exec.Command("ffmpeg", "-hide_banner", "-version").Output()
	if err != nil {
		return "", fmt.Errorf("ffmpeg -version: %w", err)
	}
	line, _, _ := strings.Cut(string(out), "\n")
	f := strings.Fields(line)
	if len(f) < 3 {
		return "", fmt.Errorf("ffmpeg -version: unexpected %q", line)
	}
	return f[2], nil
}

// checkOutputs checks that each rendition's file exists with the right
// codec and lasts the playlist's duration (packets x frame size / rate),
// and prints the durations.
func checkOutputs(name, dir string, total time.Duration) error {
	var durs []string
	for _, r := range renditions {
		path := filepath.Join(dir, r.file)
		out, err := exec.Command("ffprobe", "-v", "error", "-select_streams", "a:0", "-count_packets",
			"-show_entries", "stream=codec_name,sample_rate,channels,nb_read_packets", "-of", "default=nw=1", path).Output()
		if err != nil {
			return fmt.Errorf("ffprobe %s: %w", path, err)
		}
		kv := map[string]string{}
		for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			k, v, _ := strings.Cut(l, "=")
			kv[k] = v
		}
		frame := map[string]float64{"aac": 1024, "mp3": 1152}[kv["codec_name"]]
		pk, _ := strconv.ParseFloat(kv["nb_read_packets"], 64)
		rate, _ := strconv.ParseFloat(kv["sample_rate"], 64)
		if frame == 0 || rate != 44100 || kv["channels"] != "2" {
			return fmt.Errorf("%s: unexpected stream %v", path, kv)
		}
		d := pk * frame / rate
		durs = append(durs, fmt.Sprintf("%s %.3fs", r.name, d))
		if diff := d - total.Seconds(); diff < -0.1 || diff > 0.5 {
			// Reported, not fatal: the numbers are still worth having.
			durs = append(durs, fmt.Sprintf("WARNING: want %.0fs", total.Seconds()))
		}
	}
	fmt.Printf("         %-8s outputs: %s\n", name, strings.Join(durs, ", "))
	return nil
}

func median(us []usage, f func(usage) float64) float64 {
	v := make([]float64, len(us))
	for i, u := range us {
		v[i] = f(u)
	}
	return medianOf(v)
}

// medianOf sorts v and returns its median.
func medianOf(v []float64) float64 {
	slices.Sort(v)
	if len(v)%2 == 1 {
		return v[len(v)/2]
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2
}

// paired returns the median of fn(o[i])/fn(f[i]) over the rounds, with
// their range.
func paired(o, f []usage, fn func(usage) float64) string {
	r := make([]float64, len(o))
	for i := range o {
		r[i] = fn(o[i]) / fn(f[i])
	}
	m := medianOf(r)
	return fmt.Sprintf("%.3fx (%.3f to %.3f)", m, r[0], r[len(r)-1])
}

func printTable(run []contender, results map[string][]usage) {
	label := map[string]string{
		"onair":   "onair (1 decode, 3 shared encoders)",
		"ffmpeg1": "ffmpeg, 1 command (asplit=3)",
		"ffmpeg3": "ffmpeg, 3 commands (sequential)",
	}
	cpu := func(u usage) float64 { return u.cpu().Seconds() }
	wall := func(u usage) float64 { return u.wall.Seconds() }
	rss := func(u usage) float64 { return mb(u.rss) }
	fmt.Println()
	fmt.Printf("%-38s %9s %9s %12s\n", "contender (median)", "CPU s", "wall s", "peak RSS MB")
	for _, k := range run {
		us := results[k.name]
		fmt.Printf("%-38s %9.2f %9.2f %12.1f\n", label[k.name], median(us, cpu), median(us, wall), median(us, rss))
	}
	o, f := results["onair"], results["ffmpeg1"]
	if len(o) == 0 || len(f) == 0 {
		return
	}
	fmt.Println()
	fmt.Printf("onair / ffmpeg 1 command: CPU %.3fx (target <= 1.0x), wall %.3fx (target <= 0.95x), peak RSS %.3fx (target <= 1.0x)\n",
		median(o, cpu)/median(f, cpu), median(o, wall)/median(f, wall), median(o, rss)/median(f, rss))
	if len(o) > 1 && len(o) == len(f) {
		// Each round runs onair and then ffmpeg back to back: the ratio
		// within a round is not moved by the machine getting faster or
		// slower from round to round, as the medians above are.
		fmt.Printf("the same, median of the %d rounds' own ratios: CPU %s, wall %s, peak RSS %s\n",
			len(o), paired(o, f, cpu), paired(o, f, wall), paired(o, f, rss))
	}
	if t := results["ffmpeg3"]; len(t) > 0 {
		fmt.Printf("onair / ffmpeg 3 commands: CPU %.3fx, wall %.3fx\n", median(o, cpu)/median(t, cpu), median(o, wall)/median(t, wall))
	}
	fmt.Printf("onair wall / ffmpeg 1 command CPU: %.3fx (the wall an ffmpeg that encodes on one thread would take)\n",
		median(o, wall)/median(f, cpu))
	fmt.Printf("load after: %s\n", loadavg())
}
