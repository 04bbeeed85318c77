package onair_test

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"sort"
	"strings"
	"sync"
	"testing"
)

// chaosViolations collects invariant violations by invariant, with the
// first few messages of each (tick and seed included).
type chaosViolations struct {
	mu    sync.Mutex
	seed  uint64
	tick  *int
	count map[string]int
	first map[string][]string
	at    map[string]int // tick of the first violation of each invariant
}

func newChaosViolations(seed uint64, tick *int) *chaosViolations {
	return &chaosViolations{seed: seed, tick: tick, count: map[string]int{}, first: map[string][]string{}, at: map[string]int{}}
}

// add records a violation of the named invariant. It is called on the
// clock goroutine (the driver's) or with the tick known to the caller.
func (v *chaosViolations) add(inv, format string, args ...any) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.count[inv] == 0 {
		v.at[inv] = *v.tick
	}
	v.count[inv]++
	if len(v.first[inv]) < 8 {
		v.first[inv] = append(v.first[inv], fmt.Sprintf("tick %d (seed %d): ", *v.tick, v.seed)+fmt.Sprintf(format, args...))
	}
}

// report fails t once per violated invariant.
func (v *chaosViolations) report(t *testing.T) {
	v.mu.Lock()
	defer v.mu.Unlock()
	keys := make([]string, 0, len(v.count))
	for k := range v.count {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		t.Errorf("chaos seed %d: invariant %q violated %d times; first ones:\n  %s\n(rerun: ONAIR_CHAOS_SEED=%d go test -run TestChaosStation .)",
			v.seed, k, v.count[k], strings.Join(v.first[k], "\n  "), v.seed)
	}
}

// chaosLog is a slog handler that counts records by message and level,
// keeps the tracks whose early end was logged with a cause, and turns
// every Error record into a violation.
type chaosLog struct {
	mu     sync.Mutex
	v      *chaosViolations
	counts map[string]int
	causes map[int]string  // track id -> logged cause of its early end
	expect map[string]bool // Error messages that the test provokes
}

func newChaosLog(v *chaosViolations) *chaosLog {
	return &chaosLog{v: v, counts: map[string]int{}, causes: map[int]string{}, expect: map[string]bool{}}
}

func (h *chaosLog) Enabled(context.Context, slog.Level) bool { return true }
func (h *chaosLog) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h *chaosLog) WithGroup(string) slog.Handler            { return h }

func (h *chaosLog) Handle(_ context.Context, r slog.Record) error {
	var track int
	var cause string
	var attrs []string
	r.Attrs(func(a slog.Attr) bool {
		switch a.Key {
		case "track":
			track = int(a.Value.Int64())
		case "cause":
			cause = a.Value.String()
		}
		attrs = append(attrs, a.String())
		return true
	})
	h.mu.Lock()
	h.counts[r.Level.String()+" "+r.Message]++
	if cause != "" && track != 0 {
		h.causes[track] = cause
	}
	h.mu.Unlock()
	if r.Level >= slog.LevelError && !h.expect[r.Message] {
		h.v.add("no errors logged", "%s %v", r.Message, attrs)
	}
	return nil
}

func (h *chaosLog) cause(track int) string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.causes[track]
}

// chaosSeg is a run of consecutive samples of one track at the tap.
type chaosSeg struct{ id, from, n int }

// chaosLedger records what the Crossfade's input handed on, as segments,
// and checks at once that every track's samples come once, in order:
// a track starts at sample 0 and resumes where it stopped.
type chaosLedger struct {
	v    *chaosViolations
	segs []chaosSeg
	base int         // absolute index of segs[0]
	next map[int]int // id -> next sample expected at the tap
}

func newChaosLedger(v *chaosViolations) *chaosLedger {
	return &chaosLedger{v: v, next: map[int]int{}}
}

func (l *chaosLedger) record(id, idx int) {
	if n := len(l.segs); n > 0 {
		s := &l.segs[n-1]
		if s.id == id && idx == s.from+s.n {
			s.n++
			return
		}
		l.next[s.id] = s.from + s.n
		if s.id == id {
			l.v.add("exact accounting (tap)", "track %d: sample %d follows sample %d", id, idx, s.from+s.n-1)
		}
	}
	if want := l.next[id]; idx != want {
		l.v.add("exact accounting (tap)", "track %d starts or resumes at sample %d, want %d", id, idx, want)
	}
	l.segs = append(l.segs, chaosSeg{id: id, from: idx, n: 1})
}

