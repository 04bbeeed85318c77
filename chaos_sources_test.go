package onair_test

import (
	"log/slog"
	"math"
	"math/rand/v2"
	"sync/atomic"
	"time"

	"github.com/onair-go/onair"
)

// The chaos signal. Every sample of every test track says where it comes
// from, on channels that survive a crossfade's mixing:
//
//	0: the material, a slow sine (per-track frequency and phase): smooth,
//	   never silent for long, what the click and dead-air checks read;
//	1: the track's colour (a small integer; two tracks that can meet in a
//	   transition have different colours, see chaosColor);
//	2: the sample's index within its track, modulo chaosMod;
//	3: 1 (the unit channel: a mix's sum of gains);
//	4: colour × channel 2;
//	5: the track id, exact;
//	6: the sample's index within its track, exact.
//
// A mix gA·A + gB·B of two tracks of known colours is solved from
// channels 1 and 3 for the gains, and from 2 and 4 for each side's index,
// so the accounting check can say which sample of each side every output
// sample holds, in a transition too.
const (
	chaosRate     = 8000
	chaosChannels = 7
	chaosAmp      = 0.4
	chaosMod      = 4096
	chaosMinFreq  = 15.0
	chaosMaxFreq  = 40.0
	// chaosJingleBase is the first jingle id; playlist ids are below.
	chaosJingleBase = 1 << 20
)

var chaosFormat = onair.Format{SampleRate: chaosRate, Channels: chaosChannels, FrameDuration: 20 * time.Millisecond}

// chaosMaxStep is the largest sample-to-sample step of the material.
var chaosMaxStep = chaosAmp * 2 * math.Pi * chaosMaxFreq / chaosRate

// chaosColor gives neighbouring tracks of one source different colours,
// and tracks up to four apart too: a transition's starting side may hold
// nearly empty tracks taken with the one after them, so its ending side
// can meet a track several ids later.
func chaosColor(id int) float32 {
	if id >= chaosJingleBase {
		return float32(6 + id%5)
	}
	return float32(1 + id%5)
}

func chaosFreq(id int) float64 {
	return chaosMinFreq + float64((id*7919)%1000)/1000*(chaosMaxFreq-chaosMinFreq)
}

func chaosPhase(id int) float64 { return float64((id*104729)%628) / 100 }

// chaosMaterial is channel 0 of track id at index idx.
func chaosMaterial(id, idx int) float32 {
	return float32(chaosAmp * math.Sin(2*math.Pi*chaosFreq(id)*float64(idx)/chaosRate+chaosPhase(id)))
}

// chaosFill writes n samples of track id from index idx at position at.
func chaosFill(f *onair.Frame, at, n, id, idx int) {
	a := f.Audio()
	c := chaosColor(id)
	for i := range n {
		k := idx + i
		m := float32(k % chaosMod)
		a[0][at+i] = chaosMaterial(id, k)
		a[1][at+i] = c
		a[2][at+i] = m
		a[3][at+i] = 1
		a[4][at+i] = c * m
		a[5][at+i] = float32(id)
		a[6][at+i] = float32(k)
	}
}

// chaosTrack is one queued track: its id, the length it announces
// (Remaining) and the length it really has (shorter for a track that
// ends early, as a truncated file does).
type chaosTrack struct {
	id, declared, actual int
}

// chaosPlaylist is the faulty playlist: endless tracks of seeded lengths,
// some shorter than a crossfade, some ending before their announced end,
// unready and short-framed when the fault schedule says so (read from
// the main clock's tick, set by the driver), skippable and reloadable.
// It logs every track it ends before its announced length, with the
// cause.
type chaosPlaylist struct {
	node    *onair.Node
	rng     *rand.Rand
	log     *slog.Logger
	now     *int // main clock tick, set by the driver
	faults  *chaosFaults
	cur     chaosTrack
	pos     int
	started bool
	nextID  int

	skips   atomic.Int64 // Skip calls received
	reload  atomic.Bool  // a reload was asked
	ended   map[int]int  // id -> samples played, for tracks ended short
	lengths map[int]int  // id -> announced length
}

func newChaosPlaylist(seed uint64, now *int, faults *chaosFaults, log *slog.Logger) *chaosPlaylist {
	p := &chaosPlaylist{
		rng: rand.New(rand.NewPCG(seed, 1)), log: log, now: now, faults: faults, nextID: 1,
		ended: map[int]int{}, lengths: map[int]int{},
	}
	p.node = onair.NewNode(p, &onair.NodeOptions{ID: "playlist", Fallible: true})
	p.next()
	return p
}

func (p *chaosPlaylist) Node() *onair.Node { return p.node }

func (p *chaosPlaylist) next() {
	id := p.nextID
	p.nextID++
	var n int
	switch r := p.rng.Float64(); {
	case r < 0.15: // shorter than the fades
		n = chaosRate/10 + p.rng.IntN(chaosRate*3/2)
	case r < 0.25: // a few frames
		n = 1 + p.rng.IntN(3*chaosFormat.FrameSize())
	default:
		n = 5*chaosRate + p.rng.IntN(35*chaosRate)
	}
	t := chaosTrack{id: id, declared: n, actual: n}
	if p.rng.Float64() < 0.1 {
		t.actual = p.rng.IntN(n + 1)
	}
	p.cur, p.pos, p.started = t, 0, false
	p.lengths[id] = n
}

