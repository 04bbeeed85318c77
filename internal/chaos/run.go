package chaos

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/internal/peertest"
)

// Config configures a chaos run.
type Config struct {
	// Seed seeds the media, the fault schedule and the faults.
	Seed uint64
	// StreamTime is how much stream time to run. It defaults to 10 minutes.
	StreamTime time.Duration
	// RealTime runs the station on a real-time clock (soak); by default
	// the clock is free-running (tests).
	RealTime bool
	// FaultEvery is the mean stream time between two faults. It defaults
	// to 10s.
	FaultEvery time.Duration
	// Kinds, when not empty, keeps only the faults of these kinds in the
	// schedule (to narrow down a violation).
	Kinds []string
	// Tracks is the number of music files. It defaults to 12.
	Tracks int
	// Dir is the work folder (media, HLS, recordings). Required.
	Dir string
	// TB starts the Icecast server (internal/peertest) and owns its
	// cleanup. Required.
	TB testing.TB
	// Logger, when set, also receives the graph's logs.
	Logger *slog.Logger
	// Trace, when set, receives a flight recorder's dump a little after
	// each of the first violations at the tap: the last seconds of the
	// graph's output (level, marks, titles, the fallback's selection) and
	// of its logs, in stream time.
	Trace io.Writer
}

// Run builds the chaos station, runs it for cfg.StreamTime under the
// fault schedule, then decodes its streams back and returns what it
// found. An error means the run could not be made (missing ffmpeg, no
// tmpfs); invariant violations are in the report.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	if cfg.StreamTime <= 0 {
		cfg.StreamTime = 10 * time.Minute
	}
	if cfg.FaultEvery <= 0 {
		cfg.FaultEvery = 10 * time.Second
	}
	if cfg.Tracks <= 0 {
		cfg.Tracks = 12
	}
	rep := newReport(cfg)
	rs := &runState{rep: rep, rec: &recorder{w: cfg.Trace}}
	rs.log = slog.New(&countingHandler{rs: rs, next: cfg.Logger})
	rep.GoroutinesStart = runtime.NumGoroutine()
	lib, err := makeLibrary(ctx, cfg.Dir, cfg.Seed, cfg.Tracks)
	if err != nil {
		return nil, err
	}
	hlsDir, archDir := filepath.Join(cfg.Dir, "hls"), filepath.Join(cfg.Dir, "archive")
	for _, d := range []string{hlsDir, archDir} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, err
		}
	}
	umount, err := mountTmpfs(hlsDir, "2m")
	if err != nil {
		return nil, err
	}
	defer func() {
		if err := umount(); err != nil {
			rs.violation("cleanup", err.Error())
		}
	}()
	ice := peertest.StartIcecast(cfg.TB, nil)
	var iceConnects atomic.Int64
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()

	fs := 0
	evs := schedule(cfg.Seed, cfg.StreamTime, cfg.FaultEvery)
	if len(cfg.Kinds) > 0 {
		evs = slices.DeleteFunc(evs, func(e event) bool { return !slices.Contains(cfg.Kinds, e.kind) })
	}
	due := make(chan event, 64)
	var tap *pcm
	var ticks, lastTransitions int
	var gaps tapGaps
	warmed := false
	var st *station
	warm := make(chan struct{}, 1)
	tapFn := func(f *onair.Frame) error {
		ticks++
		if missed := gaps.frame(st.clock.Status().Ticks); missed > 0 {
			msg := fmt.Sprintf("the tap got no frame for %d ticks before %s", missed, time.Duration(ticks)*20*time.Millisecond)
			rs.violation("samples out = ticks × frame size", msg)
			rs.rec.violated(msg)
		}
		if f.Len() != fs {
			rs.violation("samples out = ticks × frame size", fmt.Sprintf("tap frame %d has %d samples, want %d", ticks, f.Len(), fs))
		}
		tap.feed(f.Audio()[0][:f.Len()])
		rs.rec.frame(int64(ticks), f, st.fallback.Selected(), st.xf.Transitions())
		now := time.Duration(ticks) * 20 * time.Millisecond
		for len(evs) > 0 && evs[0].at <= now {
			select {
			case due <- evs[0]:
			default:
				rs.count("fault not run (injector busy)")
			}
			evs = evs[1:]
		}
		if n := st.xf.Transitions(); n != lastTransitions {
			lastTransitions = n
			if rs.armDJ.Swap(false) {
				select {
				case due <- event{kind: "dj"}:
				default:
				}
			}
		}
		if !warmed && now >= cfg.StreamTime/4 {
			warmed = true
			warm <- struct{}{}
		}
		if now >= cfg.StreamTime {
			cancel()
		}
		return nil
	}
	iceURL := fmt.Sprintf("http://source:%s@%s/chaos.mp3", ice.SourcePassword, ice.Addr())
	st, err = build(&cfg, lib, hlsDir, archDir, iceURL, rs.log, tapFn, func() { iceConnects.Add(1) })
	if err != nil {
		return nil, err
	}
	fs = st.graph.Format().FrameSize()
	tap = newPCM("graph output", st.graph.Format().SampleRate, 2*materialStep*1.05+0.01, fs, func(inv, msg string) {
		rs.violation(inv, msg)
		rs.rec.violated(msg)
	})
	tap.annotate, tap.live = rs.before, true
	seq := map[string]int{}
	var seqMu sync.Mutex
	rs.checkHLS = func() {
		seqMu.Lock()
		defer seqMu.Unlock()
		rs.count("check: HLS playlists")
		if err := checkPlaylists(hlsDir, st.hls.Master(), seq, rs.violation); err != nil && !errors.Is(err, os.ErrNotExist) {
			rs.violation("HLS playlists valid", err.Error())
		}
	}
	// the servers outlive the run: they are closed after the graph, so
	// that listeners get the end of their streams
	if err := st.serve(ctx); err != nil {
		st.closeServers()
		_ = st.graph.Close()
		return nil, err
	}
	client := &http.Client{}
	in := &injector{st: st, lib: lib, rng: rand.New(rand.NewPCG(cfg.Seed, 12)), run: rs, hlsDir: hlsDir, ice: ice, ctx: runCtx, client: client}
	var bg sync.WaitGroup
	recs := map[string]string{}
	for _, m := range mounts[:2] {
		p := filepath.Join(cfg.Dir, "rec"+filepath.Ext(m.path))
		recs["mount "+m.path] = p
		bg.Add(1)
		go func() {
			defer bg.Done()
			// the parent context: the stream ends when the graph closes
			record(ctx, client, "http://"+st.listenAddr+m.path, p, rs)
		}()
	}
	bg.Add(2)
	go func() { // the injector
		defer bg.Done()
		for {
			select {
			case <-runCtx.Done():
				return
			case e := <-due:
				at := st.clock.Status().Time.Round(time.Millisecond)
				rs.log.Info("chaos: fault", "kind", e.kind, "at", at)
				rs.fault(at, e.kind)
				if e.kind == "dj" {
					in.dj()
				} else {
					in.do(e)
				}
			}
		}
	}()
	go func() { // the monitor: playlists, lag, warm-up memory
		defer bg.Done()
		var lagSince time.Time
		lagReported := false
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-runCtx.Done():
				return
			case <-warm:
				rep.HeapWarm, rep.RSSWarm = heapRSS()
			case now := <-t.C:
				rs.checkHLS()
				lag := st.clock.Status().Lag
				rep.setMaxLag(lag)
				if !cfg.RealTime {
					continue
				}
				// a real-time clock late after a fault must catch up
				rs.count("check: clock lag back to 0")
				switch {
				case lag == 0:
					lagSince, lagReported = time.Time{}, false
				case lagSince.IsZero():
					lagSince = now
				case now.Sub(lagSince) > 30*time.Second && !lagReported:
					lagReported = true
					rs.violation("clock lag back to 0", fmt.Sprintf("the clock has been late for %s (lag %s) at %s of stream",
						now.Sub(lagSince).Round(time.Second), lag.Round(time.Millisecond), st.clock.Status().Time.Round(time.Second)))
				}
			}
		}
	}()
	start := time.Now()
	runErr := st.graph.Run(runCtx)
	rep.Wall = time.Since(start)
	rep.StreamTime = st.clock.Status().Time
	if runErr != nil && !errors.Is(runErr, context.Canceled) {
		rs.violation("graph runs", runErr.Error())
	}
	if lag := st.clock.Status().Lag; lag > 0 {
		rs.violation("clock lag back to 0", fmt.Sprintf("lag %s at the end", lag))
	}
	rep.HeapEnd, rep.RSSEnd = heapRSS()
	rs.count("check: memory flat after warm-up")
	if rep.HeapWarm > 0 && rep.HeapEnd > rep.HeapWarm+max(rep.HeapWarm/2, 16<<20) {
		rs.violation("memory flat after warm-up", fmt.Sprintf("heap %.1f MB after warm-up, %.1f MB at the end", mb(rep.HeapWarm), mb(rep.HeapEnd)))
	}
	// an infallible source never leaves an output without a frame
	rs.count("check: outputs missed no tick")
	for _, o := range st.outputs {
		if n := o.Node().Output().Missed(); n > 0 {
			rs.violation("outputs missed no tick", fmt.Sprintf("%s: %d ticks without a frame from its infallible source", o.Node().ID(), n))
		}
	}
	if err := st.graph.Close(); err != nil {
		rs.violation("graph closes cleanly", err.Error())
	}
	st.closeServers()
	bg.Wait()
	in.wg.Wait()
	client.CloseIdleConnections()
	// a restart more than 10 s (wall) before the end must have been
	// followed by a new connection of the output
	if last := in.iceStarted.Load(); last > 0 && time.Since(time.Unix(0, last)) > 10*time.Second && iceConnects.Load() < 2 {
		restarts := rep.Faults["icecast restart"]
		rs.violation("icecast source back after a restart", fmt.Sprintf("%d restarts, the output connected %d times", restarts, iceConnects.Load()))
	}
	rep.IcecastConnects = int(iceConnects.Load())
	tap.flush(0)
	rep.Tap = Decoded{Name: "graph output (tap)", Clicks: tap.Clicks, DeadAir: tap.DeadAir, WorstStep: tap.WorstStep,
		LongestSilence: time.Duration(tap.LongestSilence) * time.Second / 44100, Duration: rep.StreamTime}
	rs.count("check: tap samples")
	rs.checkHLS()
	// decode everything back, also when the run was interrupted
	dctx := context.WithoutCancel(ctx)
	for name, p := range recs {
		rs.decode(dctx, name, p)
	}
	for _, v := range []string{"aac_high", "aac_low"} {
		segs := st.segments(v)
		if len(segs) == 0 {
			rs.violation("HLS segments archived", "no segment was archived for "+v)
			continue
		}
		rs.decodeArchive(dctx, "HLS "+v, cfg.Dir, segs)
	}
	rep.HLS = st.hls.Stats()
	runtime.GC()
	rep.GoroutinesEnd = runtime.NumGoroutine()
	return rep, nil
}

