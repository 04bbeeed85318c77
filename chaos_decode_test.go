package onair_test

import (
	"fmt"
	"math"
	"os"
)

// chaosSide is one side (ending or starting track) of the decoder.
type chaosSide struct {
	seg     int     // absolute index of the segment followed, plus one
	pos     int     // next sample of the segment expected
	present bool    // heard (gain >= chaosAudible) on the previous sample
	gain    float64 // last gain heard
}

const (
	chaosAudible = 2e-2 // gain below which a side is not decoded
	chaosSilence = 1e-3 // level below which a sample is silent
	// chaosLead is how many samples of a fade's quiet end (gain below
	// chaosAudible, about 720 samples of a 1 s sine fade at 8 kHz) may
	// pass undecoded.
	chaosLead = 1024
)

// chaosDecoder follows an output: it decodes every sample as a mix of
// the tap's segments k and k+1 and checks exact accounting, clicks and
// dead air.
type chaosDecoder struct {
	led   *chaosLedger
	v     *chaosViolations
	skips func() []int // main-clock ticks of the crossfade Skips so far
	tick  *int         // the main clock's tick

	k          int
	a, b       chaosSide
	usedSkips  int // skips (index in skips()) used or too old
	bs         int // segments the starting side played whole (it is segment k+1+bs)
	kTick      int // tick at which segment k became the ending side
	prev       float32
	prevGain   float64
	started    bool
	silent     int
	frameSize  int
	mixed      bool
	broken     bool // undecodable: stop accounting until pure again
	worstStep  float64
	longestSil int
	missingOK  int // samples of a fading tail not heard (inaudible)
	transits   int
	hist       [][chaosChannels]float32
}

func (d *chaosDecoder) feed(a [][]float32, n int) {
	var c [chaosChannels]float32
	for i := range n {
		for ch := range c {
			c[ch] = a[ch][i]
		}
		d.sample(&c)
	}
}

func (d *chaosDecoder) sample(c *[chaosChannels]float32) {
	// dead air and clicks on the material channel
	if math.Abs(float64(c[0])) < chaosSilence {
		d.silent++
		d.longestSil = max(d.longestSil, d.silent)
		if d.silent == d.frameSize+1 {
			d.v.add("no dead air", "output silent for more than a frame (%d samples)", d.silent)
		}
	} else {
		d.silent = 0
	}
	gain := float64(c[3])
	if d.started {
		step := math.Abs(float64(c[0] - d.prev))
		d.worstStep = max(d.worstStep, step)
		// The material's own step, plus the steepest ramp the crossfade
		// makes on purpose: the 5 ms raised-cosine ramps that join a
		// nearly empty track to its neighbours (a skip's fade takes a
		// frame, 20 ms).
		fade := chaosAmp * math.Pi / (2 * chaosRate * 0.005)
		if limit := max(gain, d.prevGain, 1)*chaosMaxStep*1.01 + max(fade, 2e-3); step > limit {
			d.v.add("no clicks", "step %.4f between two samples (limit %.4f, material max %.4f, sum of gains %.3f), segment %d",
				step, limit, chaosMaxStep, gain, d.k)
		}
	}
	d.prev, d.prevGain, d.started = c[0], gain, true
	d.account(c)
}

func (d *chaosDecoder) account(c *[chaosChannels]float32) {
	d.hist = append(d.hist, *c)
	if len(d.hist) > 800 {
		d.hist = d.hist[1:]
	}
	if d.broken {
		d.resync(c)
		return
	}
	ok, why := d.try(c, false, 0)
	if ok {
		return
	}
	// the ending track may be over: try the next pair
	if ok2, why2 := d.try(c, true, 0); ok2 {
		return
	} else {
		why += "; with the next pair: " + why2
	}
	// the starting side may have played short tracks whole and gone on
	// with the track after them (nearly empty tracks are taken with the
	// next one), while the ending track still fades
	savedBs, savedB, skipped := d.bs, d.b, 0
	for {
		kb := d.k + 1 + d.bs
		B, _, ok := d.led.seg(kb)
		if !ok {
			break
		}
		sb := fresh(d.b, kb, B)
		left := B.from + B.n - sb.pos
		if left != 0 && (sb.present || left > chaosLead) {
			break
		}
		skipped += left
		d.bs, d.b = d.bs+1, chaosSide{}
		if ok3, _ := d.try(c, false, 0); ok3 {
			d.missingOK += skipped
			return
		}
	}
	d.bs, d.b = savedBs, savedB
	// or the ending track is over and the track after the starting one
	// comes in past nearly empty tracks that were never heard
	skipped = 0
	for skip := 1; ; skip++ {
		B, _, ok := d.led.seg(d.k + 1 + d.bs + skip)
		if !ok || B.n > chaosLead {
			break
		}
		skipped += B.n
		if ok4, _ := d.try(c, true, skip); ok4 {
			d.missingOK += skipped
			return
		}
	}
	if d.jump(c) {
		return
	}
	d.broken = true
	if os.Getenv("CHAOSDUMP") != "" {
		for i, h := range d.hist {
			fmt.Printf("%4d %v\n", i-len(d.hist)+1, h)
		}
	}
	where := "nowhere at the tap"
	if j := d.led.find(int(c[5]), int(c[6])); j >= 0 {
		where = fmt.Sprintf("in segment %d", j)
	}
	d.v.add("exact accounting (output)", "undecodable sample %v (track %d sample %d is %s) at segment %d (tap: %s): %s",
		*c, int(c[5]), int(c[6]), where, d.k, d.led.around(d.k), why)
}

