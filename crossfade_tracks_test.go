package onair_test

import (
	"math"
	"testing"
	"time"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/onairtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The tests below crossfade 600-sample tracks of avFormat (a picture
// every 30 samples) with 120-sample transitions. In the output, track k
// plays from 480k, and the transition from track k-1 to track k takes
// output [480k, 480k+120) (k >= 1) from the last 120 samples of track
// k-1 and the first 120 of track k: the body of track k is its input
// shifted by 120k.
const (
	xvTrack = 600
	xvCross = 120
)

// xvShades gives the pictures of track k a luma of xvShades[k%3].
var xvShades = []byte{40, 140, 240}

func xvSource(aux bool, pktEvery int) *avSource {
	src := newAV(&onairtest.Script{ID: "av", Loop: true, Segments: []onairtest.Segment{{Len: xvTrack}}}, aux, pktEvery)
	src.shade = func(k int) byte { return xvShades[(k*avSlot/xvTrack)%3] }
	return src
}

func xvRun(t *testing.T, src *avSource, tr onair.TransitionFunc, ticks int) (*onair.Crossfader, *avCollect) {
	t.Helper()
	x, err := onair.Crossfade(src.node(), &onair.CrossfadeOptions{Transition: tr, Duration: xvCross * time.Millisecond})
	require.NoError(t, err)
	var c avCollect
	clk := xfManual("main")
	xfStartWith(t, avFormat, clk, onair.Sink(x, c.send, nil))
	for range ticks {
		clk.Tick()
	}
	require.Equal(t, ticks*20, len(c.audio), "never starved")
	return x, &c
}

// xvWant returns the picture expected at output position pos: the
// number of the source's picture (-1 for a blend) and its luma.
func xvWant(pos int, blend func(a, b byte, t int) (byte, int)) (id int, luma byte) {
	k, r := pos/(xvTrack-xvCross), pos%(xvTrack-xvCross)
	if k >= 1 && r < xvCross {
		// Transition: ending track k-1 from input 600k-120, starting
		// track k from input 600k.
		a := (xvTrack*k - xvCross + r) / avSlot
		luma, side := blend(xvShades[(k-1)%3], xvShades[k%3], r)
		switch side {
		case 0:
			return a, luma
		case 1:
			return (xvTrack*k + r) / avSlot, luma
		}
		return -1, luma
	}
	return (pos + xvCross*k) / avSlot, xvShades[k%3]
}

// xvDissolve is the blend of SimpleTransition over the 120-sample
// overlap: side 0 (the ending picture) at its start, then blends.
func xvDissolve(a, b byte, t int) (byte, int) {
	wi := int(float64(t)/xvCross*256 + 0.5)
	if wi == 0 {
		return a, 0
	}
	return byte((int(a)*(256-wi) + int(b)*wi + 128) >> 8), -1
}

func checkPictures(t *testing.T, c *avCollect, src *avSource, blend func(a, b byte, t int) (byte, int)) {
	t.Helper()
	checkGrid(t, c, 0)
	for i, p := range c.pics {
		id, luma := xvWant(p.Pos, blend)
		assert.Equal(t, id, src.id(p), "picture %d at %d", i, p.Pos)
		require.Equal(t, luma, p.Planes[0][0], "luma of picture %d at %d", i, p.Pos)
		require.Equal(t, luma, p.Planes[0][7], "luma of picture %d at %d", i, p.Pos)
		require.Equal(t, []byte{128, 128}, p.Planes[1], "chroma of picture %d at %d", i, p.Pos)
		require.Equal(t, "yuv420p", p.PixelFormat)
	}
}

// TestCrossfadeVideo crossfades tracks with video, an extra audio track
// and a packet track, through the built-in transition and through one
// attached to the graph: pictures come one per interval, dissolving from
// the ending track to the starting one, the extra audio is mixed like
// the main audio, and only the starting track's packets pass a
// transition.
func TestCrossfadeVideo(t *testing.T) {
	for _, tc := range []struct {
		name string
		tr   onair.TransitionFunc
	}{
		{"builtin", onair.SimpleTransition(xvCross*time.Millisecond, xvCross*time.Millisecond)},
		{"attached", xfWrapped(xvCross*time.Millisecond, xvCross*time.Millisecond)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := xvSource(true, 7)
			x, c := xvRun(t, src, tc.tr, 150)
			require.Equal(t, 6, x.Transitions())
			checkPictures(t, c, src, xvDissolve)
			// audio_2 = -audio-1 is kept by fades whose gains sum to 1.
			for i, v := range c.audio {
				require.InDelta(t, -v-1, c.aux[i], 1e-3, "audio_2 at %d", i)
			}
			// Packets: those of the ending track's last 120 samples are
			// dropped; the others come at the position of their audio,
			// in order, labelled with their stream, though a stream
			// changes in every transition.
			var want []avPkt
			for pts := 0; ; pts += 7 {
				k := pts / xvTrack
				if pts%xvTrack >= xvTrack-xvCross {
					continue
				}
				pos := pts - xvCross*k
				if pos >= len(c.audio) {
					break
				}
				want = append(want, avPkt{pos, int64(pts), src.streams[int64(pts)]})
			}
			require.Equal(t, len(want), len(c.pkts))
			for i, p := range c.pkts {
				require.Equal(t, want[i].pos, p.pos, "packet %d (PTS %d) position", i, p.pts)
				require.Equal(t, want[i].pts, p.pts, "packet %d", i)
				require.Same(t, want[i].stream, p.stream, "packet %d (PTS %d) stream", i, p.pts)
			}
		})
	}
}

// TestCrossfadeVideoCut checks the hard cut at the middle of the overlap
// for pictures that cannot be blended (10-bit components).
func TestCrossfadeVideoCut(t *testing.T) {
	src := xvSource(false, 0)
	src.pf = "yuv420p10le"
	_, c := xvRun(t, src, onair.SimpleTransition(xvCross*time.Millisecond, xvCross*time.Millisecond), 100)
	checkGrid(t, c, 0)
	for i, p := range c.pics {
		id, luma := xvWant(p.Pos, func(a, b byte, t int) (byte, int) {
			if t < xvCross/2 {
				return a, 0
			}
			return b, 1
		})
		require.Equal(t, id, src.id(p), "picture %d at %d: a picture of the source", i, p.Pos)
		require.Equal(t, luma, p.Planes[0][0], "picture %d at %d", i, p.Pos)
	}
}

// TestCrossVideoSequence plays the sides in sequence (a nil transition):
// the output is the input, pictures and all, except the packets of the
// ending track's end.
func TestCrossVideoSequence(t *testing.T) {
	src := xvSource(true, 5)
	x, c := xvRun(t, src, func(a, b onair.TrackEnd) onair.Source { return nil }, 120)
	require.Equal(t, 4, x.Transitions())
	checkGrid(t, c, 0)
	checkConsecutive(t, checkWithAudio(t, c, src))
	checkAux(t, c)
	next := 0
	for pts := 0; pts < len(c.audio); pts += 5 {
		if pts%xvTrack >= xvTrack-xvCross {
			continue // the ending track's end
		}
		require.Less(t, next, len(c.pkts))
		require.Equal(t, avPkt{pts, int64(pts), src.streams[int64(pts)]}, c.pkts[next], "packet %d", next)
		next++
	}
	require.Equal(t, next, len(c.pkts), "no other packet")
}

// TestCrossVideoStartingSide uses a transition that plays only the
// starting side's source (TrackEnd.Source): it carries the side's
// pictures, extra audio and packets at their positions.
func TestCrossVideoStartingSide(t *testing.T) {
	src := xvSource(true, 7)
	_, c := xvRun(t, src, func(a, b onair.TrackEnd) onair.Source { return b.Source() }, 120)
	// The output is the input without the ending tracks' last 120
	// samples: every track keeps its positions there.
	checkGrid(t, c, 0)
	ids := checkWithAudio(t, c, src)
	for i := 1; i < len(ids); i++ {
		if d := ids[i] - ids[i-1]; d != 1 {
			require.Equal(t, xvCross/avSlot+1, d, "picture %d: only the ending track's end is left out", i)
		}
	}
	checkAux(t, c)
	checkPackets(t, c, src)
}

// TestCrossfadeAudioTrackOnOneSide fades in an extra audio track that
// starts with the second track: silent on the ending side, it is faded
// in with the starting track's gain.
func TestCrossfadeAudioTrackOnOneSide(t *testing.T) {
	src := xvSource(true, 0)
	src.auxFrom = xvTrack
	_, c := xvRun(t, src, onair.SimpleTransition(xvCross*time.Millisecond, xvCross*time.Millisecond), 50)
	start := xvTrack - xvCross
	for i, v := range c.audio {
		switch {
		case i < start:
			require.Zero(t, c.aux[i], "audio_2 at %d: not there yet", i)
		case i < xvTrack:
			x := float64(i-start) / xvCross
			gb := (1 - math.Cos(math.Pi*x)) / 2
			require.InDelta(t, -gb*float64(xvTrack+i-start+1), c.aux[i], 1e-3, "audio_2 at %d: faded in", i)
		default:
			require.Equal(t, -v-1, c.aux[i], "audio_2 at %d", i)
		}
	}
}

// TestCrossfadeVideoUnaligned crossfades tracks whose lengths and
// transitions are not whole picture intervals: the next track's pictures
// fall between the slots of the output, which stays at one picture per
// interval; in the bodies each slot shows the last picture of the input
// at or before it. Streams change in mid-frame of the output.
func TestCrossfadeVideoUnaligned(t *testing.T) {
	const L, D = 617, 130
	src := newAV(&onairtest.Script{ID: "av", Loop: true, Segments: []onairtest.Segment{{Len: L}}}, true, 3)
	shade := func(id int) byte { return xvShades[(id*avSlot/L)%3] }
	src.shade = shade
	x, err := onair.Crossfade(src.node(), &onair.CrossfadeOptions{Duration: D * time.Millisecond, FadeIn: D * time.Millisecond, FadeOut: D * time.Millisecond})
	require.NoError(t, err)
	var c avCollect
	clk := xfManual("main")
	xfStartWith(t, avFormat, clk, onair.Sink(x, c.send, nil))
	for range 200 {
		clk.Tick()
	}
	require.Equal(t, 8, x.Transitions())
	checkGrid(t, &c, 0)
	last, repeats := -1, 0
	for i, p := range c.pics {
		k, r := p.Pos/(L-D), p.Pos%(L-D)
		id := src.id(p)
		if k >= 1 && r < D+avSlot {
			// A transition, or the first slot after it.
			if id < 0 {
				continue // a blend
			}
		} else {
			require.Equal(t, (p.Pos+D*k)/avSlot, id, "picture %d at %d: the last one of the input before it", i, p.Pos)
		}
		require.Equal(t, shade(id), p.Planes[0][0], "picture %d (#%d) at %d", i, id, p.Pos)
		require.GreaterOrEqual(t, id, last, "picture %d at %d: in order", i, p.Pos)
		if id == last {
			repeats++
		}
		last = id
	}
	assert.LessOrEqual(t, repeats, x.Transitions(), "at most one repeat per transition")
	for i, v := range c.audio {
		require.InDelta(t, -v-1, c.aux[i], 1e-3, "audio_2 at %d", i)
	}
	next := 0
	for pts := 0; pts < 2*len(c.audio); pts += 3 {
		if pts%L >= L-D || pts-D*(pts/L) >= len(c.audio) {
			continue // the ending track's end, or not played yet
		}
		require.Less(t, next, len(c.pkts))
		require.Equal(t, avPkt{pts - D*(pts/L), int64(pts), src.streams[int64(pts)]}, c.pkts[next], "packet %d", next)
		next++
	}
	require.Equal(t, next, len(c.pkts), "no other packet")
}

// FuzzCrossfadeVideo crossfades tracks of random lengths (shorter than
// the transitions too) with random durations and checks that the output
// has one picture per interval, pictures of the source in order (or
// blends), and packets in order, each labelled with its stream.
func FuzzCrossfadeVideo(f *testing.F) {
	f.Add(uint16(617), uint16(130), uint8(100), uint8(60), uint8(3))
	f.Add(uint16(45), uint16(300), uint8(0), uint8(255), uint8(1))
	f.Add(uint16(1), uint16(20), uint8(7), uint8(7), uint8(7))
	f.Fuzz(func(t *testing.T, trackLen, dur uint16, fadeIn, fadeOut, pktEvery uint8) {
		L, D := int(trackLen%1500)+1, int(dur%400)
		src := newAV(&onairtest.Script{ID: "av", Loop: true, Segments: []onairtest.Segment{{Len: L}}}, true, int(pktEvery%9)+1)
		x, err := onair.Crossfade(src.node(), &onair.CrossfadeOptions{Duration: time.Duration(D+1) * time.Millisecond,
			FadeIn: time.Duration(fadeIn) * time.Millisecond, FadeOut: time.Duration(fadeOut) * time.Millisecond})
		require.NoError(t, err)
		var c avCollect
		clk := xfManual("main")
		xfStartWith(t, avFormat, clk, onair.Sink(x, c.send, nil))
		for range 150 {
			clk.Tick()
		}
		checkGrid(t, &c, 0)
		last := -1
		for i, p := range c.pics {
			if id := src.id(p); id >= 0 {
				require.GreaterOrEqual(t, id, last, "picture %d at %d", i, p.Pos)
				last = id
			}
		}
		require.Equal(t, len(c.audio), len(c.aux))
		for i, p := range c.pkts {
			require.Same(t, src.streams[p.pts], p.stream, "packet %d (PTS %d) stream", i, p.pts)
			if i > 0 {
				require.Greater(t, p.pts, c.pkts[i-1].pts, "packet %d in order", i)
				require.GreaterOrEqual(t, p.pos, c.pkts[i-1].pos, "packet %d position", i)
			}
		}
	})
}
