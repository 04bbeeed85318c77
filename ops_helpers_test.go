package onair_test

import (
	"fmt"
	"io"
	"strconv"
	"testing"
	"time"

	"github.com/onair-go/onair"
	"github.com/stretchr/testify/require"
)

// opsFormat has 10 samples per frame, so positions are easy to reason
// about: a tick is 10 samples, a millisecond is a sample.
var opsFormat = onair.Format{SampleRate: 1000, Channels: 2, FrameDuration: 10 * time.Millisecond}

// opsHarness runs sources on a manual clock.
type opsHarness struct {
	t   testing.TB
	clk *onair.Clock
}

func newOpsHarness(t testing.TB) *opsHarness {
	return &opsHarness{t: t, clk: onair.NewClock("test", &onair.ClockOptions{Kind: onair.Manual})}
}

// tick returns the number of ticks run so far (the tick being computed,
// minus one, while a frame is computed).
func (h *opsHarness) tick() int { return int(h.clk.Ticks()) }

// opsScript describes a opsScripted source: channel 0 carries the source's own
// sample counter (0, 1, 2, ... across tracks), channel 1 its id.
type opsScript struct {
	id     int
	tracks []int            // track lengths in samples, cycled; nil = one endless track
	ready  func(t int) bool // readiness by tick (1-based); nil = always
	limit  int              // at most this many samples per frame; 0 = fill
	total  int              // samples before io.EOF; 0 = never
	noMeta bool             // no metadata at track starts
}

type opsScripted struct {
	h       *opsHarness
	s       opsScript
	n       int // samples produced
	ti      int // index in s.tracks
	in      int // position in the current track
	started bool
	trackNo int
}

// src returns a opsScripted source. Fallible when it has a readiness function
// or an end.
func (h *opsHarness) src(s opsScript) *onair.Node {
	g := &opsScripted{h: h, s: s}
	return onair.NewNode(g, &onair.NodeOptions{ID: "s" + strconv.Itoa(s.id), Fallible: s.ready != nil || s.total > 0})
}

func (g *opsScripted) curLen() int {
	if len(g.s.tracks) == 0 {
		return -1
	}
	return g.s.tracks[g.ti%len(g.s.tracks)]
}

func (g *opsScripted) Ready() bool {
	if g.s.total > 0 && g.n >= g.s.total {
		return false
	}
	return g.s.ready == nil || g.s.ready(g.h.tick())
}

func (g *opsScripted) Skip() {
	if l := g.curLen(); l > 0 {
		g.in = l
	} else {
		g.started = false
	}
}

func (g *opsScripted) Remaining() int {
	if l := g.curLen(); l > 0 {
		return l - g.in
	}
	return -1
}

func (g *opsScripted) Generate(f *onair.Frame) error {
	produced := 0
	for f.Free() > 0 && (g.s.limit == 0 || produced < g.s.limit) {
		if g.s.total > 0 && g.n >= g.s.total {
			return io.EOF
		}
		l := g.curLen()
		if !g.started || (l > 0 && g.in >= l) {
			if g.started && l > 0 {
				g.ti++
			}
			f.AddMark(f.Len())
			if !g.s.noMeta {
				f.AddMetadata(f.Len(), onair.Metadata{"title": fmt.Sprintf("s%d-%d", g.s.id, g.trackNo), "start": strconv.Itoa(g.n)})
			}
			g.trackNo++
			g.in, g.started = 0, true
			l = g.curLen()
		}
		n := f.Free()
		if g.s.limit > 0 {
			n = min(n, g.s.limit-produced)
		}
		if l > 0 {
			n = min(n, l-g.in)
		}
		if g.s.total > 0 {
			n = min(n, g.s.total-g.n)
		}
		start := f.Len()
		f.Extend(n)
		a := f.Audio()
		for i := range n {
			a[0][start+i] = float32(g.n + i)
			a[1][start+i] = float32(g.s.id)
		}
		g.n += n
		g.in += n
		produced += n
	}
	return nil
}

type opsMetaAt struct {
	pos int
	m   onair.Metadata
}

// opsCapture is what an output received, at absolute positions.
type opsCapture struct {
	v, id []float32
	marks []int
	meta  []opsMetaAt
	lens  []int // frame lengths, per tick
}

