package chaos

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// The generated media: tones (sines at 0.5 of full scale, 60 to 220 Hz)
// so that the material's own sample-to-sample step is small and known,
// and any cut is a step many times larger.
const (
	toneAmp     = 0.5
	toneMinFreq = 60.0
	toneMaxFreq = 220.0
	jingleFreq  = 150.0
	djFreq      = 180.0
)

// library is the generated music: the files the playlist starts with,
// spare files used to replace them while queued or playing, the jingle
// and the DJ's set.
type library struct {
	musicDir string
	files    []string // in musicDir
	spares   []string // outside musicDir
	jingle   string
	djSet    string
}

var formats = []struct{ ext, codec string }{
	{".mp3", "libmp3lame"}, {".ogg", "libvorbis"}, {".flac", "flac"}, {".wav", "pcm_s16le"},
}

// ffmpegPath finds the ffmpeg program (the one scripts/ffmpeg.sh env puts
// first in PATH).
func ffmpegPath() (string, error) {
	p, err := exec.LookPath("ffmpeg")
	if err != nil {
		return "", fmt.Errorf("chaos: the ffmpeg program is not in PATH (run eval \"$(scripts/ffmpeg.sh env)\"): %w", err)
	}
	return p, nil
}

// tone writes a file of a sine of freq Hz lasting d, with a title tag.
func tone(ctx context.Context, ffmpeg, path string, freq float64, d time.Duration, codec, title string) error {
	args := []string{"-nostdin", "-v", "error", "-y",
		"-f", "lavfi", "-i", fmt.Sprintf("sine=frequency=%g:sample_rate=44100:duration=%.3f", freq, d.Seconds()),
		"-af", fmt.Sprintf("volume=%g", toneAmp*8), // lavfi's sine is at 1/8 of full scale
		"-ac", "2", "-c:a", codec, "-metadata", "title=" + title}
	if codec == "libmp3lame" {
		args = append(args, "-b:a", "128k")
	}
	args = append(args, path)
	out, err := exec.CommandContext(ctx, ffmpeg, args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("chaos: ffmpeg %s: %v: %s", filepath.Base(path), err, strings.TrimSpace(string(out)))
	}
	return nil
}

// makeLibrary generates the music into dir (about n tracks, 3 to 40 s,
// some shorter than the crossfade), spares, the jingle and the DJ's set.
func makeLibrary(ctx context.Context, dir string, seed uint64, n int) (*library, error) {
	ffmpeg, err := ffmpegPath()
	if err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(seed, 10))
	lib := &library{musicDir: filepath.Join(dir, "music")}
	if err := os.MkdirAll(lib.musicDir, 0o755); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Join(dir, "spare"), 0o755); err != nil {
		return nil, err
	}
	for i := range n + n/2 {
		f := formats[i%len(formats)]
		d := time.Duration(3+rng.IntN(37)) * time.Second
		if rng.IntN(6) == 0 {
			d = time.Duration(300+rng.IntN(2000)) * time.Millisecond // shorter than the fades
		}
		freq := toneMinFreq + rng.Float64()*(toneMaxFreq-toneMinFreq)
		where, name := lib.musicDir, fmt.Sprintf("track%02d%s", i, f.ext)
		if i >= n {
			where = filepath.Join(dir, "spare")
		}
		p := filepath.Join(where, name)
		if err := tone(ctx, ffmpeg, p, freq, d, f.codec, name); err != nil {
			return nil, err
		}
		if i < n {
			lib.files = append(lib.files, p)
		} else {
			lib.spares = append(lib.spares, p)
		}
	}
	lib.jingle = filepath.Join(dir, "jingle.wav")
	if err := tone(ctx, ffmpeg, lib.jingle, jingleFreq, 4*time.Second, "pcm_s16le", "jingle"); err != nil {
		return nil, err
	}
	lib.djSet = filepath.Join(dir, "djset.mp3")
	if err := tone(ctx, ffmpeg, lib.djSet, djFreq, 20*time.Second, "libmp3lame", "dj set"); err != nil {
		return nil, err
	}
	return lib, nil
}

// fileFault damages a music file the way a library does in real life;
// it returns what it did, for the log and the table.
func (lib *library) fileFault(rng *rand.Rand) (kind string, err error) {
	entries, err := os.ReadDir(lib.musicDir)
	if err != nil {
		return "", err
	}
	if len(entries) < 3 {
		kind = "file restored"
		src := lib.spares[rng.IntN(len(lib.spares))]
		return kind, copyFile(src, filepath.Join(lib.musicDir, fmt.Sprintf("restored%d%s", rng.IntN(1000), filepath.Ext(src))))
	}
	p := filepath.Join(lib.musicDir, entries[rng.IntN(len(entries))].Name())
	st, err := os.Stat(p)
	if err != nil {
		return "", err
	}
	switch rng.IntN(4) {
	case 0:
		return "file truncated", os.Truncate(p, st.Size()/3)
	case 1: // the head overwritten: the file no longer probes
		f, err := os.OpenFile(p, os.O_WRONLY, 0)
		if err != nil {
			return "", err
		}
		_, err = f.WriteAt(make([]byte, min(st.Size(), 64<<10)), 0)
		return "file corrupted", errorsJoin(err, f.Close())
	case 2:
		return "file deleted", os.Remove(p)
	default: // rewritten in place, as a careless sync tool does
		return "file replaced", copyFile(lib.spares[rng.IntN(len(lib.spares))], p)
	}
}

func copyFile(src, dst string) error {
	b, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	return os.WriteFile(dst, b, 0o644)
}

func errorsJoin(a, b error) error {
	if a != nil {
		return a
	}
	return b
}
