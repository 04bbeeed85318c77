// This example shows how to:
//  1. serve a station to any browser over WebRTC (WHEP), a fraction of a
//     second behind the air, with the show encoded once to Opus for every
//     listener;
//  2. let a DJ go live over WebRTC (WHIP) from a browser tab, OBS 30+ or
//     any WHIP client, cutting into the music with onair.Fallback and
//     giving the air back to it when they stop;
//  3. serve a "listen live" page and a "go live from this browser" page
//     (plain HTML and JavaScript, no build step) beside the endpoints, and
//     the same show as an Icecast-style MP3 mount for comparison.
//
// Run it, then open http://127.0.0.1:8080/ to listen and
// http://127.0.0.1:8080/golive.html to go live (token hackme):
//
//	go run ./examples/webrtc -music ~/Music
//
// Browsers allow the microphone only on https:// pages or on localhost:
// put a TLS proxy in front for other hosts. OBS: Settings → Stream →
// Service "WHIP", Server http://HOST:8080/dj, Bearer Token hackme.
// Behind NAT, announce the public address with -public-ip and open the UDP
// port of -udp.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/decode"
	"github.com/onair-go/onair/decode/whip"
	"github.com/onair-go/onair/encode"
	"github.com/onair-go/onair/internal/rtc/page"
	"github.com/onair-go/onair/mux/listen"
	"github.com/onair-go/onair/mux/whep"
)

type config struct {
	addr, token, music, publicIP, udp string
}

func main() {
	var c config
	flag.StringVar(&c.addr, "addr", "127.0.0.1:8080", "HTTP address of the pages and the WHEP/WHIP endpoints")
	flag.StringVar(&c.token, "token", "hackme", "bearer token of the DJs (WHIP)")
	flag.StringVar(&c.music, "music", "", "music folder or playlist file (default: a tone in 20 s tracks)")
	flag.StringVar(&c.publicIP, "public-ip", "", "address announced to peers (1:1 NAT), default the interfaces'")
	flag.StringVar(&c.udp, "udp", "", "one UDP address for every peer (\":8443\"), default ephemeral ports")
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
	if err := run(ctx, log, c); err != nil {
		fmt.Fprintln(os.Stderr, "webrtc:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, log *slog.Logger, c config) error {
	var songs onair.Source = onair.Sine(220, &onair.GenOptions{
		ID: "music", Amplitude: 0.2, Duration: 20 * time.Second, Metadata: onair.Metadata{"title": "Tone"},
	})
	if c.music != "" {
		pl, err := decode.Playlist(c.music, &decode.PlaylistOptions{ID: "music", Logger: log, Order: decode.Shuffle})
		if err != nil {
			return err
		}
		defer pl.Close()
		songs = pl
	}
	ice := whep.ICE{Loopback: strings.HasPrefix(c.addr, "127.") || strings.HasPrefix(c.addr, "localhost"), UDPAddr: c.udp}
	if c.publicIP != "" {
		ice.HostIPs = []string{c.publicIP}
	}

	// The DJ's input: a WHIP mount, fallible, cutting into the music.
	in, err := whip.NewServer(&whip.Options{ICE: ice, Token: c.token, Logger: log})
	if err != nil {
		return err
	}
	defer in.Close()
	var show *onair.Switcher
	var dj *whip.Mount
	dj, err = in.Mount("/dj", &whip.MountOptions{
		OnConnect: func(p whip.Publisher) { fmt.Printf("DJ on air from %s (%s)\n", p.RemoteAddr, p.UserAgent) },
		OnDisconnect: func(p whip.Publisher, err error) {
			fmt.Printf("DJ left (%v)\n", err)
			if show.Selected() == onair.Source(dj) {
				songs.Node().Skip() // the music comes back with a new song
			}
		},
	})
	if err != nil {
		return err
	}
	show, err = onair.Fallback([]onair.Source{dj, songs, onair.Blank(nil)}, &onair.SwitchOptions{ID: "show", Immediate: true})
	if err != nil {
		return err
	}

	// Encoded once each: Opus for WebRTC listeners, handed to its codec
	// every frame for the least delay, MP3 for the others.
	opus, err := encode.Audio(show, &encode.AudioOptions{Codec: "libopus", BitRate: 96_000, HandOff: -1})
	if err != nil {
		return err
	}
	mp3, err := encode.Audio(show, &encode.AudioOptions{Codec: "libmp3lame", BitRate: 128_000})
	if err != nil {
		return err
	}
	out, err := whep.NewServer(&whep.Options{ICE: ice, Logger: log})
	if err != nil {
		return err
	}
	defer out.Close()
	live, err := out.Mount("/live", opus, nil)
	if err != nil {
		return err
	}
	icy, err := listen.NewServer(&listen.Options{Logger: log})
	if err != nil {
		return err
	}
	defer icy.Close()
	radio, err := icy.Mount("/radio.mp3", mp3, &listen.MountOptions{Name: "onair webrtc example"})
	if err != nil {
		return err
	}
	g, err := onair.NewGraph(&onair.GraphOptions{Format: onair.Format{SampleRate: 48000}, Logger: log})
	if err != nil {
		return err
	}
	if err := g.Add(live, radio); err != nil {
		return err
	}

	mux := http.NewServeMux()
	mux.Handle("/", page.Handler())
	for _, p := range []string{"/live", "/live/"} {
		mux.Handle(p, out)
	}
	for _, p := range []string{"/dj", "/dj/"} {
		mux.Handle(p, in)
	}
	mux.Handle("/radio.mp3", icy)
	ln, err := net.Listen("tcp", c.addr)
	if err != nil {
		return err
	}
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	fmt.Printf("listen: http://%s/  go live: http://%s/golive.html (token %s)  MP3: http://%s/radio.mp3\n",
		ln.Addr(), ln.Addr(), c.token, ln.Addr())

	eg, ctx := errgroup.WithContext(ctx)
	eg.Go(func() error { return g.Run(ctx) })
	eg.Go(func() error {
		err := hs.Serve(ln)
		if errors.Is(err, http.ErrServerClosed) {
			return nil
		}
		return err
	})
	eg.Go(func() error {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = icy.Close() // its listeners' connections are hijacked
		return hs.Shutdown(sctx)
	})
	err = eg.Wait()
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		err = nil
	}
	return errors.Join(err, g.Close())
}
