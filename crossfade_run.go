package onair

import (
	"maps"
	"slices"
	"time"
)

// fill ticks the child clock until the lookahead holds what the next need
// samples of output require (see filled), at most limit times (0: as many
// as that takes). It reports false when the input stopped producing first.
func (x *Crossfader) fill(need, limit int) bool {
	end, start := x.durations()
	if limit <= 0 {
		limit = (2*end+start+need)/max(x.frameSize, 1) + 8
	}
	for range limit {
		if x.filled(need, end, start) {
			return true
		}
		if !x.pull() {
			return false
		}
	}
	return x.filled(need, end, start)
}

// pull ticks the input's clock once and reports whether the input gave
// data.
func (x *Crossfader) pull() bool {
	x.got = false
	x.child.Tick()
	return x.got
}

// filled reports whether the lookahead reaches far enough: past the start
// of the next track (start+end samples of it, or up to the track after)
// when the end of the current track is buffered, and otherwise end+need
// samples ahead.
func (x *Crossfader) filled(need, end, start int) bool {
	if m, ok := x.la.firstMarkAfter(x.la.head); ok {
		if _, known := x.nextSpan(m); known {
			return true
		}
		// Past the start of the next track by its start window and by an
		// end window more, so that a next track too short for both is
		// known as such (see startTransition).
		return x.la.tail >= m+int64(start+end)
	}
	return x.la.len() >= end+need
}

// nextSpan returns where the next track, starting at mark m, ends as the
// transition sees it (the next mark, or the lookahead's tail when that is
// not buffered yet, known false). A track shorter than a tenth of a
// second (a nearly empty file) cannot cross in and out on its own: it is
// taken with the track after it, as one starting side whose inner marks
// are kept.
func (x *Crossfader) nextSpan(m int64) (stop int64, known bool) {
	tiny := int64(x.format.Samples(100 * time.Millisecond))
	cur := m
	for {
		m2, ok := x.la.firstMarkAfter(cur)
		if !ok {
			return x.la.tail, false
		}
		if m2-cur >= tiny {
			return m2, true
		}
		cur = m2
	}
}

// Generate plays the current track from the lookahead, keeping its last
// Duration buffered, and the transitions at track changes.
func (g *xfGen) Generate(f *Frame) error {
	x := (*Crossfader)(g)
	first := len(f.meta)
	base := f.Len()
	for f.Free() > 0 {
		if x.fast != nil || x.user != nil {
			if !x.playTransition(f) {
				break
			}
			continue
		}
		end, _ := x.durations()
		need := f.Free()
		stalled := !x.fill(need, 0)
		if x.skipWait && x.nextArrived() {
			x.skipNow()
			// Buffer the next track as far as the input gives it now: an
			// input that falls silent again must not find the lookahead
			// holding one frame.
			x.fill(x.frameSize, 0)
			continue
		}
		if x.trim > 0 && x.trimLead() {
			continue // fill again for what was left out
		}
		head := x.la.head
		m, hasMark := x.la.firstMarkAfter(head)
		var limit int
		switch {
		case hasMark:
			// Keep the end of the track for the transition, but play at
			// least its first sample when it has not started yet, so that
			// its mark and metadata are not lost inside the transition.
			avail := int(m - head)
			win := min(end, avail)
			if len(x.la.marks) > 0 && x.la.marks[0] == head {
				win = min(win, avail-1)
			}
			limit = avail - win
		case stalled:
			limit = x.la.len()
		default:
			limit = x.la.len() - end
		}
		if limit > 0 {
			if x.emitBody(f, min(limit, need)) == 0 {
				break // a packet stream changes: the rest goes in the next frame
			}
			continue
		}
		if !hasMark {
			break
		}
		x.startTransition(m, stalled)
	}
	x.dedup(f, first)
	x.grid.apply(x.format, f, base)
	return nil
}

// nextArrived pulls the input (skipped by a Skip that waits) until the
// next track starts in the lookahead or the input has no data now. It
// reports whether the Skip can go on: the next track is there, or the
// track playing is nearly out (the input stalls).
func (x *Crossfader) nextArrived() bool {
	for range 8 {
		if _, ok := x.la.firstMarkAfter(x.la.head); ok {
			return true
		}
		if !x.pull() {
			break
		}
	}
	_, ok := x.la.firstMarkAfter(x.la.head)
	return ok || x.la.len() <= 2*x.frameSize
}

