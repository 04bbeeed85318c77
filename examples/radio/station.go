package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"time"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/control"
	"github.com/onair-go/onair/decode"
	"github.com/onair-go/onair/decode/analysis"
	"github.com/onair-go/onair/dynamics"
	"github.com/onair-go/onair/encode"
	"github.com/onair-go/onair/fault"
	"github.com/onair-go/onair/loudness"
	"github.com/onair-go/onair/metrics"
	"github.com/onair-go/onair/mux"
	"github.com/onair-go/onair/mux/hls"
	"github.com/onair-go/onair/mux/icecast"
	"github.com/onair-go/onair/mux/listen"
	"github.com/prometheus/client_golang/prometheus"
)

// config is what the flags set.
type config struct {
	Dir      string          // work folder: generated music, HLS output
	Music    string          // music folder; "" plays the generated tracks
	Addr     string          // HTTP address of the HLS files and the mounts
	Icecast  string          // Icecast mount URL to send the MP3 to; "" for none
	Duration time.Duration   // stream time to run for; 0 runs until ctx ends
	Clock    onair.ClockKind // RealTime on air; FreeRunning in tests
	Latency  time.Duration   // how far ahead of the wall clock the clock may run; 0: one frame
	Segment  time.Duration   // HLS segment duration
	Out      io.Writer       // where the URLs and the titles are printed
	Closing  io.Writer       // where the closing line is printed; nil: Out
	Token    string          // bearer token of the control API
	Logger   *slog.Logger

	// analysis, when set, is the analysis cache, shared by the stations
	// of one process (runMany); nil: the station's own, in Dir.
	analysis *analysis.Cache

	// ready, when set, is called with the base URL once the HTTP server
	// listens (tests connect listeners then).
	ready func(base string)
}

// the three renditions, encoded once each and shared by every output.
var renditions = []struct {
	track, codec string
	bitRate      int64
}{
	{"audio_aac_low", "aac", 48_000},
	{"audio_aac_high", "aac", 192_000},
	{"audio_mp3", "libmp3lame", 128_000},
}

// the listener mounts: path, rendition track.
var mounts = []struct{ path, track string }{
	{"/radio.mp3", "audio_mp3"},
	{"/radio.aac", "audio_aac_high"},
	{"/radio-low.aac", "audio_aac_low"},
}

// station is the running graph and its servers.
type station struct {
	cfg    *config
	graph  *onair.Graph
	hls    *hls.Output
	listen *listen.Server

	// Operating the station (page.go): control API, metrics, live page.
	ctl      *control.Controller
	metrics  *metrics.Collector
	faults   *fault.Counter
	log      *slog.Logger // the components' logger: cfg.Logger under the fault counter
	registry *prometheus.Registry
	skip     string // the source the page's skip button skips
}

// build makes the graph:
//
//	playlist ─ normalize ─┐
//	                      ├─ fallback ─ crossfade ─ limit ─┬─ AAC 48k ──┐
//	jingle ───────────────┘                                ├─ AAC 192k ─┼─ multitrack ─┬─ HLS (2 AAC variants)
//	                                                       └─ MP3 128k ─┘              ├─ 3 listener mounts
//	                                                                                   └─ Icecast (optional)
//
// Each song is analysed once (cached in the work folder) before it plays:
// its loudness, for normalize (-14 LUFS), and its cue points, which trim
// its silences and tell the crossfade where to start.
func build(cfg *config, musicDir, jingle string, cancel context.CancelFunc) (st *station, err error) {
	// Every fault the station survives (a bad file skipped, a reconnection,
	// a listener dropped, a clock reset) is one log record with an "event"
	// attribute; the fault counter under the logger counts them for the
	// metrics (onair_faults_total).
	faults := &fault.Counter{}
	var next slog.Handler
	if cfg.Logger != nil {
		next = cfg.Logger.Handler()
	}
	log := slog.New(faults.Handler(next))
	clk := onair.NewClock("station", &onair.ClockOptions{Kind: cfg.Clock, Latency: cfg.Latency})
	g, err := onair.NewGraph(&onair.GraphOptions{Clock: clk, Logger: log})
	if err != nil {
		return nil, err
	}
	st = &station{cfg: cfg, graph: g, faults: faults, log: log}
	defer closeOnError(g, &err)

	// The music, normalized, with the jingle as its safe fallback.
	music, err := st.music(musicDir, jingle)
	if err != nil {
		return nil, err
	}
	// The crossfade reads each track's Duration ahead: the longest fade.
	xf, err := onair.Crossfade(music, &onair.CrossfadeOptions{Duration: 3 * time.Second, FadeIn: 2 * time.Second, FadeOut: 3 * time.Second, Logger: log})
	if err != nil {
		return nil, err
	}
	xf.Node().OnTrack(func(m onair.Metadata) { fmt.Fprintf(cfg.Out, "now playing: %s\n", m.Song()) })
	// On air, a look-ahead limiter keeps the true peak under -1 dBTP.
	air, err := dynamics.Limit(xf, nil)
	if err != nil {
		return nil, err
	}
	multi, encoders, err := encodeRenditions(air, log)
	if err != nil {
		return nil, err
	}
	outputs, err := st.outputs(multi, air, cancel)
	if err != nil {
		return nil, err
	}
	if err := g.Add(outputs...); err != nil {
		return nil, err
	}
	return st, st.operate(xf, encoders)
}

