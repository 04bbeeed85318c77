// Command radio is onair's main example: a complete station in one
// program, with no external server.
//
//	playlist (a folder, watched) with a jingle as the safe fallback
//	→ crossfade
//	→ three shared encodings: AAC 48k, AAC 192k, MP3 128k (each encoded once)
//	→ HLS with two AAC variants, served over HTTP
//	→ three listener mounts on the embedded server (/radio.mp3, /radio.aac, /radio-low.aac)
//	→ an Icecast server too, when -icecast gives a mount URL
//
// Without -music it plays a few tracks it generates on its first run (with
// onair's own standalone Encoder) into -dir. It prints the URLs and each
// title as it starts; Ctrl-C stops it cleanly (the HLS playlists get
// EXT-X-ENDLIST, files are closed); -duration stops it after that much
// stream time.
//
// Run it with "make demo", or:
//
//	go run ./examples/radio -addr 127.0.0.1:8000
//
// and listen with a browser (http://127.0.0.1:8000/), mpv or VLC
// (mpv http://127.0.0.1:8000/radio.mp3), or ffplay
// (ffplay http://127.0.0.1:8000/hls/master.m3u8).
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"syscall"
	"time"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/avlog"
)

func main() {
	cfg := config{Clock: onair.RealTime, Out: os.Stdout}
	flag.StringVar(&cfg.Dir, "dir", "out/radio", "work folder: generated music and the HLS files")
	flag.StringVar(&cfg.Music, "music", "", "music folder (default: tracks generated into -dir on the first run)")
	flag.StringVar(&cfg.Addr, "addr", "127.0.0.1:8000", "HTTP address of the mounts and the HLS files")
	flag.StringVar(&cfg.Icecast, "icecast", "", "also send the MP3 to this Icecast mount URL (http://source:password@host:port/mount.mp3)")
	flag.DurationVar(&cfg.Duration, "duration", 0, "stop after this much stream time (default: run until Ctrl-C)")
	flag.DurationVar(&cfg.Segment, "segment", 4*time.Second, "HLS segment duration")
	// The clock runs up to -latency ahead of the wall clock and then sleeps:
	// one wake-up per 100 ms of audio instead of one per 20 ms frame. The
	// encoders take 100 ms at a time anyway (encode.AudioOptions.HandOff),
	// the listeners and HLS do not see the difference, and a tick that a
	// busy machine delays eats into that lead before the clock is late.
	flag.DurationVar(&cfg.Latency, "latency", 100*time.Millisecond, "how far ahead of the wall clock the station's clock may run before it sleeps (less: fewer bursts, more wake-ups)")
	flag.StringVar(&cfg.Token, "token", "", "bearer token of the control API (default: a random one, printed)")
	verbose := flag.Bool("v", false, "log at Info level (default: warnings and errors)")
	free := flag.Bool("free", false, "run on a free-running clock, as fast as the machine can (with -duration: a quick offline run)")
	stations := flag.Int("stations", 1, "run this many stations in one process, each its own graph, clock and HTTP server on a free port, with folders under -dir (make bench-stations)")
	stagger := flag.Duration("stagger", 250*time.Millisecond, "with -stations: the time between two stations' starts")
	flag.Parse()
	if *free {
		cfg.Clock = onair.FreeRunning
	}
	level := slog.LevelWarn
	if *verbose {
		level = slog.LevelInfo
	}
	cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	// FFmpeg's own messages go to the same logger: errors only, unless -v
	// (decoders warn about harmless things such as MP3 padding).
	ffLevel := slog.LevelError
	if *verbose {
		ffLevel = slog.LevelWarn
	}
	avlog.Route(cfg.Logger, ffLevel)

	// A station runs for months, mostly waiting: it trades a little GC
	// work for a smaller heap (the Go default, 100, lets the heap grow to
	// twice what is live).
	debug.SetGCPercent(50)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	if *stations > 1 {
		err = runMany(ctx, &cfg, *stations, *stagger)
	} else {
		err = run(ctx, &cfg)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "radio:", err)
		os.Exit(1)
	}
}

