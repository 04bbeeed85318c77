package main

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"time"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/decode"
	"github.com/onair-go/onair/decode/analysis"
	"github.com/onair-go/onair/dynamics"
	"github.com/onair-go/onair/internal/pcmtest"
	"github.com/onair-go/onair/loudness"
)

// playlist generates minutes of songs (3 minutes each, at peak levels
// from -1 to -18 dBFS, with 2 s of silence at both ends), analyses them
// into a cache, plays them through Normalize (-14 LUFS) and Limit (-1
// dBTP) and prints each song's loudness and true peak at the output.
// maxGain is Normalize's MaxGain (0: its default, 12 dB).
func playlist(minutes int, maxGain float64) error {
	dir, err := os.MkdirTemp("", "benchloudness-playlist")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	levels := []float64{-1, -6, -12, -18, -3, -9, -15, -2}
	var paths []string
	for i := 0; i*3 < minutes; i++ {
		lv := levels[i%len(levels)]
		music := pcmtest.Music(rate, 2, lv, 176, uint64(i+20))
		audio := make([][]float32, 2)
		for c := range audio {
			audio[c] = append(append(make([]float32, 2*rate), music[c]...), make([]float32, 2*rate)...)
		}
		p := filepath.Join(dir, fmt.Sprintf("song%02d.wav", i))
		if err := pcmtest.WriteWAV(p, rate, audio); err != nil {
			return err
		}
		paths = append(paths, p)
	}
	cache, err := analysis.NewCache(filepath.Join(dir, "cache"), nil, nil)
	if err != nil {
		return err
	}
	start := time.Now()
	if err := cache.Warm(context.Background(), paths); err != nil {
		return err
	}
	fmt.Printf("\n%d songs, %d min: analysed in %v\n", len(paths), len(paths)*3, time.Since(start).Round(time.Millisecond))
	pl, err := decode.PlaylistOf(paths, &decode.PlaylistOptions{Once: true, Synchronous: true, Prepare: cache.Prepare})
	if err != nil {
		return err
	}
	defer pl.Close()
	norm, err := loudness.Normalize(pl, &loudness.NormalizeOptions{MaxGain: maxGain})
	if err != nil {
		return err
	}
	lim, err := dynamics.Limit(norm, nil)
	if err != nil {
		return err
	}
	var per []loudness.Values
	m, err := loudness.Meter(lim, &loudness.MeterOptions{PerTrack: true, OnTrack: func(v loudness.Values) { per = append(per, v) }})
	if err != nil {
		return err
	}
	clk := onair.NewClock("bench", &onair.ClockOptions{Kind: onair.Manual})
	g, err := onair.NewGraph(&onair.GraphOptions{Clock: clk, SyncCallbacks: true, Format: onair.Format{SampleRate: rate}})
	if err != nil {
		return err
	}
	defer g.Close()
	if err := g.Add(onair.Sink(m, func(*onair.Frame) error { return nil }, &onair.OutputOptions{Fallible: true})); err != nil {
		return err
	}
	if err := g.Start(); err != nil {
		return err
	}
	start = time.Now()
	for !m.Node().Ended() {
		clk.Tick()
	}
	fmt.Printf("played through normalize and limit in %v\n", time.Since(start).Round(time.Millisecond))
	worst, tp := 0.0, math.Inf(-1)
	for i, v := range per {
		fmt.Printf("song %2d (peak %4.0f dBFS): %6.2f LUFS, true peak %5.2f dBTP, %v\n", i, levels[i%len(levels)], v.Integrated, v.TruePeak, v.Duration.Round(time.Millisecond))
		worst, tp = max(worst, math.Abs(v.Integrated+14)), max(tp, v.TruePeak)
	}
	fmt.Printf("largest distance from -14 LUFS: %.2f LU; highest true peak %.2f dBTP\n", worst, tp)
	return nil
}
