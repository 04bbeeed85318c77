package onair_test

// The chaos suite of the "no dead air" issue: a station-shaped graph
// (a faulty playlist, a Fallback to an infallible jingle, a Crossfade,
// several outputs and a shared consumer pair) driven on the manual clock
// for minutes of stream time through a seeded schedule of faults, with
// its invariants checked on every sample. See chaos_check_test.go for
// the checks and chaos_sources_test.go for the signal.
//
// ONAIR_CHAOS_MINUTES sets the stream time (default 10 minutes) and
// ONAIR_CHAOS_SEED a single seed to run (default: seeds 1 and 2).

import (
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/onair-go/onair"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func chaosEnv(t *testing.T) (seeds []uint64, minutes float64) {
	minutes = 10
	if s := os.Getenv("ONAIR_CHAOS_MINUTES"); s != "" {
		m, err := strconv.ParseFloat(s, 64)
		require.NoError(t, err, "ONAIR_CHAOS_MINUTES")
		minutes = m
	}
	seeds = []uint64{1, 2}
	if s := os.Getenv("ONAIR_CHAOS_SEED"); s != "" {
		n, err := strconv.ParseUint(s, 10, 64)
		require.NoError(t, err, "ONAIR_CHAOS_SEED")
		seeds = []uint64{n}
	}
	return seeds, minutes
}

func TestChaosStation(t *testing.T) {
	seeds, minutes := chaosEnv(t)
	for _, seed := range seeds {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			runChaos(t, seed, int(minutes*60*50))
		})
	}
}

// chaosOut is one output's checker.
type chaosOut struct {
	name    string
	samples int
	meta    map[string]int // inserter -> next sequence number expected
}

func runChaos(t *testing.T, seed uint64, ticks int) {
	v, summary := chaosRun(t, seed, ticks, 0, nil)
	t.Log(summary)
	v.report(t)
}

