package onair_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/onairtest"
)

// chaosFaults is the seeded fault schedule: per main-clock tick, whether
// the playlist is unready and how short its frames are, plus the events
// the driver runs before given ticks.
type chaosFaults struct {
	unreadyAt []bool
	shortAt   []int16
	events    []chaosEvent
	kinds     map[string]int // faults injected, by kind
}

type chaosEvent struct {
	tick int
	kind string
	n    int // size (storms) or duration (unready, short frames), in ticks
	m    int // samples per tick (short frames)
}

func (f *chaosFaults) unready(t int) bool { return t >= 0 && t < len(f.unreadyAt) && f.unreadyAt[t] }

func (f *chaosFaults) maxPerTick(t int) int {
	if t < 0 || t >= len(f.shortAt) {
		return 0
	}
	return int(f.shortAt[t])
}

// setShort limits the playlist to m samples a tick for d ticks from t.
func (f *chaosFaults) setShort(t, d, m int) {
	for i := t; i < min(t+d, len(f.shortAt)); i++ {
		f.shortAt[i] = int16(m)
	}
}

// setUnready makes the playlist unready for d ticks from t.
func (f *chaosFaults) setUnready(t, d int) {
	for i := t; i < min(t+d, len(f.unreadyAt)); i++ {
		f.unreadyAt[i] = true
	}
}

// chaosDuration draws a fault duration in ticks, log-uniform from 1 tick
// to 10 s.
func chaosDuration(rng *rand.Rand) int {
	return int(math.Pow(10, rng.Float64()*2.7)) // 1 .. 500 ticks
}

// newChaosFaults draws the schedule of a run of ticks ticks. The last
// tail ticks are fault-free so that every check can settle.
func newChaosFaults(seed uint64, ticks, tail int) *chaosFaults {
	rng := rand.New(rand.NewPCG(seed, 3))
	f := &chaosFaults{unreadyAt: make([]bool, ticks+tail+1), shortAt: make([]int16, ticks+tail+1), kinds: map[string]int{}}
	fs := chaosFormat.FrameSize()
	// about one fault of some kind every 2 s of stream
	for t := 50; t < ticks; t += 1 + rng.IntN(200) {
		var ev chaosEvent
		switch r := rng.IntN(100); {
		case r < 20:
			ev = chaosEvent{kind: "unready", n: chaosDuration(rng)}
		case r < 30:
			ev = chaosEvent{kind: "short frames", n: chaosDuration(rng), m: 1 + rng.IntN(fs-1)}
		case r < 38:
			ev = chaosEvent{kind: "skip crossfade"}
		case r < 44:
			ev = chaosEvent{kind: "skip fallback"}
		case r < 50:
			ev = chaosEvent{kind: "skip playlist"}
		case r < 55:
			ev = chaosEvent{kind: "skip storm", n: 2 + rng.IntN(6)}
		case r < 65:
			ev = chaosEvent{kind: "metadata storm", n: 10 + rng.IntN(90)}
		case r < 70:
			ev = chaosEvent{kind: "reload"}
		case r < 76:
			ev = chaosEvent{kind: "skip in crossfade"}
		case r < 82:
			ev = chaosEvent{kind: "reload in crossfade"}
		case r < 88:
			ev = chaosEvent{kind: "unready in crossfade", n: chaosDuration(rng)}
		case r < 92:
			ev = chaosEvent{kind: "track mark at crossfade"}
		default:
			ev = chaosEvent{kind: "attach subgraph", n: 1 + rng.IntN(1000)}
		}
		ev.tick = t
		f.events = append(f.events, ev)
	}
	sort.SliceStable(f.events, func(i, j int) bool { return f.events[i].tick < f.events[j].tick })
	return f
}

// chaosAttacher is an operator of the main clock that attaches
// subgraphs while the graph runs and plays them: a counter (checked for
// contiguity) and a crossfade over scripted tracks (its child clock must
// come and go with it). Asked to, it also attaches a source that belongs
// to another clock, which Attach must refuse.
type chaosAttacher struct {
	node    *onair.Node
	v       *chaosViolations
	foreign onair.Source
	main    *onair.Clock

	pending string // "attach", "detach", "foreign"
	n       int
	counter *onairtest.Source
	xf      *onair.Crossfader
	next    int // next counter value expected
	subs    int // subclocks before the attach
	ttl     int
}

func newChaosAttacher(v *chaosViolations, foreign onair.Source) *chaosAttacher {
	a := &chaosAttacher{v: v, foreign: foreign}
	a.node = onair.NewNode(a, &onair.NodeOptions{ID: "attacher"})
	return a
}

func (a *chaosAttacher) Node() *onair.Node { return a.node }

func (a *chaosAttacher) Generate(f *onair.Frame) error {
	if a.main == nil {
		a.main = a.node.Clock()
	}
	switch a.pending {
	case "attach":
		if a.counter == nil {
			a.counter = onairtest.Counter(fmt.Sprintf("sub-counter-%d", a.n))
			var err error
			a.xf, err = onair.Crossfade(onairtest.Tracks("sub-tracks", 3000, 200, 9000), &onair.CrossfadeOptions{Duration: 500e6})
			if err != nil {
				a.v.add("attach and detach", "crossfade: %v", err)
			}
			a.subs = len(a.main.SubClocks())
			a.next = 0
			for _, s := range []onair.Source{a.counter, a.xf} {
				if err := a.node.Attach(s); err != nil {
					a.v.add("attach and detach", "Attach(%s): %v", s.Node().ID(), err)
				}
			}
			if got := len(a.main.SubClocks()); got != a.subs+1 {
				a.v.add("attach and detach", "%d subclocks after attaching a crossfade, want %d", got, a.subs+1)
			}
		}
		a.ttl = a.n
	case "foreign":
		if err := a.node.Attach(a.foreign); err == nil {
			a.v.add("attach and detach", "Attach of %s, which belongs to the crossfade's child clock, returned nil", a.foreign.Node().ID())
			a.node.Detach(a.foreign)
		}
	}
	a.pending = ""
	at := f.Len()
	if a.counter != nil {
		cn := a.counter.Node()
		if cn.Ready() {
			in := cn.Peek()
			k := f.Append(in, 0, in.Len())
			cn.Consume(k)
			for i := at; i < at+k; i++ {
				if v := int(f.Audio()[0][i]); v != a.next {
					a.v.add("attach and detach", "attached counter: sample %d, want %d", v, a.next)
					a.next = v
				}
				a.next++
			}
		}
		if xn := a.xf.Node(); xn.Ready() {
			xn.Read()
		}
		if a.ttl--; a.ttl <= 0 {
			a.node.Detach(a.counter)
			a.node.Detach(a.xf)
			if c := a.counter.Counts(); c.Sleep != 1 {
				a.v.add("attach and detach", "detached counter slept %d times, want 1", c.Sleep)
			}
			if got := len(a.main.SubClocks()); got != a.subs {
				a.v.add("attach and detach", "%d subclocks after detaching the crossfade, want %d", got, a.subs)
			}
			a.counter, a.xf = nil, nil
		}
	}
	f.Extend(f.Free())
	return nil
}