func (c *opsCapture) send(f *onair.Frame) error {
	base := len(c.v)
	for _, m := range f.Marks() {
		c.marks = append(c.marks, base+m)
	}
	for _, m := range f.Metadata() {
		c.meta = append(c.meta, opsMetaAt{base + m.Pos, m.Metadata})
	}
	a := f.Audio()
	c.v = append(c.v, a[0]...)
	c.id = append(c.id, a[1]...)
	c.lens = append(c.lens, f.Len())
	return nil
}

// start builds and starts a graph with an output capturing src.
func (h *opsHarness) start(src onair.Source, fallible bool) (*opsCapture, *onair.Graph) {
	h.t.Helper()
	g, err := onair.NewGraph(&onair.GraphOptions{Format: opsFormat, Clock: h.clk, SyncCallbacks: true})
	require.NoError(h.t, err)
	c := &opsCapture{}
	out := onair.Sink(src, c.send, &onair.OutputOptions{Fallible: fallible})
	require.NoError(h.t, g.Add(out))
	require.NoError(h.t, g.Start())
	h.t.Cleanup(func() { g.Close() })
	return c, g
}

// run captures ticks frames of src.
func (h *opsHarness) run(src onair.Source, ticks int, fallible bool) *opsCapture {
	h.t.Helper()
	c, _ := h.start(src, fallible)
	for range ticks {
		h.clk.Tick()
	}
	return c
}

// assertNoClicks checks that every source's signal is continuous in the
// output: each time a source's data appears again, its counter goes on by
// exactly its own step (1), so nothing was dropped, repeated or reordered
// at any junction.
func assertNoClicks(t testing.TB, c *opsCapture) {
	t.Helper()
	last := map[float32]float32{}
	for i := range c.v {
		id, v := c.id[i], c.v[i]
		if p, ok := last[id]; ok {
			if v != p+1 {
				t.Fatalf("source %v jumps from %v to %v at output sample %d", id, p, v, i)
			}
		}
		last[id] = v
	}
}

// assertSorted checks that marks and metadata are in order.
func assertSorted(t testing.TB, c *opsCapture) {
	t.Helper()
	for i := 1; i < len(c.marks); i++ {
		require.Greater(t, c.marks[i], c.marks[i-1], "marks strictly increasing")
	}
	for i := 1; i < len(c.meta); i++ {
		require.GreaterOrEqual(t, c.meta[i].pos, c.meta[i-1].pos, "metadata in order")
	}
}

// assertMetaPositions checks that each scripted metadata sits on the first
// sample of its track (the sample's counter is the "start" tag), or is a
// replay at a junction where its source resumes in the middle of that
// track.
func assertMetaPositions(t testing.TB, c *opsCapture) {
	t.Helper()
	for _, m := range c.meta {
		s, ok := m.m["start"]
		if !ok || m.pos >= len(c.v) {
			continue
		}
		require.Equal(t, m.m["title"][1:2], strconv.Itoa(int(c.id[m.pos])), "metadata %v at %d from the right source", m.m, m.pos)
		start, _ := strconv.Atoi(s)
		if v := int(c.v[m.pos]); v != start {
			require.Greater(t, v, start, "metadata %v at sample %d: replayed metadata is from a track that started earlier", m.m, m.pos)
			require.Contains(t, c.marks, m.pos, "metadata %v at sample %d: replays are at junctions", m.m, m.pos)
		}
	}
}

// opsSegments summarises the output as "id:from-to" runs of each source.
func opsSegments(c *opsCapture) []string {
	var out []string
	for i := 0; i < len(c.v); {
		j := i
		for j+1 < len(c.v) && c.id[j+1] == c.id[i] && c.v[j+1] == c.v[j]+1 {
			j++
		}
		out = append(out, fmt.Sprintf("%d:%d-%d", int(c.id[i]), int(c.v[i]), int(c.v[j])))
		i = j + 1
	}
	return out
}

func opsMust[T any](t testing.TB) func(v T, err error) T {
	return func(v T, err error) T {
		t.Helper()
		require.NoError(t, err)
		return v
	}
}