// seg returns the segment of absolute index k and whether it is closed
// (a later segment exists).
func (l *chaosLedger) seg(k int) (chaosSeg, bool, bool) {
	i := k - l.base
	if i < 0 || i >= len(l.segs) {
		return chaosSeg{}, false, false
	}
	return l.segs[i], i+1 < len(l.segs), true
}

// find returns the absolute index of the segment holding sample idx of
// track id, or -1.
func (l *chaosLedger) find(id, idx int) int {
	for i, s := range l.segs {
		if s.id == id && idx >= s.from && idx < s.from+s.n {
			return l.base + i
		}
	}
	return -1
}

// around describes the segments k-1 to k+2.
func (l *chaosLedger) around(k int) string {
	var b strings.Builder
	for i := k - 1; i <= k+2; i++ {
		if s, _, ok := l.seg(i); ok {
			fmt.Fprintf(&b, "[%d: track %d from %d, %d samples] ", i, s.id, s.from, s.n)
		}
	}
	return b.String()
}

// trim forgets the segments before absolute index k.
func (l *chaosLedger) trim(k int) {
	if i := k - l.base; i > 0 && i <= len(l.segs) {
		l.segs = append(l.segs[:0], l.segs[i:]...)
		l.base = k
	}
}

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
		if limit := max(gain, d.prevGain, 1)*chaosMaxStep*1.01 + 2e-3; step > limit {
			d.v.add("no clicks", "step %.4f between two samples (limit %.4f, material max %.4f, sum of gains %.3f), segment %d",
				step, limit, chaosMaxStep, gain, d.k)
		}
	}
	d.prev, d.prevGain, d.started = c[0], gain, true
	d.account(c)
}

func (d *chaosDecoder) account(c *[chaosChannels]float32) {
	if d.broken {
		d.resync(c)
		return
	}
	ok, why := d.try(c, false)
	if ok {
		return
	}
	// the ending track may be over: try the next pair
	if ok2, why2 := d.try(c, true); ok2 {
		return
	} else {
		why += "; with the next pair: " + why2
	}
	if d.jump(c) {
		return
	}
	d.broken = true
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
	if c[3] != 1 || c[1] != chaosColor(int(c[5])) {
		return false
	}
	j := d.led.find(int(c[5]), int(c[6]))
	seg, _, _ := d.led.seg(j)
	if j <= d.k || int(c[6]) != seg.from {
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
	d.k, d.kTick = j, *d.tick
	d.a = chaosSide{seg: j + 1, pos: seg.from + 1, present: true, gain: 1}
	d.b = chaosSide{}
	d.transits++
	return true
}

// resync finds the segment of a pure sample after an undecodable one.
func (d *chaosDecoder) resync(c *[chaosChannels]float32) {
	id, idx := int(c[5]), int(c[6])
	if math.Abs(float64(c[3])-1) > 1e-6 || c[1] != chaosColor(id) || c[5] != float32(id) {
		return
	}
	for k := d.k; ; k++ {
		s, _, ok := d.led.seg(k)
		if !ok {
			return
		}
		if s.id == id && idx >= s.from && idx < s.from+s.n {
			d.k, d.kTick, d.broken = k, *d.tick, false
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

// try decodes c as a mix of segments k and k+1 (or k+1 and k+2 with
// shift) and commits the result when it fits.
func (d *chaosDecoder) try(c *[chaosChannels]float32, shift bool) (bool, string) {
	k := d.k
	sa, sb := d.a, d.b
	if shift {
		k++
		sa, sb = d.b, chaosSide{}
	}
	A, _, ok := d.led.seg(k)
	if !ok {
		return false, fmt.Sprintf("segment %d not at the tap yet", k)
	}
	sa = fresh(sa, k, A)
	B, _, hasB := d.led.seg(k + 1)
	if hasB {
		sb = fresh(sb, k+1, B)
	}
	cA, cB := float64(chaosColor(A.id)), float64(chaosColor(B.id))
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
		d.k++
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
			d.k, d.kTick, d.a.seg, d.b = j, *d.tick, j+1, chaosSide{}
			return true, ""
		}
		d.v.add("exact accounting (output)", "track %d: sample %d reached the output, the tap passed only %d", A.id, d.a.pos-1, end)
	}
	d.mixed = sa.present && sb.present
	if hasB && c[3] == 1 && c[1] == chaosColor(B.id) && c[5] == float32(B.id) {
		// the starting track plays alone: the ending one is over
		d.finish(d.k, d.a)
		d.k++
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
