package main

import (
	"context"
	"fmt"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/decode"
	"github.com/onair-go/onair/encode"
	"github.com/onair-go/onair/filter"
	"github.com/onair-go/onair/mux"
	"github.com/onair-go/onair/mux/hls"
	"github.com/onair-go/onair/mux/rtmp"
	"github.com/onair-go/onair/mux/srt"
)

// station is the running graph and its outputs.
type station struct {
	graph     *onair.Graph
	title     *filter.Video // the now-playing title on the picture
	hls       *hls.Output
	rtmp      *rtmp.Output
	srt       *srt.Output
	rtmpShown string
}

// errs returns the errors the network outputs gave up on.
func (st *station) errs() []error {
	var l []error
	if st.rtmp != nil && st.rtmp.Err() != nil {
		l = append(l, st.rtmp.Err())
	}
	if st.srt != nil && st.srt.Err() != nil {
		l = append(l, st.srt.Err())
	}
	return l
}

const fps = 25

// build makes the graph. The S3 storage is checked now (credentials,
// bucket): a wrong key is an error at start, not a silent loop.
func build(ctx context.Context, cfg *config, cancel context.CancelFunc) (*station, error) {
	log := cfg.Logger
	format := onair.Format{Video: &onair.VideoFormat{Width: cfg.Width, Height: cfg.Height, FrameRate: onair.Rational{Num: fps, Den: 1}}}
	clk := onair.NewClock("tv", &onair.ClockOptions{Kind: cfg.Clock})
	g, err := onair.NewGraph(&onair.GraphOptions{Clock: clk, Format: format, Logger: log})
	if err != nil {
		return nil, err
	}
	st := &station{graph: g}
	fail := func(err error) (*station, error) {
		_ = g.Close()
		st.close()
		return nil, err
	}

	// Sound: the music folder, or a soft tone when there is none (or the
	// folder runs dry).
	var sound onair.Source = onair.Sine(220, &onair.GenOptions{Amplitude: 0.2, ID: "tone"})
	if cfg.Music != "" {
		music, err := decode.Playlist(cfg.Music, &decode.PlaylistOptions{Order: decode.Shuffle, Reload: decode.ReloadWatch, Logger: log})
		if err != nil {
			return fail(fmt.Errorf("music folder: %w", err))
		}
		fb, err := onair.Fallback([]onair.Source{music, sound}, nil)
		if err != nil {
			return fail(err)
		}
		sound = fb
	}
	// The picture: the test card with the title of the track playing. A
	// multitrack source brings the sound's metadata to the video (it takes
	// marks and metadata from its first track), and drawtext, run by
	// filter.NewVideo, draws the "title" of each picture's metadata.
	show, err := onair.Multitrack([]onair.TrackSpec{
		{Name: onair.MainAudio, Source: sound},
		{Name: onair.MainVideo, Source: testCard(cfg.Width, cfg.Height)},
	}, nil)
	if err != nil {
		return fail(err)
	}
	st.title, err = filter.NewVideo(show, titleFilter(cfg.Height, nowPlaying), &filter.Options{ID: "title", Format: &format, Logger: log})
	if err != nil {
		return fail(err)
	}
	picture := st.title

	// Encoded once each; every output copies the packets.
	aac, err := encode.Audio(sound, &encode.AudioOptions{Codec: "aac", BitRate: 128_000, ID: "aac", Logger: log})
	if err != nil {
		return fail(err)
	}
	gop := int(cfg.Segment.Seconds() * fps) // a keyframe on every segment boundary
	h264, err := encode.Video(picture, &encode.VideoOptions{GOP: gop, Preset: "veryfast", BitRate: 800_000, Threads: 1})
	if err != nil {
		return fail(err)
	}
	av, err := onair.Multitrack([]onair.TrackSpec{{Name: "video", Source: h264}, {Name: "audio", Source: aac}}, nil)
	if err != nil {
		return fail(err)
	}

	// HLS: a video+audio variant and an audio-only one, to a local
	// folder or to an S3 bucket.
	opts := &hls.Options{
		SegmentDuration: cfg.Segment, StateFile: "state.json", Logger: log,
		Variants: []hls.Variant{
			{Name: "tv", Tracks: mux.Only("video", "audio")},
			{Name: "radio", Tracks: mux.Only("audio")},
		},
	}
	if cfg.S3Bucket != "" {
		store, serr := hls.NewS3(ctx, &hls.S3Options{Endpoint: cfg.S3Endpoint, Bucket: cfg.S3Bucket, Prefix: cfg.S3Prefix, Logger: log})
		if serr != nil {
			return fail(serr)
		}
		st.hls, err = hls.NewWithStorage(av, store, opts)
	} else {
		st.hls, err = hls.New(av, hlsDir(cfg), opts)
	}
	if err != nil {
		return fail(err)
	}
	outputs := []onair.Source{st.hls}
	if cfg.RTMP != "" {
		st.rtmp, err = rtmp.New(av, cfg.RTMP, &rtmp.Options{Logger: log})
		if err != nil {
			return fail(err)
		}
		st.rtmpShown = cfg.RTMP
		outputs = append(outputs, st.rtmp)
	}
	if cfg.SRT != "" {
		st.srt, err = srt.New(av, cfg.SRT, &srt.Options{Logger: log})
		if err != nil {
			return fail(err)
		}
		outputs = append(outputs, st.srt)
	}
	if cfg.Duration > 0 {
		frames, n := int(cfg.Duration/g.Format().FrameDuration), 0
		outputs = append(outputs, onair.Sink(sound, func(*onair.Frame) error {
			if n++; n == frames {
				cancel()
			}
			return nil
		}, &onair.OutputOptions{ID: "stop-after"}))
	}
	if err := g.Add(outputs...); err != nil {
		return fail(err)
	}
	return st, nil
}

