// This example shows how to:
//  1. build a small source graph: a 440 Hz tone cut into 2-second tracks
//     with metadata, made safe and amplified;
//  2. encode it once to MP3 with a shared encoder (encode.Audio);
//  3. write the encoded track to a file with mux.File;
//  4. run the graph on a free-running clock for a given stream time;
//  5. describe the result with ffprobe.
//
// Run it, once FFmpeg 7.1 is provisioned ("make ffmpeg", and
// eval "$(scripts/ffmpeg.sh env)" in the shell), with
// go run ./examples/tone -out out/tone.mp3 -duration 10s.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/encode"
	"github.com/onair-go/onair/mux"
)

func main() {
	out := flag.String("out", "out/tone.mp3", "output file (container from the extension)")
	dur := flag.Duration("duration", 10*time.Second, "stream time to encode")
	flag.Parse()
	if err := run(*out, *dur); err != nil {
		fmt.Fprintln(os.Stderr, "tone:", err)
		os.Exit(1)
	}
}

func run(path string, d time.Duration) error {
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	clk := onair.NewClock("render", &onair.ClockOptions{Kind: onair.FreeRunning})
	g, err := onair.NewGraph(&onair.GraphOptions{Clock: clk, Logger: log})
	if err != nil {
		return err
	}
	tone := onair.Sine(440, &onair.GenOptions{
		Amplitude: 0.5,
		Duration:  2 * time.Second,
		Metadata:  onair.Metadata{"title": "A440", "artist": "onair"},
	})
	tone.OnTrack(func(m onair.Metadata) { fmt.Printf("new track: %s - %s\n", m["artist"], m["title"]) })
	mp3, err := encode.Audio(tone, &encode.AudioOptions{Codec: "libmp3lame", BitRate: 128_000})
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	file, err := mux.File(mp3, path, nil)
	if err != nil {
		return err
	}
	// Stop after d of stream time: a dummy output counts the ticks.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	frames := int(d / g.Format().FrameDuration)
	n := 0
	stop := onair.Sink(tone, func(*onair.Frame) error {
		if n++; n >= frames {
			cancel()
		}
		return nil
	}, &onair.OutputOptions{ID: "stopper"})
	if err := g.Add(file, stop); err != nil {
		return err
	}
	start := time.Now()
	if err := g.Run(ctx); err != nil && ctx.Err() == nil {
		return err
	}
	st := mp3.Stats()
	fmt.Printf("encoded %v of audio in %v (%d encoder calls) to %s\n", d, time.Since(start).Round(time.Millisecond), st.Encodes, path)
	probe := exec.Command("ffprobe", "-v", "error", "-show_entries",
		"format=format_name,duration,bit_rate:stream=codec_name,sample_rate,channels", "-of", "default=noprint_wrappers=1", path)
	probe.Stdout, probe.Stderr = os.Stdout, os.Stderr
	if err := probe.Run(); err != nil {
		return fmt.Errorf("ffprobe: %w", err)
	}
	return nil
}
