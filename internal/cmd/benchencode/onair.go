package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/pprof"
	"sync/atomic"
	"time"

	"github.com/asticode/go-astiav"
	"github.com/onair-go/onair"
	"github.com/onair-go/onair/decode"
	"github.com/onair-go/onair/encode"
	"github.com/onair-go/onair/mux"
)

// runOnair is the onair side of the benchmark, run in a child process so
// that its rusage is its own: the playlist decoded once (resampled to
// the graph's 44.1 kHz stereo), three shared encoders, three files, on a
// free-running clock, until the playlist ends.
func runOnair(files []string, out, cpuprofile string) error {
	if len(files) == 0 || out == "" {
		return errors.New("-child needs -out and files")
	}
	if cpuprofile != "" {
		f, err := os.Create(cpuprofile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	astiav.SetLogLevel(astiav.LogLevelError) // as ffmpeg -v error
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	clk := onair.NewClock("bench", &onair.ClockOptions{Kind: onair.FreeRunning})
	g, err := onair.NewGraph(&onair.GraphOptions{Clock: clk, Logger: log, Format: onair.Format{SampleRate: 44100, Channels: 2}})
	if err != nil {
		return err
	}
	pl, err := decode.PlaylistOf(files, &decode.PlaylistOptions{Once: true, Logger: log})
	if err != nil {
		return err
	}
	defer pl.Close()
	var outputs []onair.Source
	var encs []*encode.Shared
	for _, r := range renditions {
		rate := map[string]int64{"48k": 48000, "192k": 192000, "128k": 128000}[r.bitrate]
		enc, err := encode.Audio(pl, &encode.AudioOptions{Codec: r.codec, BitRate: rate, ID: r.name, Logger: log})
		if err != nil {
			return err
		}
		o, err := mux.File(enc, filepath.Join(out, r.file), &mux.FileOptions{Options: mux.Options{ID: "file." + r.name, Fallible: true, Logger: log}})
		if err != nil {
			return err
		}
		encs = append(encs, enc)
		outputs = append(outputs, o)
	}
	// The playlist plays once; stop the clock after its last frame (this
	// output comes last, so the files got that frame).
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var short atomic.Int64
	stop := onair.Sink(pl, func(f *onair.Frame) error {
		if f.Len() < f.Size() {
			short.Add(1)
		}
		if pl.Node().Ended() {
			cancel()
		}
		return nil
	}, &onair.OutputOptions{ID: "stopper", Fallible: true})
	if err := g.Add(append(outputs, stop)...); err != nil {
		return err
	}
	start := time.Now()
	if err := g.Run(ctx); err != nil && ctx.Err() == nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "onair: %d ticks in %v, %d short frames", clk.Ticks(), time.Since(start).Round(time.Millisecond), short.Load())
	for i, e := range encs {
		st := e.Stats()
		fmt.Fprintf(os.Stderr, "; %s: %d encodes, %d streams", renditions[i].name, st.Encodes, st.Streams)
	}
	fmt.Fprintln(os.Stderr)
	return nil
}
