package onair

import (
	"slices"
	"sort"
)

// picGrid puts an operator's main video on the graph's frame-rate grid,
// counted from the operator's first output: exactly one picture at each
// slot, the last picture at or before it. Operators that join data of
// different origins in one frame (a crossfade's body and transitions, a
// switch's children) put their pictures at offsets of their own; without
// this an encoder that counts pictures would drift from the audio by up
// to a picture at each join. A picture may be shown twice, or one
// skipped, next to a join.
type picGrid struct {
	outPos  int64     // samples generated since the start
	slot    int64     // next slot of the grid
	shown   Picture   // the picture on screen
	showing bool      // shown is set
	scratch []Picture // reused between frames
}

func (g *picGrid) reset() {
	g.outPos, g.slot = 0, 0
	g.shown, g.showing = Picture{}, false
}

// apply regrids the main video pictures appended to f from position base
// on, in a graph of format ff (nothing without video).
func (g *picGrid) apply(ff *Format, f *Frame, base int) {
	n := f.Len() - base
	v := ff.Video
	if v == nil || n <= 0 {
		return
	}
	rate, num, den := int64(ff.SampleRate), int64(v.FrameRate.Num), int64(v.FrameRate.Den)
	end := g.outPos + int64(n)
	t := f.Track(MainVideo)
	if t == nil || t.Kind != VideoTrack {
		g.outPos = end
		return
	}
	k := sort.Search(len(t.Pictures), func(i int) bool { return t.Pictures[i].Pos >= base })
	src := t.Pictures[k:]
	if !slices.IsSortedFunc(src, func(a, b Picture) int { return a.Pos - b.Pos }) {
		slices.SortStableFunc(src, func(a, b Picture) int { return a.Pos - b.Pos })
	}
	out := g.scratch[:0]
	j := 0
	for {
		sp := g.slot * rate * den / num
		if sp >= end {
			break
		}
		p := base + int(sp-g.outPos)
		for ; j < len(src) && src[j].Pos <= p; j++ {
			g.shown, g.showing = src[j], true
		}
		if g.showing {
			q := g.shown
			q.Pos = p
			out = append(out, q)
		}
		g.slot++
	}
	if j < len(src) {
		g.shown, g.showing = src[len(src)-1], true
	}
	old := t.Pictures
	t.Pictures = append(old[:k], out...)
	if len(t.Pictures) < len(old) {
		clear(old[len(t.Pictures):])
	}
	clear(out)
	g.scratch = out[:0]
	g.outPos = end
}
