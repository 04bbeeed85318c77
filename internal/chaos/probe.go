package chaos

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// materialStep is the largest sample-to-sample step of the generated
// tones at 44.1 kHz; a crossfade sums two of them.
var materialStep = toneAmp * 2 * math.Pi * toneMaxFreq / 44100

// pcm checks a stream of samples for clicks (a step larger than limit)
// and dead air (more than maxSilent samples below -60 dBFS).
type pcm struct {
	name      string
	rate      int
	limit     float64
	maxSilent int
	skip      int // samples at the start not checked (the first fade-in)
	report    func(inv, msg string)
	annotate  func(at time.Duration) string // names the fault before a violation
	live      bool                          // report clicks at once (no tail to leave out)

	pending        []pendingClick // clicks not reported yet (see flush)
	n              int
	prev           float32
	silent         int
	Clicks         int
	DeadAir        int
	WorstStep      float64
	LongestSilence int
}

func newPCM(name string, rate int, limit float64, maxSilent int, report func(inv, msg string)) *pcm {
	return &pcm{name: name, rate: rate, limit: limit, maxSilent: maxSilent, skip: rate, report: report}
}

func (p *pcm) at() string {
	d := time.Duration(p.n) * time.Second / time.Duration(p.rate)
	s := d.Round(time.Millisecond).String()
	if p.annotate != nil {
		s += p.annotate(d)
	}
	return s
}

func (p *pcm) feed(a []float32) {
	for _, v := range a {
		p.n++
		if p.n <= p.skip {
			p.prev = v
			continue
		}
		if math.Abs(float64(v)) < 1e-3 {
			p.silent++
			p.LongestSilence = max(p.LongestSilence, p.silent)
			if p.silent == p.maxSilent+1 {
				p.DeadAir++
				if p.DeadAir <= 3 {
					p.report("no dead air", fmt.Sprintf("%s: silent for more than %d samples at %s", p.name, p.maxSilent, p.at()))
				}
			}
		} else {
			p.silent = 0
		}
		step := math.Abs(float64(v - p.prev))
		p.WorstStep = max(p.WorstStep, step)
		if step > p.limit {
			p.pending = append(p.pending, pendingClick{p.n, fmt.Sprintf("%s: step %.3f at %s (limit %.3f)", p.name, step, p.at(), p.limit)})
			if p.live {
				p.flush(0)
			}
		}
		p.prev = v
	}
}

type pendingClick struct {
	n   int
	msg string
}

// flush reports the clicks, except those in the last tail samples: a
// stream decoded back ends where the station stopped, at full level.
func (p *pcm) flush(tail int) {
	for _, c := range p.pending {
		if c.n > p.n-tail {
			continue
		}
		p.Clicks++
		if p.Clicks <= 10 {
			p.report("no clicks", c.msg)
		}
	}
	p.pending = nil
}

// Decoded is what decoding a stream back with ffmpeg found.
type Decoded struct {
	Name           string
	Duration       time.Duration
	Errors         int // lines ffmpeg printed at -v error
	Clicks         int
	DeadAir        int
	WorstStep      float64
	LongestSilence time.Duration
	NonMonotonic   int // packets whose dts did not increase
	Runs           int // pieces decoded one by one (an HLS archive with gaps)
}

