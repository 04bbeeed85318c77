// Command video gives an audio station a video rendition, for platforms
// that only take video: a still picture (a colour, or an image such as
// the station's logo) with the title of the track playing drawn on it,
// rendered to a file.
//
// This example shows how to:
//
//  1. make a still video source from a colour or an image (filter.Colour,
//     filter.Image);
//
//  2. join it to the station's sound, whose metadata carries the titles
//     (onair.Multitrack takes marks and metadata from the first track);
//
//  3. draw the now-playing title with FFmpeg's drawtext through
//     filter.NewVideo, which hands each picture the current metadata, so
//     that %{metadata\:title} follows the tracks;
//
//  4. encode once (H.264 + AAC) and mux to a file, stepping the clock
//     ourselves: rendering a file needs no real time.
//
//     tone tracks with titles (or -music) ─┬─────────────────────── AAC ──┐
//     colour (or -image) ──────────────────┴─ drawtext title ─────── H.264 ─┴─ file
//
// With -music, the folder's files play instead of the tone, and their own
// pictures (an MP3's cover art; black when a file has none) replace the
// colour.
//
//	go run ./examples/video -out station.mp4 -duration 60s
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"time"
)

func main() {
	cfg := defaults()
	flag.StringVar(&cfg.Out, "out", cfg.Out, "output file (its extension picks the container)")
	flag.DurationVar(&cfg.Duration, "duration", cfg.Duration, "length of the rendition")
	flag.StringVar(&cfg.Music, "music", "", "a folder of music to play instead of the tone")
	flag.StringVar(&cfg.Image, "image", "", "a picture to show instead of the colour")
	flag.StringVar(&cfg.Colour, "colour", cfg.Colour, "background colour, in FFmpeg's syntax")
	flag.StringVar(&cfg.Font, "font", cfg.Font, "font file for the title (no single quotes in the path)")
	flag.IntVar(&cfg.FontSize, "font-size", cfg.FontSize, "title size in pixels")
	flag.IntVar(&cfg.Width, "width", cfg.Width, "picture width")
	flag.IntVar(&cfg.Height, "height", cfg.Height, "picture height")
	flag.DurationVar(&cfg.TrackLen, "track", cfg.TrackLen, "length of each tone track")
	flag.Parse()
	cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	start := time.Now()
	if err := run(context.Background(), cfg); err != nil {
		fmt.Fprintln(os.Stderr, "video:", err)
		os.Exit(1)
	}
	fmt.Printf("wrote %s (%v of video) in %v\n", cfg.Out, cfg.Duration, time.Since(start).Round(time.Millisecond))
}
