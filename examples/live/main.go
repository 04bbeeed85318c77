// This example shows how to:
//  1. accept live DJs on a harbor mount (the Icecast source protocol, as
//     spoken by FFmpeg, butt, Mixxx, ezstream, Liquidsoap, ...);
//  2. cut the live show into the music with onair.Fallback, not
//     track-sensitive (Immediate): the DJ is on air as soon as their
//     stream is prebuffered, in the middle of a song;
//  3. go back to the music when the DJ leaves, at the end of the DJ's
//     track (the harbor ends it with a track mark), with a fresh song
//     rather than the rest of the interrupted one;
//  4. encode the show once to MP3 into a file, and print each title as it
//     starts.
//
// Run it, with a folder of music or a generated tone in its place:
//
//	go run ./examples/live -music ~/Music -out out/live.mp3
//
// then go live, and leave again with Ctrl-C:
//
//	ffmpeg -re -i set.mp3 -c:a libmp3lame -b:a 128k -metadata title="Live set" \
//	  -f mp3 icecast://source:hackme@127.0.0.1:8005/live
//	curl -u source:hackme "http://127.0.0.1:8005/admin/metadata?mode=updinfo&mount=/live&song=Next%20tune"
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/decode"
	"github.com/onair-go/onair/decode/harbor"
	"github.com/onair-go/onair/encode"
	"github.com/onair-go/onair/mux"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8005", "harbor address (source clients connect here)")
	mount := flag.String("mount", "/live", "harbor mount of the live show")
	password := flag.String("password", "hackme", "source password (user \"source\")")
	music := flag.String("music", "", "music folder or playlist file (default: a tone in 20 s tracks)")
	out := flag.String("out", "out/live.mp3", "MP3 file the show is written to")
	dur := flag.Duration("duration", 0, "stop after this long (default: run until Ctrl-C)")
	flag.Parse()
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if *dur > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, *dur)
		defer cancel()
	}
	if err := run(ctx, log, *addr, *mount, *password, *music, *out); err != nil {
		fmt.Fprintln(os.Stderr, "live:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, log *slog.Logger, addr, mount, password, music, out string) error {
	// The music: a playlist, or a quiet tone cut into tracks. Blank keeps
	// the show infallible should the playlist fail.
	var songs onair.Source = onair.Sine(220, &onair.GenOptions{
		ID: "music", Amplitude: 0.2, Duration: 20 * time.Second, Metadata: onair.Metadata{"title": "Tone"},
	})
	if music != "" {
		pl, err := decode.Playlist(music, &decode.PlaylistOptions{ID: "music", Logger: log, Order: decode.Shuffle})
		if err != nil {
			return err
		}
		defer pl.Close()
		songs = pl
	}

	h, err := harbor.New(&harbor.Options{Addr: addr, Password: password, Logger: log})
	if err != nil {
		return err
	}
	var show *onair.Switcher
	var live *harbor.Mount
	live, err = h.Mount(mount, &harbor.MountOptions{
		Prebuffer: 2 * time.Second,
		OnConnect: func(c harbor.Client) {
			fmt.Printf("DJ connected from %s (%s)\n", c.RemoteAddr, c.UserAgent)
		},
		OnDisconnect: func(c harbor.Client, err error) {
			fmt.Printf("DJ left (%v): back to the music after their last words\n", orEnd(err))
			// The DJ's buffered audio still plays; the music is not pulled
			// meanwhile, so skipping it now makes it come back with a new
			// song. Only when the DJ was on air: one who left while
			// prebuffering interrupted nothing.
			if show.Selected() == onair.Source(live) {
				songs.Node().Skip()
			}
		},
	})
	if err != nil {
		return err
	}
	show, err = onair.Fallback([]onair.Source{live, songs, onair.Blank(nil)}, &onair.SwitchOptions{
		ID:        "show",
		Immediate: true, // the DJ cuts in at once, not at the end of a song
	})
	if err != nil {
		return err
	}
	show.Node().OnTrack(func(m onair.Metadata) {
		fmt.Printf("on air: %s\n", title(m))
	})

	g, err := onair.NewGraph(&onair.GraphOptions{Logger: log})
	if err != nil {
		return err
	}
	mp3, err := encode.Audio(show, &encode.AudioOptions{Codec: "libmp3lame", BitRate: 128_000})
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return err
	}
	file, err := mux.File(mp3, out, nil)
	if err != nil {
		return err
	}
	if err := g.Add(file); err != nil {
		return err
	}

	fmt.Printf("harbor on %s%s (user source, password %s); writing %s\n", addr, mount, password, out)
	eg, ctx := errgroup.WithContext(ctx)
	eg.Go(func() error { return g.Run(ctx) })
	eg.Go(func() error { return h.Run(ctx) })
	err = eg.Wait()
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		err = nil // stopped by Ctrl-C or -duration
	}
	return errors.Join(err, g.Close())
}

func title(m onair.Metadata) string {
	switch {
	case m["artist"] != "" && m["title"] != "":
		return m["artist"] + " - " + m["title"]
	case m["title"] != "":
		return m["title"]
	}
	return "(untitled)"
}

func orEnd(err error) string {
	if err == nil {
		return "end of stream"
	}
	return err.Error()
}