// chaosRun runs the chaos station for ticks (plus a fault-free tail)
// and returns the violations and a summary. filter, when not nil,
// chooses the scheduled faults that run (the reducer uses it).
// stop, when positive, ends the run at that tick, before the end-of-run
// checks.
func chaosRun(t testing.TB, seed uint64, ticks, stop int, filter func([]chaosEvent) []chaosEvent) (*chaosViolations, string) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	const tail = 500
	fs := chaosFormat.FrameSize()
	now := 0
	v := newChaosViolations(seed, &now)
	logs := newChaosLog(v)
	log := slog.New(logs)
	faults := newChaosFaults(seed, ticks, tail)
	faults.events = append(faults.events, chaosEvent{tick: ticks * 9 / 10, kind: "attach foreign source"})
	if filter != nil {
		faults.events = filter(faults.events)
	}
	rng := rand.New(rand.NewPCG(seed, 4))

	pl := newChaosPlaylist(seed, &now, faults, log)
	jg := newChaosJingle(seed)
	fb, err := onair.Fallback([]onair.Source{pl, jg}, nil)
	require.NoError(t, err)
	led := newChaosLedger(v)
	x, err := onair.Crossfade(newChaosTap(fb, led), &onair.CrossfadeOptions{
		Duration: 2 * time.Second, FadeIn: time.Second, FadeOut: time.Second, Logger: log,
	})
	require.NoError(t, err)

	var skipReqs atomic.Int64
	var xSkipMu sync.Mutex
	var xSkips []int // ticks of the crossfade Skips
	dec := &chaosDecoder{led: led, v: v, frameSize: fs, tick: &now, skips: func() []int {
		xSkipMu.Lock()
		defer xSkipMu.Unlock()
		return xSkips
	}}
	ref := make([][]float32, chaosChannels)
	for i := range ref {
		ref[i] = make([]float32, fs)
	}
	var outs []*chaosOut
	sink := func(name string, src onair.Source, first, compare bool) *onair.Output {
		o := &chaosOut{name: name, meta: map[string]int{}}
		outs = append(outs, o)
		return onair.Sink(src, func(f *onair.Frame) error {
			a := f.Audio()
			if first {
				for c := range ref {
					ref[c] = append(ref[c][:0], a[c]...)
				}
				if chaosTrace != nil && chaosTrace(now) {
					for i := range f.Len() {
						fmt.Printf("%d.%d c0=%.4f col=%.4f m=%.3f g=%.4f cm=%.3f id=%.3f idx=%.3f\n", now, i, a[0][i], a[1][i], a[2][i], a[3][i], a[4][i], a[5][i], a[6][i])
					}
				}
				dec.feed(a, f.Len())
			} else if compare {
				for c := range ref {
					if len(a[c]) != len(ref[c]) {
						v.add("identical outputs", "%s: %d samples, %s had %d", name, len(a[c]), outs[0].name, len(ref[c]))
						break
					}
					for i := range a[c] {
						if a[c][i] != ref[c][i] {
							v.add("identical outputs", "%s: channel %d sample %d is %g, %s had %g", name, c, i, a[c][i], outs[0].name, ref[c][i])
							break
						}
					}
				}
			}
			o.samples += f.Len()
			for _, m := range f.Metadata() {
				for k, val := range m.Metadata {
					if len(k) < 6 || k[:6] != "xmeta." {
						continue
					}
					n, _ := strconv.Atoi(val)
					if want := o.meta[k]; n != want {
						v.add("metadata once, in order", "%s: %s=%d, want %d", name, k, n, want)
					}
					o.meta[k] = n + 1
				}
			}
			return nil
		}, &onair.OutputOptions{ID: name})
	}
	att := newChaosAttacher(v, jg)
	outputs := []onair.Source{
		sink("out1", x, true, false), sink("out2", x, false, true),
		sink("pairA", chaosPass("passA", x), false, true), sink("pairB", chaosPass("passB", x), false, true),
		sink("attacher", att, false, false),
	}
	clk := onair.NewClock("main", &onair.ClockOptions{Kind: onair.Manual})
	g, err := onair.NewGraph(&onair.GraphOptions{Format: chaosFormat, Clock: clk, Logger: log, SyncCallbacks: true})
	require.NoError(t, err)
	require.NoError(t, g.Add(outputs...))
	require.NoError(t, g.Start())
	closed := false
	defer func() {
		if !closed {
			_ = g.Close()
		}
	}()

	workers := newChaosWorkers(3)
	defer workers.close()
	var seq atomic.Int64 // metadata sequence numbers, per inserter below
	xmeta := map[string]*atomic.Int64{}
	for _, k := range []string{"xmeta.w0", "xmeta.w1", "xmeta.w2", "xmeta.noise"} {
		xmeta[k] = new(atomic.Int64)
	}
	insert := func(key string) func() {
		return func() {
			n := xmeta[key].Add(1) - 1
			x.Node().InsertMetadata(onair.Metadata{key: strconv.FormatInt(n, 10)}, false)
			seq.Add(1)
			pl.Node().InsertMetadata(onair.Metadata{"umeta": key}, false)
		}
	}
	skip := func(target string) func() {
		return func() {
			skipReqs.Add(1)
			log.Info("chaos: skip requested", "node", target, "tick", now)
			switch target {
			case "crossfade":
				xSkipMu.Lock()
				xSkips = append(xSkips, now)
				xSkipMu.Unlock()
				x.Node().Skip()
			case "fallback":
				fb.Node().Skip()
			default:
				pl.Node().Skip()
			}
		}
	}
	targets := []string{"crossfade", "fallback", "playlist"}

	// the noise goroutine: calls that are safe from any goroutine, made
	// while the clock ticks (not deterministic, and checked only for
	// data races and for metadata reaching the outputs once, in order)
	noise := make(chan struct{}, 1)
	noiseDone := make(chan struct{})
	go func() {
		defer close(noiseDone)
		for range noise {
			for range 5 {
				n := xmeta["xmeta.noise"].Add(1) - 1
				x.Node().InsertMetadata(onair.Metadata{"xmeta.noise": strconv.FormatInt(n, 10)}, false)
			}
			_ = fb.Selected()
			_ = x.Transitions()
			_ = g.Status()
			_ = pl.Node().LastMetadata()
			_ = pl.Node().Elapsed()
			remove := x.Node().OnTrack(func(onair.Metadata) {})
			remove()
		}
	}()

	stopNoise := sync.OnceFunc(func() {
		close(noise)
		<-noiseDone
	})
	defer stopNoise()
	var armed []chaosEvent
	foreignDone := false
	var heapWarm uint64
	ev := faults.events
	last := ticks + tail
	if stop > 0 {
		last = stop
	}
	for now = 1; now <= last; now++ {
		for len(ev) > 0 && ev[0].tick <= now {
			e := ev[0]
			ev = ev[1:]
			faults.kinds[e.kind]++
			switch e.kind {
			case "skip crossfade":
				workers.run(skip("crossfade"))
			case "skip fallback":
				workers.run(skip("fallback"))
			case "skip playlist":
				workers.run(skip("playlist"))
			case "skip storm":
				var fns []func()
				for range e.n {
					fns = append(fns, skip(targets[rng.IntN(3)]))
				}
				workers.run(fns...)
			case "metadata storm":
				per := func(key string) func() {
					return func() {
						for range e.n / 3 {
							insert(key)()
						}
					}
				}
				workers.run(per("xmeta.w0"), per("xmeta.w1"), per("xmeta.w2"))
			case "unready":
				faults.setUnready(now, e.n)
			case "short frames":
				faults.setShort(now, e.n, e.m)
			case "reload":
				workers.run(pl.Reload)
			case "track mark at crossfade":
				workers.run(func() { x.Node().InsertMetadata(onair.Metadata{"mark": "1"}, true) })
			case "attach subgraph":
				att.pending, att.n = "attach", e.n
			case "attach foreign source":
				if !foreignDone {
					att.pending, foreignDone = "foreign", true
				}
			default: // armed: when the crossfade mixes
				armed = append(armed, e)
			}
		}
		if dec.mixed && len(armed) > 0 {
			e := armed[0]
			armed = armed[1:]
			switch e.kind {
			case "skip in crossfade":
				workers.run(skip(targets[rng.IntN(3)]))
			case "reload in crossfade":
				workers.run(pl.Reload)
			case "unready in crossfade":
				faults.setUnready(now, e.n)
			}
		}
		if now%50 == 0 && now <= ticks {
			select {
			case noise <- struct{}{}:
			default:
			}
		}
		clk.Tick()
		for _, o := range outs {
			if o.samples != now*fs {
				v.add("samples out = ticks × frame size", "%s has %d samples after %d ticks, want %d", o.name, o.samples, now, now*fs)
				o.samples = now * fs
			}
		}
		if now%500 == 0 {
			led.trim(dec.k)
		}
		if now == ticks/4 {
			heapWarm = chaosHeap()
		}
		if now == ticks {
			stopNoise()
		}
	}
	stopNoise()
	if stop > 0 {
		return v, ""
	}
	heapEnd := chaosHeap()
	if heapEnd > heapWarm+2<<20 {
		v.add("memory flat after warm-up", "heap %d bytes after warm-up (tick %d), %d at the end", heapWarm, ticks/4, heapEnd)
	}
	for _, o := range outs[:4] {
		for k, c := range xmeta {
			if got, want := o.meta[k], int(c.Load()); got != want {
				v.add("metadata once, in order", "%s received %d metadata of %s, %d were inserted", o.name, got, k, want)
			}
		}
	}
	// every playlist track that ended short of its length has a logged cause
	for id := 1; id < pl.cur.id; id++ {
		played := led.next[id]
		if n := len(led.segs); n > 0 && led.segs[n-1].id == id {
			played = led.segs[n-1].from + led.segs[n-1].n
		}
		if played < pl.lengths[id] && logs.cause(id) == "" {
			v.add("drops logged with a cause", "track %d played %d of %d samples, no cause logged", id, played, pl.lengths[id])
		}
	}
	if got, req := pl.skips.Load()+jg.skips.Load(), skipReqs.Load(); got > req {
		v.add("one Skip ends one track", "the sources received %d skips for %d Skip calls", got, req)
	}
	require.NoError(t, g.Close())
	closed = true
	workers.close()

	return v, fmt.Sprintf("seed %d: %d ticks (%s of stream); faults %v; transitions %d; longest silence %d samples; worst step %.4f (material max %.4f); inaudible samples %d; heap %d -> %d; logs %v",
		seed, ticks+tail, chaosFormat.Duration((ticks+tail)*fs), faults.kinds, x.Transitions(), dec.longestSil,
		dec.worstStep, chaosMaxStep, dec.missingOK, heapWarm, heapEnd, logs.counts)
}

// chaosTrace, set by debugging code, prints the samples of out1 at the
// ticks it accepts.
var chaosTrace func(tick int) bool

func chaosHeap() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}