// endShort ends the current track before its announced length, logging
// the cause.
func (p *chaosPlaylist) endShort(cause string) {
	if p.pos < p.cur.declared {
		p.ended[p.cur.id] = p.pos
		p.log.Info("chaos: track ended short", "cause", cause, "track", p.cur.id,
			"played", p.pos, "length", p.cur.declared, "tick", *p.now)
	}
	p.next()
}

func (p *chaosPlaylist) Ready() bool { return !p.faults.unready(*p.now) }

func (p *chaosPlaylist) Remaining() int {
	if !p.started {
		return -1
	}
	return p.cur.declared - p.pos
}

// Skip implements onair.Skipper: it ends the current track, or the next
// one when the current one has not started.
func (p *chaosPlaylist) Skip() {
	p.skips.Add(1)
	p.endShort("skip")
}

// Reload replaces the queue: the current track ends at the next frame.
// Safe from any goroutine.
func (p *chaosPlaylist) Reload() { p.reload.Store(true) }

func (p *chaosPlaylist) Generate(f *onair.Frame) error {
	if p.reload.Swap(false) {
		p.endShort("reload")
	}
	budget := f.Free()
	if m := p.faults.maxPerTick(*p.now); m > 0 {
		budget = min(budget, m)
	}
	for budget > 0 {
		if p.pos >= p.cur.actual {
			if p.cur.actual < p.cur.declared {
				p.endShort("early end")
			} else {
				p.next()
			}
			continue
		}
		if !p.started {
			f.AddMark(f.Len())
			f.AddMetadata(f.Len(), onair.Metadata{"title": "track"})
			p.started = true
		}
		n := min(budget, p.cur.actual-p.pos)
		at := f.Len()
		f.Extend(n)
		chaosFill(f, at, n, p.cur.id, p.pos)
		p.pos += n
		budget -= n
	}
	return nil
}

// chaosJingle is the infallible jingle: endless tracks of 0.2 to 4 s with
// exact Remaining, ids from chaosJingleBase.
type chaosJingle struct {
	node    *onair.Node
	rng     *rand.Rand
	id, n   int
	pos     int
	started bool
	skips   atomic.Int64
}

func newChaosJingle(seed uint64) *chaosJingle {
	j := &chaosJingle{rng: rand.New(rand.NewPCG(seed, 2)), id: chaosJingleBase - 1}
	j.node = onair.NewNode(j, &onair.NodeOptions{ID: "jingle"})
	j.next()
	return j
}

func (j *chaosJingle) Node() *onair.Node { return j.node }

func (j *chaosJingle) next() {
	j.id++
	j.n = chaosRate/5 + j.rng.IntN(chaosRate*4)
	j.pos, j.started = 0, false
}

func (j *chaosJingle) Remaining() int { return j.n - j.pos }

func (j *chaosJingle) Skip() {
	j.skips.Add(1)
	j.next()
}

func (j *chaosJingle) Generate(f *onair.Frame) error {
	for f.Free() > 0 {
		if j.pos >= j.n {
			j.next()
		}
		if !j.started {
			f.AddMark(f.Len())
			j.started = true
		}
		n := min(f.Free(), j.n-j.pos)
		at := f.Len()
		f.Extend(n)
		chaosFill(f, at, n, j.id, j.pos)
		j.pos += n
	}
	return nil
}

// chaosTap passes its input through and records every sample it hands
// on (the Crossfade's input) in the accounting ledger. It recolours each
// sample with its segment's colour (channels 1 and 4), so that segments
// that can meet in a transition differ in colour even when they are
// parts of one track.
type chaosTap struct {
	in  onair.Source
	led *chaosLedger
}

func newChaosTap(in onair.Source, led *chaosLedger) *onair.Node {
	return onair.NewNode(&chaosTap{in, led}, &onair.NodeOptions{
		ID: "tap", Children: []onair.Source{in}, Fallible: in.Node().Fallible(),
	})
}

func (t *chaosTap) Ready() bool { return t.in.Node().Ready() }

func (t *chaosTap) Generate(f *onair.Frame) error {
	n := t.in.Node()
	if !n.Ready() {
		return nil
	}
	in := n.Peek()
	at := f.Len()
	k := f.Append(in, 0, in.Len())
	n.Consume(k)
	a := f.Audio()
	for i := at; i < at+k; i++ {
		col := t.led.record(int(a[5][i]), int(a[6][i]))
		a[1][i], a[4][i] = col, col*a[2][i]
	}
	return nil
}

// chaosPass is a pass-through operator: one of the shared consumer pair.
func chaosPass(id string, in onair.Source) *onair.Node {
	return onair.NewNode(onair.GeneratorFunc(func(f *onair.Frame) error {
		n := in.Node()
		if !n.Ready() {
			return nil
		}
		fr := n.Peek()
		n.Consume(f.Append(fr, 0, fr.Len()))
		return nil
	}), &onair.NodeOptions{ID: id, Children: []onair.Source{in}, Fallible: in.Node().Fallible()})
}
