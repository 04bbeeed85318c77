package chaos

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/decode"
	"github.com/onair-go/onair/decode/harbor"
	"github.com/onair-go/onair/encode"
	"github.com/onair-go/onair/mux"
	"github.com/onair-go/onair/mux/hls"
	"github.com/onair-go/onair/mux/icecast"
	"github.com/onair-go/onair/mux/listen"
)

// the three renditions, encoded once each and shared by every output.
var renditions = []struct {
	track, codec string
	bitRate      int64
}{
	{"audio_aac_low", "aac", 48_000},
	{"audio_aac_high", "aac", 192_000},
	{"audio_mp3", "libmp3lame", 128_000},
}

var mounts = []struct{ path, track string }{
	{"/radio.mp3", "audio_mp3"},
	{"/radio.aac", "audio_aac_high"},
	{"/radio-low.aac", "audio_aac_low"},
}

const djPassword = "hackme"

// station is the graph as users build it (see examples/radio), plus a
// harbor input in the fallback and an Icecast output, and the taps the
// checks read.
type station struct {
	graph    *onair.Graph
	clock    *onair.Clock
	playlist *decode.PlaylistSource
	fallback *onair.Switcher
	xf       *onair.Crossfader
	hls      *hls.Output
	harbor   *harbor.Harbor
	live     *harbor.Mount
	listen   *listen.Server
	ice      *icecast.Output
	outputs  []onair.Source

	harborAddr, listenAddr string
	lns                    []net.Listener
	serveWG                sync.WaitGroup

	archMu  sync.Mutex
	archive map[string][]string // HLS variant -> segments copied out, in order
}

