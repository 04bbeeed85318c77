package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// trackSpec is one generated playlist entry: container, codec and source
// rate, so that the playlist mixes formats and needs resampling.
type trackSpec struct {
	ext, codec string
	args       []string // codec options
	rate       int
}

// formats cycles over the five formats of the workload; every other
// round uses 48 kHz where the format allows it, so that the decoder
// resamples part of the playlist to 44.1 kHz.
var formats = []trackSpec{
	{ext: "mp3", codec: "libmp3lame", args: []string{"-b:a", "192k"}, rate: 44100},
	{ext: "flac", codec: "flac", rate: 48000},
	{ext: "ogg", codec: "libvorbis", args: []string{"-q:a", "5"}, rate: 44100},
	{ext: "m4a", codec: "aac", args: []string{"-b:a", "192k"}, rate: 48000},
	{ext: "wav", codec: "pcm_s16le", rate: 44100},
}

// ensureMedia generates the playlist into dir once (a stamp file records
// the parameters and the ffmpeg version) and returns the paths in order.
func ensureMedia(dir string, total, each time.Duration, ffVersion string) ([]string, error) {
	n := int((total + each - 1) / each)
	if n < 1 {
		return nil, errors.New("empty playlist")
	}
	stamp := fmt.Sprintf("v1 tracks=%d each=%s ffmpeg=%s\n", n, each, ffVersion)
	sub := filepath.Join(dir, fmt.Sprintf("playlist-%dx%s", n, each))
	paths := make([]string, n)
	for i := range paths {
		f := formats[i%len(formats)]
		paths[i] = filepath.Join(sub, fmt.Sprintf("track%02d.%s", i+1, f.ext))
	}
	if b, err := os.ReadFile(filepath.Join(sub, "stamp")); err == nil && string(b) == stamp {
		return paths, nil
	}
	if err := os.MkdirAll(sub, 0o755); err != nil {
		return nil, err
	}
	fmt.Fprintf(os.Stderr, "generating %d tracks of %s into %s (once)\n", n, each, sub)
	for i, p := range paths {
		f := formats[i%len(formats)]
		rate := f.rate
		if (i/len(formats))%2 == 1 && f.ext != "mp3" && f.ext != "ogg" {
			rate = 44100 + 48000 - rate // the other of 44.1/48 kHz
		}
		if err := generate(p, f, rate, each, i); err != nil {
			return nil, err
		}
	}
	if err := os.WriteFile(filepath.Join(sub, "stamp"), []byte(stamp), 0o644); err != nil {
		return nil, err
	}
	return paths, nil
}

// generate writes one track: two different tones with pink noise on the
// left and right channels (so that stereo coding has real work to do).
func generate(path string, f trackSpec, rate int, d time.Duration, i int) error {
	sec := strconv.FormatFloat(d.Seconds(), 'f', 3, 64)
	r := strconv.Itoa(rate)
	f1, f2 := 110+37*i, 165+53*i
	graph := strings.Join([]string{
		fmt.Sprintf("sine=f=%d:r=%s:d=%s[s1]", f1, r, sec),
		fmt.Sprintf("sine=f=%d:r=%s:d=%s[s2]", f2, r, sec),
		fmt.Sprintf("anoisesrc=d=%s:c=pink:r=%s:a=0.15:seed=%d[n1]", sec, r, 2*i+1),
		fmt.Sprintf("anoisesrc=d=%s:c=pink:r=%s:a=0.15:seed=%d[n2]", sec, r, 2*i+2),
		"[s1][n1]amix=inputs=2[l]",
		"[s2][n2]amix=inputs=2[r]",
		"[l][r]amerge=inputs=2[out]",
	}, ";")
	args := []string{"-nostdin", "-hide_banner", "-v", "error", "-y", "-filter_complex", graph, "-map", "[out]",
		"-c:a", f.codec}
	args = append(args, f.args...)
	args = append(args, "-metadata", fmt.Sprintf("title=Track %d", i+1), path)
	cmd := exec.Command("ffmpeg", args...)
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("generating %s: %w", path, err)
	}
	return nil
}