// jump handles a pure sample that starts a later segment: the segments
// between were dropped (each drop must be explained, see finish).
func (d *chaosDecoder) jump(c *[chaosChannels]float32) bool {
	if c[3] != 1 {
		return false
	}
	j := d.led.find(int(c[5]), int(c[6]))
	seg, _, _ := d.led.seg(j)
	if j <= d.k || int(c[6]) != seg.from || c[1] != seg.col {
		return false
	}
	for i := d.k; i < j; i++ {
		var s chaosSide
		switch i {
		case d.k:
			s = d.a
		case d.k + 1:
			s = d.b
		}
		if sg, _, ok := d.led.seg(i); ok {
			s = fresh(s, i, sg)
		}
		d.finish(i, s)
	}
	d.k, d.bs, d.kTick = j, 0, *d.tick
	d.a = chaosSide{seg: j + 1, pos: seg.from + 1, present: true, gain: 1}
	d.b = chaosSide{}
	d.transits++
	return true
}

// resync finds the segment of a pure sample after an undecodable one.
func (d *chaosDecoder) resync(c *[chaosChannels]float32) {
	id, idx := int(c[5]), int(c[6])
	if math.Abs(float64(c[3])-1) > 1e-6 || c[5] != float32(id) {
		return
	}
	for k := d.k; ; k++ {
		s, _, ok := d.led.seg(k)
		if !ok {
			return
		}
		if s.id == id && idx >= s.from && idx < s.from+s.n && c[1] == s.col {
			d.k, d.bs, d.kTick, d.broken = k, 0, *d.tick, false
			d.a = chaosSide{seg: k + 1, pos: idx + 1, present: true, gain: 1}
			d.b = chaosSide{}
			return
		}
	}
}

// fresh returns s when it follows segment k, else a side at its start.
func fresh(s chaosSide, k int, seg chaosSeg) chaosSide {
	if s.seg != k+1 {
		return chaosSide{seg: k + 1, pos: seg.from}
	}
	return s
}

