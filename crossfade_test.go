package onair_test

import (
	"io"
	"math"
	"strconv"
	"testing"
	"time"

	"github.com/onair-go/onair"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// xfFormat is a small format for exact tests: 1 kHz, so that samples are
// milliseconds, and 20-sample frames.
var xfFormat = onair.Format{SampleRate: 1000, Channels: 1, FrameDuration: 20 * time.Millisecond}

// xfSrc is a test source of tracks: track k has length lens[k%len(lens)]
// (or lens[len-1] forever after the list when hold is set), sample values
// from value, and metadata {"title": "t<k>"} at its start.
type xfSrc struct {
	lens    []int
	hold    bool
	tracks  int // end (io.EOF) after this many tracks; 0: never
	value   func(track, i, global int) float32
	mid     map[[2]int]onair.Metadata // extra metadata at (track, offset)
	repeat  bool                      // repeat the track's metadata at every frame
	extraMD func(track int) onair.Metadata
	titles  []onair.Metadata

	track, pos, global int
	started            bool
}

func (s *xfSrc) trackLen(k int) int {
	if s.hold && k >= len(s.lens) {
		return s.lens[len(s.lens)-1]
	}
	return s.lens[k%len(s.lens)]
}

func (s *xfSrc) meta(k int) onair.Metadata {
	if k < len(s.titles) {
		return s.titles[k]
	}
	m := onair.Metadata{"title": "t" + strconv.Itoa(k)}
	if s.extraMD != nil {
		for key, v := range s.extraMD(k) {
			m[key] = v
		}
	}
	if k == len(s.titles) && k < 64 {
		s.titles = append(s.titles, m)
	}
	return m
}

// Skip ends the current track.
func (s *xfSrc) Skip() { s.pos = s.trackLen(s.track) }

func (s *xfSrc) Generate(f *onair.Frame) error {
	frameStart := true
	for f.Free() > 0 {
		if !s.started || s.pos >= s.trackLen(s.track) {
			if s.started && s.tracks > 0 && s.track+1 >= s.tracks {
				return io.EOF
			}
			if s.started {
				s.track++
			}
			s.started, s.pos = true, 0
			f.AddMark(f.Len())
			f.AddMetadata(f.Len(), s.meta(s.track))
		} else if frameStart && s.repeat {
			f.AddMetadata(f.Len(), s.meta(s.track))
		}
		frameStart = false
		n := min(f.Free(), s.trackLen(s.track)-s.pos)
		base := f.Len()
		f.Extend(n)
		for _, a := range f.Audio() {
			for i := range n {
				a[base+i] = s.value(s.track, s.pos+i, s.global+i)
			}
		}
		for at, m := range s.mid {
			if at[0] == s.track && at[1] >= s.pos && at[1] < s.pos+n {
				f.AddMetadata(base+at[1]-s.pos, m)
			}
		}
		s.pos += n
		s.global += n
	}
	return nil
}

// xfConst returns sample values that are constant per track.
func xfConst(vals ...float32) func(track, i, global int) float32 {
	return func(track, _, _ int) float32 { return vals[track%len(vals)] }
}

// xfRamp returns the global sample index as the sample value.
func xfRamp(_, _, g int) float32 { return float32(g) }

// xfCollect records what an output receives, in global positions.
type xfCollect struct {
	audio []float32
	marks []int
	meta  []xfMetaAt
}

type xfMetaAt struct {
	pos int
	m   onair.Metadata
}

func (c *xfCollect) send(f *onair.Frame) error {
	base := len(c.audio)
	for _, m := range f.Marks() {
		c.marks = append(c.marks, base+m)
	}
	for _, m := range f.Metadata() {
		c.meta = append(c.meta, xfMetaAt{base + m.Pos, m.Metadata})
	}
	c.audio = append(c.audio, f.Audio()[0]...)
	return nil
}

func (c *xfCollect) titles() []string {
	var l []string
	for _, m := range c.meta {
		l = append(l, m.m["title"])
	}
	return l
}

// xfStart builds a graph on clk (manual) with the given outputs and
// starts it.
func xfStart(t testing.TB, clk *onair.Clock, outs ...onair.Source) *onair.Graph {
	t.Helper()
	return xfStartWith(t, xfFormat, clk, outs...)
}

// xfStartWith is xfStart with a graph format.
func xfStartWith(t testing.TB, format onair.Format, clk *onair.Clock, outs ...onair.Source) *onair.Graph {
	t.Helper()
	g, err := onair.NewGraph(&onair.GraphOptions{Clock: clk, SyncCallbacks: true, Format: format})
	require.NoError(t, err)
	require.NoError(t, g.Add(outs...))
	require.NoError(t, g.Start())
	t.Cleanup(func() { _ = g.Close() })
	return g
}

func xfManual(name string) *onair.Clock {
	return onair.NewClock(name, &onair.ClockOptions{Kind: onair.Manual})
}

func xfCurve(x float64) float64 { return (1 - math.Cos(math.Pi*x)) / 2 }

// xfExpected computes the analytic crossfade of constant tracks longer
// than end+start: the body of each track, then the sum of the faded end of
// the track and the faded start of the next one. It returns the samples
// up to the end of the last transition and the positions of the marks.
func xfExpected(lens []int, vals []float64, end, start, fadeIn, fadeOut int) ([]float64, []int) {
	var out []float64
	marks := []int{0}
	skip := 0
	for k := 0; k+1 < len(lens); k++ {
		lenA := min(end, lens[k]-skip)
		for range lens[k] - skip - lenA {
			out = append(out, vals[k])
		}
		lenB := min(start, lens[k+1])
		fo, fi := min(fadeOut, lenA), min(fadeIn, lenB)
		marks = append(marks, len(out))
		for t := range max(lenA, lenB) {
			var v float64
			if t < lenA {
				g := 1.0
				if j := t - (lenA - fo); j >= 0 {
					g = xfCurve(float64(fo-j) / float64(fo))
				}
				v += g * vals[k]
			}
			if t < lenB {
				g := 1.0
				if t < fi {
					g = xfCurve(float64(t) / float64(fi))
				}
				v += g * vals[k+1]
			}
			out = append(out, v)
		}
		skip = lenB
	}
	return out, marks
}

func TestCrossfadeSampleExact(t *testing.T) {
	lens := []int{3033, 4017, 2999, 3501, 100000}
	vals := []float64{0.8, -0.5, 0.3, 0.9, -0.7}
	fv := make([]float32, len(vals))
	for i, v := range vals {
		fv[i] = float32(v)
	}
	const end, fadeIn, fadeOut = 1013, 731, 409
	clk := xfManual("main")
	src := onair.NewNode(&xfSrc{lens: lens, hold: true, value: xfConst(fv...)}, nil)
	x, err := onair.Crossfade(src, &onair.CrossfadeOptions{Duration: end * time.Millisecond, FadeIn: fadeIn * time.Millisecond, FadeOut: fadeOut * time.Millisecond})
	require.NoError(t, err)
	var c xfCollect
	xfStart(t, clk, onair.Sink(x, c.send, nil))
	want, marks := xfExpected(lens, vals, end, end, fadeIn, fadeOut)
	for len(c.audio) < len(want)+100 {
		clk.Tick()
	}
	for i, w := range want {
		if !assert.InDelta(t, w, float64(c.audio[i]), 1e-6, "sample %d", i) {
			break
		}
	}
	assert.Equal(t, marks, c.marks[:len(marks)], "a track mark at the start of each transition")
	assert.Equal(t, []string{"t0", "t1", "t2", "t3", "t4"}, c.titles())
	for i, m := range c.meta {
		assert.Equal(t, marks[i], m.pos, "metadata of track %d at its mark", i)
	}
	assert.Equal(t, 4, x.Transitions())

	// No click: no step larger than the fades' own steepest step.
	maxStep := 0.0
	for i := 1; i < len(want); i++ {
		maxStep = max(maxStep, math.Abs(float64(c.audio[i]-c.audio[i-1])))
	}
	limit := 0.0
	for _, v := range vals {
		limit = max(limit, math.Abs(v))
	}
	limit *= math.Pi / 2 * (1/float64(fadeIn) + 1/float64(fadeOut))
	assert.LessOrEqual(t, maxStep, limit, "largest step between samples")
}

func TestCrossfadeMetadataPositions(t *testing.T) {
	lens := []int{3000, 4000, 100000}
	mid := map[[2]int]onair.Metadata{
		{0, 1234}: {"title": "t0", "comment": "mid 0"},
		{1, 2222}: {"title": "t1", "comment": "mid 1"},
	}
	clk := xfManual("main")
	src := onair.NewNode(&xfSrc{lens: lens, hold: true, value: xfConst(0.5), mid: mid}, nil)
	x, err := onair.Crossfade(src, &onair.CrossfadeOptions{Duration: time.Second})
	require.NoError(t, err)
	var c xfCollect
	xfStart(t, clk, onair.Sink(x, c.send, nil))
	for range 400 {
		clk.Tick()
	}
	// Track 1 starts (transition) at 3000-1000; track 2 at 2000+4000-1000.
	want := []xfMetaAt{
		{0, onair.Metadata{"title": "t0"}},
		{1234, mid[[2]int{0, 1234}]},
		{2000, onair.Metadata{"title": "t1"}},
		{2000 + 2222, mid[[2]int{1, 2222}]},
		{5000, onair.Metadata{"title": "t2"}},
	}
	assert.Equal(t, want, c.meta)
	assert.Equal(t, []int{0, 2000, 5000}, c.marks)
}

// xfEmptyMeta wraps a transition source and adds empty and repeated
// metadata at the end of each of its frames, as a careless transition
// might.
type xfEmptyMeta struct{ in onair.Source }

func (e *xfEmptyMeta) Generate(f *onair.Frame) error {
	n := e.in.Node()
	if !n.Ready() {
		return nil
	}
	in := n.Peek()
	k := f.Append(in, 0, in.Len())
	n.Consume(k)
	f.AddMetadata(f.Len(), onair.Metadata{})
	for _, m := range in.Metadata() {
		f.AddMetadata(f.Len(), m.Metadata)
	}
	return nil
}

func TestCrossfadeNoDuplicateOrBlankTitle(t *testing.T) {
	for _, custom := range []bool{false, true} {
		t.Run("custom="+strconv.FormatBool(custom), func(t *testing.T) {
			clk := xfManual("main")
			src := onair.NewNode(&xfSrc{lens: []int{2500, 2600, 2700}, value: xfConst(0.2, 0.4), repeat: true}, nil)
			tr := onair.SimpleTransition(300*time.Millisecond, 300*time.Millisecond)
			if custom {
				tr = func(a, b onair.TrackEnd) onair.Source {
					inner := onair.SimpleTransition(time.Second, time.Second)(a, b)
					return onair.NewNode(&xfEmptyMeta{in: inner}, &onair.NodeOptions{Children: []onair.Source{inner}})
				}
			}
			x, err := onair.Crossfade(src, &onair.CrossfadeOptions{Transition: tr, Duration: 500 * time.Millisecond})
			require.NoError(t, err)
			var c xfCollect
			xfStart(t, clk, onair.Sink(x, c.send, nil))
			for range 1000 {
				clk.Tick()
			}
			require.Greater(t, x.Transitions(), 5)
			titles := c.titles()
			for i, title := range titles {
				assert.Equal(t, "t"+strconv.Itoa(i), title, "metadata %d: one per track, in order, never blank", i)
			}
			assert.Len(t, titles, x.Transitions()+1)
		})
	}
}