// nowPlaying is drawtext's expansion of the title of each picture's
// metadata.
const nowPlaying = `%{metadata\:title}`

// titleFilter draws text centred at the bottom of the picture, on a
// half-transparent band, in fontconfig's default sans-serif font.
func titleFilter(height int, text string) string {
	return fmt.Sprintf(`drawtext=text='%s':fontsize=%d:fontcolor=white:box=1:boxcolor=black@0.5:boxborderw=%d:x=(w-text_w)/2:y=h-2*line_h`,
		text, max(12, height/12), max(2, height/60))
}

// close frees what the graph does not own: the title's filter graph.
func (st *station) close() {
	if st.title != nil {
		_ = st.title.Close()
	}
}

// testCard is a source of colour bars with a white bar that steps across
// five times a second, one picture per video frame. The 16 pictures are
// made once and shared by the frames (pictures are immutable).
func testCard(w, h int) *onair.Node {
	colours := [][3]byte{{235, 128, 128}, {210, 16, 146}, {170, 166, 16}, {145, 54, 34}, {106, 202, 222}, {81, 90, 240}, {41, 240, 110}, {16, 128, 128}}
	cards := make([]onair.Picture, 16) // one per bar position
	pos, frame := 0, 0
	make1 := func(k int) onair.Picture {
		y, u, v := make([]byte, w*h), make([]byte, w*h/4), make([]byte, w*h/4)
		for r := range h {
			for c := range w {
				col := colours[c*len(colours)/w]
				if c*len(cards)/w == k {
					col = [3]byte{235, 128, 128}
				}
				y[r*w+c] = col[0]
				if r%2 == 0 && c%2 == 0 {
					u[(r/2)*(w/2)+c/2], v[(r/2)*(w/2)+c/2] = col[1], col[2]
				}
			}
		}
		return onair.Picture{Width: w, Height: h, PixelFormat: "yuv420p", Planes: [4][]byte{y, u, v}, Strides: [4]int{w, w / 2, w / 2}}
	}
	return onair.NewNode(onair.GeneratorFunc(func(f *onair.Frame) error {
		fm := f.Format()
		per := fm.SampleRate * fm.Video.FrameRate.Den / fm.Video.FrameRate.Num
		start := f.Len()
		n := f.Extend(f.Free())
		for i := range n {
			if (pos+i)%per == 0 {
				k := (frame / 5) % len(cards)
				if cards[k].Width == 0 {
					cards[k] = make1(k)
				}
				p := cards[k]
				p.Pos = start + i
				f.AddPicture("video", p)
				frame++
			}
		}
		pos += n
		return nil
	}), &onair.NodeOptions{ID: "test-card"})
}