// record reads url to path until the stream ends.
func record(ctx context.Context, c *http.Client, url, path string, rs *runState) {
	f, err := os.Create(path)
	if err != nil {
		rs.violation("recordings", err.Error())
		return
	}
	defer f.Close()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	resp, err := c.Do(req)
	if err != nil {
		rs.violation("mounts answer", fmt.Sprintf("%s: %v", url, err))
		return
	}
	defer resp.Body.Close()
	if _, err := io.Copy(f, resp.Body); err != nil && ctx.Err() == nil {
		rs.violation("mounts stream to the end", fmt.Sprintf("%s: %v", url, err))
	}
}

func (rs *runState) decode(ctx context.Context, name, path string) {
	rs.count("check: decode " + name)
	d, err := decodeBack(ctx, name, path, rs.violation)
	if err != nil {
		rs.violation("streams decode cleanly", err.Error())
	}
	rs.rep.mu.Lock()
	rs.rep.Decoded = append(rs.rep.Decoded, d)
	rs.rep.mu.Unlock()
}

func concat(parts []string, dst string) error {
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	for _, p := range parts {
		b, err := os.ReadFile(p)
		if err != nil {
			_ = out.Close()
			return err
		}
		if _, err := out.Write(b); err != nil {
			_ = out.Close()
			return err
		}
	}
	return out.Close()
}

// tapGaps finds the ticks of the clock in which the tap got no frame. Its
// source is infallible: once started, the tap gets a frame on every tick,
// and a tick it missed is a frame of stream no output got.
type tapGaps struct {
	base    uint64 // clock ticks not matched by a frame
	started bool
	frames  uint64
}

// frame counts a frame the tap got in clock tick ticks, and returns how
// many ticks went by without one since the last.
func (g *tapGaps) frame(ticks uint64) int {
	g.frames++
	if !g.started {
		g.started, g.base = true, ticks-1
	}
	missed := ticks - g.base - g.frames
	g.base += missed
	return int(missed)
}