// run plays the station until ctx ends or cfg.Duration of stream time has
// played, then closes everything: the graph (encoders drained, HLS
// playlists ended), the listeners and the HTTP server.
func run(ctx context.Context, cfg *config) error {
	musicDir, jingle, err := ensureMusic(cfg.Dir, cfg.Music == "")
	if err != nil {
		return err
	}
	if cfg.Music != "" {
		musicDir = cfg.Music
	}
	if cfg.Token == "" {
		cfg.Token = newToken()
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	st, err := build(cfg, musicDir, jingle, cancel)
	if err != nil {
		return err
	}
	errc := make(chan error, 1)
	base, srv, err := st.serve(ctx, cfg.Addr, errc)
	if err != nil {
		return fmt.Errorf("%w (another program may use %s: try -addr 127.0.0.1:0)", err, cfg.Addr)
	}
	fmt.Fprintf(cfg.Out, "onair demo radio on air, music from %s\n", musicDir)
	fmt.Fprintf(cfg.Out, "  web page:  %s/#token=%s\n", base, cfg.Token)
	fmt.Fprintf(cfg.Out, "  status:    %s/api/status (events: %s/api/events)\n", base, base)
	fmt.Fprintf(cfg.Out, "  metrics:   %s/metrics\n", base)
	fmt.Fprintf(cfg.Out, "  token:     %s (curl -H 'Authorization: Bearer %s' -H 'Content-Type: application/json' -d '{\"source\":\"%s\"}' %s/api/skip)\n",
		cfg.Token, cfg.Token, st.skip, base)
	for _, m := range mounts {
		fmt.Fprintf(cfg.Out, "  mount:     %s%s\n", base, m.path)
	}
	fmt.Fprintf(cfg.Out, "  HLS:       %s/hls/%s (files in %s)\n", base, st.hls.Master(), st.hls.Dir())
	if cfg.Icecast != "" {
		fmt.Fprintf(cfg.Out, "  Icecast:   %s\n", cfg.Icecast)
	}
	if cfg.ready != nil {
		cfg.ready(base)
	}

	ctlDone := make(chan struct{})
	go func() { defer close(ctlDone); _ = st.ctl.Run(ctx) }() // listener, output and lag events
	lagDone := make(chan time.Duration, 1)
	go func() { lagDone <- largestLag(ctx, st.graph) }()
	start := time.Now()
	runErr := make(chan error, 1)
	go func() { runErr <- st.graph.Run(ctx) }()
	select {
	case err = <-runErr:
	case err = <-errc:
		cancel()
		<-runErr
	}
	if ctx.Err() != nil {
		err = nil // stopped by Ctrl-C or -duration: not a failure
	}
	// Close the graph first (it ends the HLS playlists and the mounts'
	// streams), then the listeners and the HTTP server.
	closeErr := st.graph.Close()
	cancel()
	<-ctlDone
	lag := <-lagDone
	_ = st.ctl.Close() // ends the event streams, so that Shutdown does not wait for them
	_ = st.listen.Close()
	sctx, scancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer scancel()
	_ = srv.Shutdown(sctx)
	cs := st.graph.Status()[0]
	closing := cfg.Closing
	if closing == nil {
		closing = cfg.Out
	}
	fmt.Fprintf(closing, "stopped after %s (%s of stream time, largest clock lag %s, %d resets); HLS files in %s\n",
		time.Since(start).Round(time.Millisecond), cs.Time.Round(time.Millisecond), lag, cs.Resets, filepath.Join(cfg.Dir, "hls"))
	if err != nil {
		return err
	}
	return closeErr
}

// largestLag samples the graph's clock lag ten times a second until ctx
// ends and returns the largest seen (a station that keeps up stays at 0).
func largestLag(ctx context.Context, g *onair.Graph) time.Duration {
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	var worst time.Duration
	for {
		select {
		case <-ctx.Done():
			return worst
		case <-t.C:
			worst = max(worst, g.Status()[0].Lag)
		}
	}
}