// emitBody plays up to n samples of the current track from the
// lookahead and returns how many it played.
func (x *Crossfader) emitBody(f *Frame, n int) int {
	end := x.la.head + int64(n)
	for _, p := range x.la.marks {
		if p < end {
			x.curMeta = nil // a new track starts in this span
		}
		if p > x.la.head && p < end {
			x.rampLen = 0 // the ramp was for the track before it
		}
	}
	for _, md := range x.la.meta {
		if md.pos < end {
			x.curMeta = md.m
		}
	}
	base := f.Len()
	k := x.la.pop(f, n)
	if x.rampPos < x.rampLen {
		x.ramp(f, base, k)
	}
	return k
}

// ramp goes on with the fade-in of a transition that had too little of
// the starting track (its input stalled): the gain of the body's audio
// rises from where the transition left it to 1.
func (x *Crossfader) ramp(f *Frame, base, k int) {
	n := min(k, x.rampLen-x.rampPos)
	for _, tr := range f.Tracks() {
		if tr.Kind == AudioTrack {
			x.applyRamp(tr.Audio, base, n)
		}
	}
	x.rampPos += n
}

// applyRamp multiplies samples [base, base+n) of audio by the body's
// fade-in from x.rampPos on.
func (x *Crossfader) applyRamp(audio [][]float32, base, n int) {
	for _, ch := range audio {
		for i := range n {
			ch[base+i] *= float32(xfCurve(float64(x.rampPos+i) / float64(x.rampLen)))
		}
	}
}

// rampSide goes on with the body's fade-in (see ramp) over the first
// samples of the ending side: a track still fading in after a skip, or
// after a degraded transition, that is short enough to go straight into
// a transition must not jump to full level there.
func (x *Crossfader) rampSide(audio [][]float32, n int) {
	n = min(n, x.rampLen-x.rampPos)
	if n <= 0 {
		return
	}
	x.applyRamp(audio, 0, n)
	x.rampPos += n
}

// startTransition takes the end of the current track (up to the mark at
// m) and the start of the next one out of the lookahead and builds the
// transition.
//
// A next track that ends within its start and end windows is split: the
// transition takes what comes before its end window (at most its start
// window, and about half of a track shorter than both), so that the short
// track keeps an end of its own to cross into the track after it. When
// the input stalled before the start window of the next track arrived,
// the transition degrades: what arrived of the starting track enters late
// so that both end together, fading in over its own length (at least
// 5 ms, going on over the data that comes later, see ramp), so that it is
// at full level when the ending track is gone, and the ending track fades
// out over the same length (its fade as in a full transition, the
// built-in fades or, for a Transition function, its whole buffered end,
// when that is shorter; see newXfMix): a fade-in of the full FadeIn from
// there would leave the output near silent for a good part of a second.
// Nothing is spliced, and the output dips to silence only when none of
// the starting track arrived.
func (x *Crossfader) startTransition(m int64, stalled bool) {
	endLen, startLen := x.durations()
	head := x.la.head
	lenA := int(m - head)
	stop, known := x.nextSpan(m)
	lenB := max(0, min(startLen, int(stop-m)))
	if lb := int(stop - m); known && lb < startLen+endLen {
		lenB = min(startLen, lb-min(endLen, lb/2))
	}
	degraded := stalled && !known && lenB < startLen
	ch := len(x.la.chans)
	rate := x.format.SampleRate

	a := &x.endBuf
	a.reserve(ch, lenA)
	a.rate, a.start = rate, false
	x.la.readAudio(head, lenA, a.audio, 0)
	x.la.copySide(a, head, lenA)
	x.rampSide(a.audio, lenA)
	b := &x.startBuf
	b.reserve(ch, lenB)
	b.rate, b.start = rate, true
	x.la.readAudio(m, lenB, b.audio, 0)
	x.la.copySide(b, m, lenB)
	for _, im := range x.la.marks {
		if im > m && im < m+int64(lenB) {
			b.marks = append(b.marks, int(im-m)) // tiny tracks taken with it
		}
	}
	r := x.format.Samples(5 * time.Millisecond) // the shortest ramp: joins, tiny sides, late starts
	b.smoothJoins(r)
	var startMeta Metadata
	for _, md := range x.la.meta {
		switch {
		case md.pos < m:
			x.curMeta = md.m
		case md.pos < m+int64(lenB) || md.pos == m:
			b.meta = append(b.meta, MetadataAt{Pos: int(md.pos - m), Metadata: md.m})
			if startMeta == nil {
				startMeta = md.m
			}
		}
	}
	// Drop both sides from the lookahead, with the next track's mark and
	// the metadata moved to the starting side.
	x.la.drop(lenA + lenB)
	x.la.removeMark(m)
	if lenB == 0 {
		x.la.meta = slices.DeleteFunc(x.la.meta, func(md pcmMeta) bool { return md.pos == m })
	}

	w := min(x.width, lenA)
	ending := TrackEnd{Level: a.level(lenA-w, w), Metadata: x.curMeta, Duration: x.format.Duration(lenA), buf: a}
	w = min(x.width, lenB)
	starting := TrackEnd{Level: b.level(0, w), Metadata: startMeta, Duration: x.format.Duration(lenB), buf: b}
	x.count.Add(1)
	x.log.Debug("crossfade transition", "source", x.node.id,
		"ending_db", ending.Level, "starting_db", starting.Level,
		"ending", ending.Duration, "starting", starting.Duration)
	if len(b.meta) > 0 {
		x.curMeta = b.meta[len(b.meta)-1].Metadata
	} else {
		x.curMeta = nil
	}

	x.rampPos, x.rampLen = 0, 0
	if lenA < endLen && lenA < x.format.Samples(100*time.Millisecond) {
		// A nearly empty track as the ending side (a tiny track reached by
		// a skip) can carry no fade: the next track would fade in from
		// silence after it. The two are joined with short ramps instead,
		// as the tiny tracks of a starting side are (see smoothJoins). An
		// end window that is short because Duration is short crosses as
		// usual.
		x.fast = newXfMix(ending, starting, min(r, lenA/2), r, true)
		if lenB < r {
			x.rampPos, x.rampLen = lenB, r
		}
		return
	}
	if degraded {
		fadeOut, fadeIn := lenA, startLen
		if x.opts.Transition == nil {
			fadeOut = ending.fadeSamples("liq_fade_out", x.opts.FadeOut)
			fadeIn = starting.fadeSamples("liq_fade_in", x.opts.FadeIn)
		}
		x.log.Warn("crossfade: the next track did not arrive in time: a shorter transition", "source", x.node.id,
			"have", x.format.Duration(lenB), "want", x.format.Duration(startLen))
		fadeIn = min(fadeIn, max(lenB, r))
		mx := newXfMix(ending, starting, fadeOut, 0, false)
		mx.fadeIn = fadeIn
		x.fast = mx
		if fadeIn > lenB {
			x.rampPos, x.rampLen = lenB, fadeIn
		}
		return
	}
	src := x.transition(ending, starting)
	if mx, ok := src.(*xfMix); ok && mx.node == nil {
		x.fast = mx
		return
	}
	if src == nil {
		x.fast = newXfMix(ending, starting, 0, 0, true)
		return
	}
	if err := x.node.Attach(src); err != nil {
		x.log.Error("crossfade transition failed: playing the tracks in sequence", "source", x.node.id, "err", err)
		x.fast = newXfMix(ending, starting, 0, 0, true)
		return
	}
	x.user = src
}

