package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/decode"
	"github.com/onair-go/onair/encode"
	"github.com/onair-go/onair/filter"
	"github.com/onair-go/onair/mux"
)

// config is what the flags set.
type config struct {
	Out           string
	Duration      time.Duration
	Music, Image  string
	Colour, Font  string
	FontSize      int
	Width, Height int
	TrackLen      time.Duration
	Logger        *slog.Logger
	Titles        []string // titles of the tone tracks, in turn
}

func defaults() *config {
	return &config{
		Out: "station.mp4", Duration: time.Minute, Colour: "#1d3557",
		Font: "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", FontSize: 40,
		Width: 640, Height: 360, TrackLen: 20 * time.Second,
		Titles: []string{"Morning Tone - Sine Ensemble", "A Fifth Above - The Oscillators", "Closing Hum - 330 Hz"},
	}
}

// drawtext is the filter description that draws the title centred near
// the bottom of the picture.
func drawtext(cfg *config) string {
	return drawtextOf(cfg, `%{metadata\:title}`)
}

// drawtextOf draws text with the style of drawtext (the test renders the
// same with the ffmpeg program).
func drawtextOf(cfg *config, text string) string {
	return fmt.Sprintf("drawtext=fontfile='%s':text='%s':fontsize=%d:fontcolor=white:x=(w-text_w)/2:y=h-2*line_h",
		cfg.Font, text, cfg.FontSize)
}

// run renders cfg.Duration of the station to cfg.Out.
func run(ctx context.Context, cfg *config) error {
	if strings.ContainsRune(cfg.Font, '\'') {
		return errors.New("the font path must not contain a single quote")
	}
	format := onair.Format{Video: &onair.VideoFormat{Width: cfg.Width, Height: cfg.Height, FrameRate: onair.Rational{Num: 25, Den: 1}}}
	clk := onair.NewClock("render", &onair.ClockOptions{Kind: onair.Manual})
	g, err := onair.NewGraph(&onair.GraphOptions{Clock: clk, Format: format, Logger: cfg.Logger})
	if err != nil {
		return err
	}
	defer g.Close()
	fopts := &filter.Options{Format: &format, Logger: cfg.Logger}

	// The sound and the picture under the title.
	var show onair.Source
	if cfg.Music != "" {
		music, err := decode.Playlist(cfg.Music, &decode.PlaylistOptions{Logger: cfg.Logger})
		if err != nil {
			return fmt.Errorf("music folder: %w", err)
		}
		show = onair.MkSafe(music) // its own pictures: cover art, or black
	} else {
		var bg onair.Source
		if cfg.Image != "" {
			bg, err = filter.Image(cfg.Image, fopts)
		} else {
			bg, err = filter.Colour(cfg.Colour, fopts)
		}
		if err != nil {
			return err
		}
		sound := tracks(cfg, g.Format().Samples(cfg.TrackLen))
		show, err = onair.Multitrack([]onair.TrackSpec{{Name: onair.MainAudio, Source: sound}, {Name: onair.MainVideo, Source: bg}}, nil)
		if err != nil {
			return err
		}
	}
	titled, err := filter.NewVideo(show, drawtext(cfg), fopts)
	if err != nil {
		return err
	}
	defer titled.Close()

	// Encoded once, muxed to the file.
	aac, err := encode.Audio(titled, &encode.AudioOptions{Codec: "aac", BitRate: 128_000, Logger: cfg.Logger})
	if err != nil {
		return err
	}
	h264, err := encode.Video(titled, &encode.VideoOptions{Preset: "veryfast", Threads: 1, GOP: 50, Logger: cfg.Logger})
	if err != nil {
		return err
	}
	av, err := onair.Multitrack([]onair.TrackSpec{{Name: "video", Source: h264}, {Name: "audio", Source: aac}}, nil)
	if err != nil {
		return err
	}
	out, err := mux.File(av, cfg.Out, nil)
	if err != nil {
		return err
	}
	if err := g.Add(out); err != nil {
		return err
	}
	if err := g.Start(); err != nil {
		return err
	}
	ticks := int(cfg.Duration / g.Format().FrameDuration)
	for range ticks {
		if err := ctx.Err(); err != nil {
			return err
		}
		clk.Tick()
	}
	return g.Close() // drains the encoders and writes the trailer
}

// tracks is the tone station: a soft tone cut into tracks of n samples,
// each starting with a track mark and its title, in turn.
func tracks(cfg *config, n int) onair.Source {
	tone := onair.Sine(330, &onair.GenOptions{Amplitude: 0.2, ID: "tone"})
	pos, k := 0, 0
	return onair.NewNode(onair.GeneratorFunc(func(f *onair.Frame) error {
		start := f.Len()
		got := tone.Node().Pull(f)
		for ; k*n < pos+got; k++ {
			at := start + k*n - pos
			f.AddMark(at)
			f.AddMetadata(at, onair.Metadata{"title": cfg.Titles[k%len(cfg.Titles)]})
		}
		pos += got
		return nil
	}), &onair.NodeOptions{ID: "station", Children: []onair.Source{tone}})
}