// closeOnError closes g when *err is set: the graph of a failed build.
func closeOnError(g *onair.Graph, err *error) {
	if *err != nil {
		_ = g.Close()
	}
}

// music is the station's program before the crossfade: the music folder,
// watched for added and removed files, shuffled each round, each song
// analysed once and normalized; a jingle that loops when there is no
// music.
func (st *station) music(musicDir, jingle string) (onair.Source, error) {
	log := st.log
	cache := st.cfg.analysis
	if cache == nil {
		var err error
		if cache, err = analysis.NewCache(filepath.Join(st.cfg.Dir, "analysis"), nil, log); err != nil {
			return nil, err
		}
	}
	music, err := decode.Playlist(musicDir, &decode.PlaylistOptions{
		Order: decode.Shuffle, Reload: decode.ReloadWatch, Logger: log, Prepare: cache.Prepare, TrimSilence: true,
		OnFail: func(path string, err error) {
			fmt.Fprintf(st.cfg.Out, "skipping %s: %v\n", path, err)
		},
	})
	if err != nil {
		return nil, fmt.Errorf("music folder: %w", err)
	}
	safe, err := decode.Single(jingle, &decode.SingleOptions{Logger: log})
	if err != nil {
		return nil, fmt.Errorf("jingle: %w", err)
	}
	norm, err := loudness.Normalize(music, nil)
	if err != nil {
		return nil, err
	}
	return onair.Fallback([]onair.Source{norm, safe}, nil)
}

// encodeRenditions encodes src once per rendition (shared encoders) and
// gathers the encodings into one multitrack source whose tracks are
// named after the renditions.
func encodeRenditions(src onair.Source, log *slog.Logger) (onair.Source, []*encode.Shared, error) {
	var specs []onair.TrackSpec
	var encoders []*encode.Shared
	for _, r := range renditions {
		enc, err := encode.Audio(src, &encode.AudioOptions{Codec: r.codec, BitRate: r.bitRate, Track: r.track, ID: r.track, Logger: log})
		if err != nil {
			return nil, nil, err
		}
		encoders = append(encoders, enc)
		specs = append(specs, onair.TrackSpec{Name: r.track, Source: enc})
	}
	multi, err := onair.Multitrack(specs, nil)
	return multi, encoders, err
}

// outputs makes the station's outputs of the renditions in multi: HLS
// with the two AAC renditions as variants of one master playlist, a
// listener mount per rendition on the embedded server, Icecast when
// asked, and a counter of air's ticks that stops the station after
// cfg.Duration of stream time.
func (st *station) outputs(multi, air onair.Source, cancel context.CancelFunc) ([]onair.Source, error) {
	cfg := st.cfg
	// The MP3 rendition is left out of HLS: players switch between
	// variants, and some (Chromium's native HLS) stall on a master whose
	// variants differ in codec.
	var err error
	st.hls, err = hls.New(multi, filepath.Join(cfg.Dir, "hls"), &hls.Options{
		Variants: []hls.Variant{
			{Name: "aac_high", Tracks: mux.Only("audio_aac_high")},
			{Name: "aac_low", Tracks: mux.Only("audio_aac_low")},
		},
		SegmentDuration: cfg.Segment,
		StateFile:       "state.json",
		Logger:          st.log,
	})
	if err != nil {
		return nil, err
	}
	st.listen, err = listen.NewServer(&listen.Options{Addr: cfg.Addr, Logger: st.log})
	if err != nil {
		return nil, err
	}
	outputs := []onair.Source{st.hls}
	for _, m := range mounts {
		mt, err := st.listen.Mount(m.path, multi, &listen.MountOptions{
			Track: m.track, Name: "onair demo radio", Description: "a station built with onair", Genre: "demo",
		})
		if err != nil {
			return nil, err
		}
		outputs = append(outputs, mt)
	}
	if cfg.Icecast != "" {
		ice, err := icecast.New(multi, &icecast.Options{
			URL: cfg.Icecast, Tracks: mux.Only("audio_mp3"), Format: "mp3", Name: "onair demo radio", Logger: st.log,
		})
		if err != nil {
			return nil, fmt.Errorf("icecast: %w", err)
		}
		outputs = append(outputs, ice)
	}
	if cfg.Duration > 0 {
		frames, n := int(cfg.Duration/st.graph.Format().FrameDuration), 0
		outputs = append(outputs, onair.Sink(air, func(*onair.Frame) error {
			if n++; n == frames {
				cancel()
			}
			return nil
		}, &onair.OutputOptions{ID: "stop-after"}))
	}
	return outputs, nil
}

// serve starts the HTTP server of the station: the listener mounts, the
// HLS files under /hls/, and a small page at /. It returns the base URL.
func (st *station) serve(ctx context.Context, addr string, errc chan<- error) (string, *http.Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", nil, err
	}
	hm := http.NewServeMux()
	hm.Handle("/hls/", http.StripPrefix("/hls", st.hls.Handler()))
	st.routes(hm) // the live page, /api/ and /metrics
	hm.Handle("/", st.listen)
	srv := &http.Server{Handler: hm, ReadHeaderTimeout: 10 * time.Second, BaseContext: func(net.Listener) context.Context { return ctx }}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			errc <- err
		}
	}()
	return "http://" + ln.Addr().String(), srv, nil
}
