// Command tv is a station with a picture: the music of a folder (or a
// generated tone when there is none) and a test card with a moving bar
// and the title playing (drawn by FFmpeg's drawtext through package
// filter), encoded once (H.264 + AAC) and delivered beyond the machine:
//
//	music folder (or a tone) ─┬─ AAC 128k ─┐
//	test card + title ────────┴─ H.264 ────┴─ multitrack ─┬─ HLS (video+audio and audio-only variants)
//	                                                       │    to a local folder served over HTTP,
//	                                                       │    or to an S3 bucket (-s3-bucket) for a CDN
//	                                                       ├─ RTMP (-rtmp rtmp://host/app/key)
//	                                                       └─ SRT  (-srt host:port, as a caller)
//
// With no flags it writes HLS into -dir and serves it on -addr; nothing
// else is needed. The S3 endpoint and credentials come from -s3-endpoint
// or the AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and
// AWS_REGION variables. Ctrl-C stops it cleanly (playlists get
// EXT-X-ENDLIST); -duration stops it after that much stream time.
//
//	go run ./examples/tv
//	go run ./examples/tv -rtmp rtmp://127.0.0.1/live/tv -s3-bucket media -s3-prefix tv/
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/avlog"
)

// config is what the flags set.
type config struct {
	Dir, Music, Addr     string
	RTMP, SRT            string
	S3Endpoint, S3Bucket string
	S3Prefix             string
	Width, Height        int
	Duration, Segment    time.Duration
	Clock                onair.ClockKind
	Out                  io.Writer
	Logger               *slog.Logger
	ready                func(base string) // tests: called once serving
}

func main() {
	cfg := config{Clock: onair.RealTime, Out: os.Stdout}
	flag.StringVar(&cfg.Dir, "dir", "out/tv", "folder of the local HLS files")
	flag.StringVar(&cfg.Music, "music", "", "music folder (default: a generated tone)")
	flag.StringVar(&cfg.Addr, "addr", "127.0.0.1:8001", "HTTP address of the local HLS files")
	flag.StringVar(&cfg.RTMP, "rtmp", "", "also publish to this RTMP URL (rtmp://host[:port]/app/streamkey)")
	flag.StringVar(&cfg.SRT, "srt", "", "also send MPEG-TS over SRT to this host:port (caller)")
	flag.StringVar(&cfg.S3Bucket, "s3-bucket", "", "write the HLS to this S3 bucket instead of -dir")
	flag.StringVar(&cfg.S3Endpoint, "s3-endpoint", "", "S3 endpoint URL (default: $AWS_ENDPOINT_URL, then AWS)")
	flag.StringVar(&cfg.S3Prefix, "s3-prefix", "tv/", "key prefix of the HLS files in the bucket")
	flag.IntVar(&cfg.Width, "width", 640, "picture width")
	flag.IntVar(&cfg.Height, "height", 360, "picture height")
	flag.DurationVar(&cfg.Duration, "duration", 0, "stop after this much stream time (default: run until Ctrl-C)")
	flag.DurationVar(&cfg.Segment, "segment", 4*time.Second, "HLS segment duration")
	free := flag.Bool("free", false, "run on a free-running clock (with -duration: a quick offline run)")
	verbose := flag.Bool("v", false, "log at Info level")
	flag.Parse()
	if *free {
		cfg.Clock = onair.FreeRunning
	}
	level := slog.LevelWarn
	if *verbose {
		level = slog.LevelInfo
	}
	cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	avlog.Route(cfg.Logger, slog.LevelError)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, &cfg); err != nil {
		fmt.Fprintln(os.Stderr, "tv:", err)
		os.Exit(1)
	}
}

// run plays the station until ctx ends or cfg.Duration of stream time has
// played, then closes the graph (encoders drained, playlists ended,
// connections closed) and the HTTP server.
func run(ctx context.Context, cfg *config) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	st, err := build(ctx, cfg, cancel)
	if err != nil {
		return err
	}
	var srv *http.Server
	if st.hls.Dir() != "" {
		ln, err := net.Listen("tcp", cfg.Addr)
		if err != nil {
			_ = st.graph.Close()
			st.close()
			return fmt.Errorf("%w (another program may use %s: try -addr 127.0.0.1:0)", err, cfg.Addr)
		}
		mux := http.NewServeMux()
		mux.Handle("/hls/", http.StripPrefix("/hls", st.hls.Handler()))
		srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
		go func() {
			if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				cfg.Logger.Error("http server", "err", err)
			}
		}()
		base := "http://" + ln.Addr().String()
		fmt.Fprintf(cfg.Out, "  HLS:   %s/hls/%s (files in %s)\n", base, st.hls.Master(), st.hls.Dir())
		if cfg.ready != nil {
			cfg.ready(base)
		}
	} else {
		fmt.Fprintf(cfg.Out, "  HLS:   s3 bucket %s, prefix %s\n", cfg.S3Bucket, cfg.S3Prefix)
		if cfg.ready != nil {
			cfg.ready("")
		}
	}
	if cfg.RTMP != "" {
		fmt.Fprintf(cfg.Out, "  RTMP:  %s\n", st.rtmpShown)
	}
	if cfg.SRT != "" {
		fmt.Fprintf(cfg.Out, "  SRT:   srt://%s\n", cfg.SRT)
	}
	start := time.Now()
	err = st.graph.Run(ctx)
	if ctx.Err() != nil {
		err = nil
	}
	closeErr := st.graph.Close()
	st.close()
	if srv != nil {
		sctx, scancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer scancel()
		_ = srv.Shutdown(sctx)
	}
	for _, e := range st.errs() {
		fmt.Fprintf(cfg.Out, "  output error: %v\n", e)
	}
	fmt.Fprintf(cfg.Out, "stopped after %s (%s of stream time)\n", time.Since(start).Round(time.Millisecond),
		st.graph.Status()[0].Time.Round(time.Millisecond))
	return errors.Join(err, closeErr)
}

// hlsDir is where the local HLS files go.
func hlsDir(cfg *config) string { return filepath.Join(cfg.Dir, "hls") }