// decodeBack decodes path (any container ffmpeg reads) to mono 44.1 kHz
// float and scans it, then checks that its packets' timestamps increase.
func decodeBack(ctx context.Context, name, path string, report func(inv, msg string)) (Decoded, error) {
	d := Decoded{Name: name}
	ffmpeg, err := ffmpegPath()
	if err != nil {
		return d, err
	}
	cmd := exec.CommandContext(ctx, ffmpeg, "-nostdin", "-v", "error", "-i", path, "-f", "f32le", "-ac", "1", "-ar", "44100", "-")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return d, err
	}
	if err := cmd.Start(); err != nil {
		return d, err
	}
	// lossy codecs ring: a margin over the crossfade's limit
	p := newPCM(name, 44100, 2*materialStep+0.08, 44100/20, report)
	br := bufio.NewReaderSize(out, 64<<10)
	buf := make([]float32, 4096)
	raw := make([]byte, 4*len(buf))
	for {
		n, rerr := io.ReadFull(br, raw)
		k := n / 4
		for i := range k {
			buf[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
		}
		p.feed(buf[:k])
		if rerr != nil {
			break
		}
	}
	p.flush(44100 / 10)
	werr := cmd.Wait()
	if s := strings.TrimSpace(stderr.String()); s != "" {
		d.Errors = strings.Count(s, "\n") + 1
		report("streams decode cleanly", fmt.Sprintf("%s: ffmpeg: %.300s", name, s))
	}
	if werr != nil {
		return d, fmt.Errorf("chaos: decoding %s: %v", name, werr)
	}
	d.Duration = time.Duration(p.n) * time.Second / 44100
	d.Clicks, d.DeadAir, d.WorstStep = p.Clicks, p.DeadAir, p.WorstStep
	d.LongestSilence = time.Duration(p.LongestSilence) * time.Second / 44100
	d.NonMonotonic, err = nonMonotonic(ctx, path)
	if d.NonMonotonic > 0 {
		report("monotonic timestamps", fmt.Sprintf("%s: %d packets whose dts does not increase", name, d.NonMonotonic))
	}
	return d, err
}

// nonMonotonic counts the audio packets of path whose dts is not larger
// than the previous one's.
func nonMonotonic(ctx context.Context, path string) (int, error) {
	ffmpeg, err := ffmpegPath()
	if err != nil {
		return 0, err
	}
	ffprobe := filepath.Join(filepath.Dir(ffmpeg), "ffprobe")
	out, err := exec.CommandContext(ctx, ffprobe, "-v", "error", "-select_streams", "a:0",
		"-show_entries", "packet=dts", "-of", "csv=p=0", path).Output()
	if err != nil {
		return 0, fmt.Errorf("chaos: ffprobe %s: %w", filepath.Base(path), err)
	}
	bad, prev, first := 0, int64(0), true
	for _, l := range strings.Split(string(out), "\n") {
		l = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(l), ","))
		v, err := strconv.ParseInt(l, 10, 64)
		if err != nil {
			continue
		}
		if !first && v <= prev {
			bad++
		}
		prev, first = v, false
	}
	return bad, nil
}

// checkPlaylists checks every media playlist of an HLS folder: it starts
// with #EXTM3U, has a target duration, and every segment it lists exists
// and is not empty. seq holds each playlist's last media sequence, which
// must never go back.
func checkPlaylists(dir, master string, seq map[string]int, report func(inv, msg string)) error {
	m, err := os.ReadFile(filepath.Join(dir, master))
	if err != nil {
		return err
	}
	for _, l := range strings.Split(string(m), "\n") {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, l))
		if err != nil {
			report("HLS playlists valid", fmt.Sprintf("%s lists %s: %v", master, l, err))
			continue
		}
		lines := strings.Split(string(b), "\n")
		if len(lines) == 0 || strings.TrimSpace(lines[0]) != "#EXTM3U" || !bytes.Contains(b, []byte("#EXT-X-TARGETDURATION:")) {
			report("HLS playlists valid", fmt.Sprintf("%s: not a media playlist: %.200q", l, b))
			continue
		}
		for _, s := range lines {
			s = strings.TrimSpace(s)
			if v, ok := strings.CutPrefix(s, "#EXT-X-MEDIA-SEQUENCE:"); ok {
				n, _ := strconv.Atoi(v)
				if n < seq[l] {
					report("HLS playlists valid", fmt.Sprintf("%s: media sequence went back from %d to %d", l, seq[l], n))
				}
				seq[l] = n
			}
			if s == "" || strings.HasPrefix(s, "#") {
				continue
			}
			st, err := os.Stat(filepath.Join(dir, filepath.Dir(l), s))
			if err != nil || st.Size() == 0 {
				report("HLS playlists valid", fmt.Sprintf("%s lists segment %s, which is missing or empty (%v)", l, s, err))
			}
		}
	}
	return nil
}