// playTransition plays the running transition into f. It reports whether
// the transition ended with room left in f.
func (x *Crossfader) playTransition(f *Frame) bool {
	if x.fast != nil {
		x.fast.Generate(f)
		if x.fast.pos < x.fast.length {
			x.topUp()
			return false
		}
		x.endTransition()
		n := x.skips
		x.skips = 0
		for range n { // the skips that came too late to fade inside it
			(*xfGen)(x).Skip()
		}
		return true
	}
	tn := x.user.Node()
	if !tn.Ready() {
		x.endTransition()
		return true
	}
	in := tn.Peek()
	if packetClash(f, in) {
		// Its packets are of another stream than f's: next frame.
		x.topUp()
		return false
	}
	k := f.Append(in, 0, in.Len())
	tn.Consume(k)
	if k < in.Len() || in.Len() == in.Size() {
		// f is full, or the transition may have more next tick.
		x.topUp()
		return false
	}
	x.endTransition()
	return true
}

// topUp refills the lookahead a little during a transition, so that it
// is full again when the transition ends instead of in one burst.
func (x *Crossfader) topUp() {
	x.fill(x.frameSize, 2)
}

// endTransition stops the running transition and releases its sources
// and the pictures and packets of its two sides.
func (x *Crossfader) endTransition() {
	x.fast = nil
	x.endBuf.release()
	x.startBuf.release()
	if x.user != nil {
		x.node.Detach(x.user)
		x.user = nil
	}
}

// dedup drops, from the metadata added to f (from index first on), the
// empty ones and those equal to the metadata emitted before them.
func (x *Crossfader) dedup(f *Frame, first int) {
	w := 0
	for i, md := range f.meta {
		if i >= first {
			if len(md.Metadata) == 0 || maps.Equal(md.Metadata, x.lastMeta) {
				continue
			}
			x.lastMeta = md.Metadata
		}
		f.meta[w] = md
		w++
	}
	clear(f.meta[w:])
	f.meta = f.meta[:w]
}