// try decodes c as a mix of the ending and starting sides' segments,
// or with shift as a mix of the starting side's segment and the one after
// it (skip segments later), and commits the result when it fits.
func (d *chaosDecoder) try(c *[chaosChannels]float32, shift bool, skip int) (bool, string) {
	k, kb := d.k, d.k+1+d.bs // segments of the ending and starting sides
	sa, sb := d.a, d.b
	if shift {
		k = kb
		kb = k + 1 + skip
		sa, sb = d.b, chaosSide{}
	}
	A, _, ok := d.led.seg(k)
	if !ok {
		return false, fmt.Sprintf("segment %d not at the tap yet", k)
	}
	sa = fresh(sa, k, A)
	B, _, hasB := d.led.seg(kb)
	if hasB {
		sb = fresh(sb, kb, B)
	}
	cA, cB := float64(A.col), float64(B.col)
	c1, c2, c3, c4 := float64(c[1]), float64(c[2]), float64(c[3]), float64(c[4])
	var gA, gB, pA, pB float64
	if hasB && cA != cB {
		gB = (c1 - cA*c3) / (cB - cA)
		gA = c3 - gB
		pB = (c4 - cA*c2) / (cB - cA)
		pA = c2 - pB
	} else {
		if math.Abs(c1-cA*c3) > 1e-3 {
			return false, fmt.Sprintf("colour %.4f is not track %d's alone", c1, A.id)
		}
		gA, pA = c3, c2
	}
	if gA < -1e-3 || gB < -1e-3 || gA > 1.001 || gB > 1.001 {
		return false, fmt.Sprintf("gains %.4f, %.4f of tracks %d, %d out of range", gA, gB, A.id, B.id)
	}
	da, why := d.side(&sa, gA, pA, A)
	if why != "" {
		return false, why
	}
	db := 0
	if hasB {
		if db, why = d.side(&sb, gB, pB, B); why != "" {
			return false, why
		}
		// a starting side never runs past its segment once the tap has
		// closed it: such an index means the mix holds another track
		// than B (B played whole, inaudible, and the one after it is
		// coming in)
		if _, closed, _ := d.led.seg(kb); closed && gB >= chaosAudible && sb.pos+db >= B.from+B.n {
			return false, fmt.Sprintf("track %d: sample %d is past its segment (%d samples from %d)", B.id, sb.pos+db, B.n, B.from)
		}
	}
	want := 0.0
	if gA >= chaosAudible {
		want += gA * float64(chaosMaterial(A.id, sa.pos+da))
	}
	if gB >= chaosAudible {
		want += gB * float64(chaosMaterial(B.id, sb.pos+db))
	}
	if math.Abs(float64(c[0])-want) > 2*chaosAudible*chaosAmp+2e-3 {
		return false, fmt.Sprintf("material %.4f, want %.4f for tracks %d@%d×%.3f + %d@%d×%.3f",
			c[0], want, A.id, sa.pos+da, gA, B.id, sb.pos+db, gB)
	}
	// commit
	if shift {
		d.finish(d.k, d.a)
		d.k, d.bs = k, skip
		d.kTick = *d.tick
		d.transits++
	}
	d.advance(&sa, gA, da, A)
	if hasB {
		d.advance(&sb, gB, db, B)
	}
	d.a, d.b = sa, sb
	if end := A.from + A.n; d.a.pos > end {
		// the track goes on in a later segment (it resumed after the
		// segments between, which were dropped)
		if j := d.led.find(A.id, end); j > k {
			for i := k + 1; i < j; i++ {
				sg, _, _ := d.led.seg(i)
				d.finish(i, fresh(d.b, i, sg))
			}
			d.k, d.bs, d.kTick, d.a.seg, d.b = j, 0, *d.tick, j+1, chaosSide{}
			return true, ""
		}
		d.v.add("exact accounting (output)", "track %d: sample %d reached the output, the tap passed only %d", A.id, d.a.pos-1, end)
	}
	d.mixed = sa.present && sb.present
	if hasB && c[3] == 1 && c[1] == B.col && c[5] == float32(B.id) {
		// the starting track plays alone: the ending one is over
		d.finish(d.k, d.a)
		d.k, d.bs = kb, 0
		d.kTick = *d.tick
		d.a, d.b = d.b, chaosSide{}
		d.transits++
	}
	return true, ""
}

// side checks one side's index against the next one expected: it must
// be that one, or a few later when the side comes in at a low gain (its
// first samples were inaudible).
func (d *chaosDecoder) side(s *chaosSide, g, p float64, seg chaosSeg) (int, string) {
	if g < chaosAudible {
		return 0, ""
	}
	idx := p / g
	r := math.Round(idx)
	if math.Abs(idx-r) > 0.3 {
		return 0, fmt.Sprintf("track %d: index %.2f is not a sample", seg.id, idx)
	}
	delta := ((int(r)-s.pos)%chaosMod + chaosMod) % chaosMod
	if delta == 0 {
		return 0, ""
	}
	// a side coming in: its first samples were below chaosAudible (a
	// slow fade-in, or one of a few samples for a very short track)
	if !s.present && (delta <= chaosLead && g < 0.1 || delta <= 2) {
		return delta, ""
	}
	if delta > chaosMod/2 {
		delta -= chaosMod
	}
	return 0, fmt.Sprintf("track %d: sample %d at gain %.3f, want sample %d (off by %d)", seg.id, s.pos+delta, g, s.pos, delta)
}

func (d *chaosDecoder) advance(s *chaosSide, g float64, delta int, seg chaosSeg) {
	if g < chaosAudible {
		s.present = false
		return
	}
	d.missingOK += delta
	s.pos += delta + 1
	s.present, s.gain = true, g
}

// finish closes segment k: its samples not heard must be a faded tail,
// or explained by a logged Skip of the crossfade since it started.
func (d *chaosDecoder) finish(k int, s chaosSide) {
	seg, _, ok := d.led.seg(k)
	if !ok {
		return
	}
	missing := seg.from + seg.n - s.pos
	if missing <= 0 {
		return
	}
	if missing <= chaosLead && s.gain < 0.1 {
		d.missingOK += missing
		return
	}
	// a Skip of the crossfade drops the rest of one track: one asked
	// while this segment was on air, not used for another drop
	sk := d.skips()
	for d.usedSkips < len(sk) && sk[d.usedSkips] < d.kTick-1 {
		d.usedSkips++
	}
	if d.usedSkips < len(sk) {
		d.usedSkips++
		return
	}
	d.v.add("exact accounting (output)", "track %d: %d samples (%d to %d) never reached the output, last heard at gain %.3f; no Skip of the crossfade since tick %d is left to explain it (each Skip ends one track)",
		seg.id, missing, s.pos, seg.from+seg.n-1, s.gain, d.kTick)
}