// build makes the graph. tap is the Sink function on the crossfade's
// output (the checks and the fault trigger); iceURL the Icecast mount.
func build(cfg *Config, lib *library, hlsDir, archDir, iceURL string, log *slog.Logger, tap func(*onair.Frame) error, iceConnect func()) (*station, error) {
	kind := onair.FreeRunning
	if cfg.RealTime {
		kind = onair.RealTime
	}
	clk := onair.NewClock("station", &onair.ClockOptions{Kind: kind})
	g, err := onair.NewGraph(&onair.GraphOptions{Clock: clk, Logger: log})
	if err != nil {
		return nil, err
	}
	st := &station{graph: g, clock: clk, archive: map[string][]string{}}
	fail := func(err error) (*station, error) {
		_ = g.Close()
		st.closeServers()
		return nil, err
	}
	st.harbor, err = harbor.New(&harbor.Options{Password: djPassword, Logger: log, Timeout: 5 * time.Second})
	if err != nil {
		return fail(err)
	}
	st.live, err = st.harbor.Mount("/live", &harbor.MountOptions{Prebuffer: time.Second})
	if err != nil {
		return fail(err)
	}
	// Silence trimmed as a station would: a file whose head the chaos
	// overwrote has lost its MP3 header, and with it the encoder delay and
	// padding, and decodes with silent edges (material, not the graph's).
	st.playlist, err = decode.Playlist(lib.musicDir, &decode.PlaylistOptions{Seed: cfg.Seed + 1, Order: decode.Shuffle, Logger: log, TrimSilence: true})
	if err != nil {
		return fail(fmt.Errorf("music: %w", err))
	}
	jingle, err := decode.Single(lib.jingle, &decode.SingleOptions{ID: "jingle", Logger: log})
	if err != nil {
		return fail(fmt.Errorf("jingle: %w", err))
	}
	st.fallback, err = onair.Fallback([]onair.Source{st.live, st.playlist, jingle}, nil)
	if err != nil {
		return fail(err)
	}
	st.xf, err = onair.Crossfade(st.fallback, &onair.CrossfadeOptions{Duration: 3 * time.Second, FadeIn: 2 * time.Second, FadeOut: 3 * time.Second, Logger: log})
	if err != nil {
		return fail(err)
	}
	var specs []onair.TrackSpec
	for _, r := range renditions {
		enc, err := encode.Audio(st.xf, &encode.AudioOptions{Codec: r.codec, BitRate: r.bitRate, Track: "enc", ID: r.track, Logger: log})
		if err != nil {
			return fail(err)
		}
		specs = append(specs, onair.TrackSpec{Name: r.track, Source: enc, Track: "enc"})
	}
	multi, err := onair.Multitrack(specs, nil)
	if err != nil {
		return fail(err)
	}
	variant := func(keep string) hls.Variant {
		return hls.Variant{Name: strings.TrimPrefix(keep, "audio_"), Tracks: mux.Only(keep)}
	}
	st.hls, err = hls.New(multi, hlsDir, &hls.Options{
		Variants:        []hls.Variant{variant("audio_aac_high"), variant("audio_aac_low")},
		SegmentDuration: 2 * time.Second,
		Logger:          log,
		OnFile: func(ev hls.FileEvent) {
			// the archive a CDN would hold: every segment, for decoding back
			if ev.Op != hls.Created || filepath.Ext(ev.Name) != ".ts" {
				return
			}
			dst := filepath.Join(archDir, ev.Name)
			if err := copyFile(ev.Path, dst); err != nil {
				return // deleted already (disk full, window moved): a gap the decode shows
			}
			v := ev.Name[:strings.LastIndexByte(ev.Name, '_')]
			st.archMu.Lock()
			st.archive[v] = append(st.archive[v], dst)
			st.archMu.Unlock()
		},
	})
	if err != nil {
		return fail(err)
	}
	st.listen, err = listen.NewServer(&listen.Options{Logger: log, DrainTimeout: time.Second})
	if err != nil {
		return fail(err)
	}
	outputs := []onair.Source{st.hls, onair.Sink(st.xf, tap, &onair.OutputOptions{ID: "tap"})}
	for _, m := range mounts {
		mt, err := st.listen.Mount(m.path, multi, &listen.MountOptions{Track: m.track, Name: "chaos"})
		if err != nil {
			return fail(err)
		}
		outputs = append(outputs, mt)
	}
	st.ice, err = icecast.New(multi, &icecast.Options{
		URL: iceURL, Tracks: mux.Only("audio_mp3"), Format: "mp3", Name: "chaos", Logger: log,
		OnConnect: iceConnect, MinRetryDelay: 200 * time.Millisecond, MaxRetryDelay: 2 * time.Second,
	})
	if err != nil {
		return fail(fmt.Errorf("icecast: %w", err))
	}
	outputs = append(outputs, st.ice)
	st.outputs = outputs
	if err := g.Add(outputs...); err != nil {
		return fail(err)
	}
	return st, nil
}

// serve starts the harbor and the listener server on free ports of
// 127.0.0.1.
func (st *station) serve(ctx context.Context) error {
	for _, s := range []struct {
		addr  *string
		serve func(context.Context, net.Listener) error
	}{{&st.harborAddr, st.harbor.Serve}, {&st.listenAddr, st.listen.Serve}} {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		st.lns = append(st.lns, ln)
		*s.addr = ln.Addr().String()
		st.serveWG.Add(1)
		go func() {
			defer st.serveWG.Done()
			_ = s.serve(ctx, ln)
		}()
	}
	return nil
}

// closeServers closes the harbor and the listener server and waits for
// their Serve calls.
func (st *station) closeServers() {
	if st.listen != nil {
		_ = st.listen.Close()
	}
	if st.harbor != nil {
		_ = st.harbor.Close()
	}
	for _, ln := range st.lns {
		_ = ln.Close()
	}
	st.serveWG.Wait()
}

// segments returns the archived segments of an HLS variant.
func (st *station) segments(v string) []string {
	st.archMu.Lock()
	defer st.archMu.Unlock()
	return append([]string(nil), st.archive[v]...)
}
