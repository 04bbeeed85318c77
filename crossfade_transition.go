package onair

import (
	"io"
	"math"
	"strconv"
	"time"
)

// A TransitionFunc builds the transition between two tracks for
// [Crossfade] ([CrossfadeOptions.Transition]):
// a source that plays the end of the ending track and the start of the
// starting one, combined as the function likes (faded and summed, in
// sequence with a jingle between them, ...). It is called on the clock
// goroutine at each track change; the sources it returns are attached to
// the graph for the transition and released after it.
//
// The transition ends when its source becomes unready or produces less
// than a full frame; the rest of the starting track follows at once. A nil
// source plays the two sides in sequence. Sources built from the
// [TrackEnd] arguments are only valid during the transition.
type TransitionFunc func(ending, starting TrackEnd) Source

// TrackEnd is one side of a transition: the buffered end of the ending
// track or the buffered start of the starting track, with its level and
// metadata.
type TrackEnd struct {
	// Level is the RMS level of the buffered audio in dB relative to full
	// scale, measured over [CrossfadeOptions.Width] next to the track change
	// (math.Inf(-1) for silence).
	Level float64
	// Metadata is the track's metadata: the latest seen for the ending
	// track, the one at its start for the starting track. It may be nil and
	// must not be modified.
	Metadata Metadata
	// Duration is the duration of the buffered audio (and of the
	// buffered data of the other tracks).
	Duration time.Duration

	buf *xfTrack
}

// Source returns a new source that plays the buffered data once and then
// ends: the audio, with the side's other tracks at their positions. The
// starting side's source begins with the starting track's track mark and
// metadata; the ending side's carries neither, nor packets (during a
// transition only the starting track's packets pass, see [Crossfade]).
// Each call returns an independent source.
func (t TrackEnd) Source() Source {
	if t.buf == nil {
		return NewNode(&xfTrackReader{t: &xfTrack{}}, &NodeOptions{ID: "cross.empty"})
	}
	id := "cross.starting"
	if !t.buf.start {
		id = "cross.ending"
	}
	return NewNode(&xfTrackReader{t: t.buf}, &NodeOptions{ID: id})
}

// SimpleTransition returns the default transition of [Crossfade]: the
// ending track fades out over its last fadeOut while the starting track
// fades in over its first fadeIn, both from the start of the transition
// (or, when the starting side is the shorter, both ending together, the
// ending track fading out over the starting side's length at most, so
// that it is not silent before the starting track enters), and
// the two are summed sample by sample. The fades use a sine curve,
// so that the two gains sum to one. The metadata "liq_fade_out" of the
// ending track and "liq_fade_in" of the starting track (in seconds)
// override the durations; fades longer than the buffered audio are
// shortened to it.
func SimpleTransition(fadeIn, fadeOut time.Duration) TransitionFunc {
	return func(a, b TrackEnd) Source {
		fo := a.fadeSamples("liq_fade_out", fadeOut)
		fi := b.fadeSamples("liq_fade_in", fadeIn)
		return newXfMix(a, b, fo, fi, false)
	}
}

// smartTransition is the transition of [CrossfadeOptions.Smart]: it
// chooses by the levels of the two sides (see there). Zero levels take
// their defaults (-15, -32 and 4 dB).
func smartTransition(fadeIn, fadeOut time.Duration, high, medium, margin float64) TransitionFunc {
	if high == 0 {
		high = -15
	}
	if medium == 0 {
		medium = -32
	}
	if margin == 0 {
		margin = 4
	}
	return func(a, b TrackEnd) Source {
		fo := a.fadeSamples("liq_fade_out", fadeOut)
		fi := b.fadeSamples("liq_fade_in", fadeIn)
		la, lb := a.Level, b.Level
		switch {
		case la <= medium && lb <= medium && math.Abs(la-lb) <= margin:
			return newXfMix(a, b, fo, fi, false)
		case lb >= la+margin && la >= medium && lb <= high:
			return newXfMix(a, b, fo, 0, false)
		case lb >= la+margin && la <= medium && lb <= high:
			return newXfMix(a, b, 0, 0, false)
		case la >= lb+margin && lb >= medium && la <= high:
			return newXfMix(a, b, 0, fi, false)
		}
		return newXfMix(a, b, 0, 0, true)
	}
}

// fadeSamples returns the fade length for this side: d, or the duration in
// seconds under key in the track's metadata.
func (t TrackEnd) fadeSamples(key string, d time.Duration) int {
	if t.buf == nil {
		return 0
	}
	if v, ok := t.Metadata[key]; ok {
		if s, err := strconv.ParseFloat(v, 64); err == nil && s >= 0 && s < 1e6 {
			d = time.Duration(s * float64(time.Second))
		}
	}
	return int((int64(d)*int64(t.buf.rate) + int64(time.Second)/2) / int64(time.Second))
}

// xfTrack holds one side of a transition, copied out of the lookahead.
type xfTrack struct {
	audio [][]float32 // one slice per channel, capacity reused
	n     int
	rate  int
	start bool         // the starting side: begins with a track mark
	marks []int        // more track marks inside the side (tiny tracks)
	meta  []MetadataAt // metadata at positions relative to the start

	extras []xfExtra // the other tracks (see crossfade_tracks.go)
}

// reserve makes room for n samples per channel (allocating only to grow)
// and sets the length to n.
func (t *xfTrack) reserve(channels, n int) {
	if len(t.audio) != channels {
		t.audio = make([][]float32, channels)
	}
	for c := range t.audio {
		if cap(t.audio[c]) < n {
			t.audio[c] = make([]float32, n, n+n/2)
		}
		t.audio[c] = t.audio[c][:n]
	}
	t.n = n
	t.marks = t.marks[:0]
	clear(t.meta)
	t.meta = t.meta[:0]
}

// smoothJoins ramps the audio down over r samples before each inner mark
// and up over r samples after it (at most half of each side's track), so
// that the tracks a starting side holds are not spliced at whatever gain
// the transition has there.
func (t *xfTrack) smoothJoins(r int) {
	prev := 0
	for k, p := range t.marks {
		next := t.n
		if k+1 < len(t.marks) {
			next = t.marks[k+1]
		}
		down, up := min(r, (p-prev)/2), min(r, (next-p)/2)
		for _, ch := range t.audio {
			for i := range down {
				ch[p-1-i] *= float32(xfCurve(float64(i) / float64(down)))
			}
			for i := range up {
				ch[p+i] *= float32(xfCurve(float64(i) / float64(up)))
			}
		}
		prev = p
	}
}

// level returns the RMS level in dB of n samples from off.
func (t *xfTrack) level(off, n int) float64 {
	if n <= 0 || len(t.audio) == 0 {
		return math.Inf(-1)
	}
	var sum float64
	for _, a := range t.audio {
		for _, v := range a[off : off+n] {
			sum += float64(v) * float64(v)
		}
	}
	ms := sum / float64(n*len(t.audio))
	if ms == 0 {
		return math.Inf(-1)
	}
	return 10 * math.Log10(ms)
}

// xfTrackReader plays an xfTrack once.
type xfTrackReader struct {
	t    *xfTrack
	pos  int
	done bool // the mark/metadata at 0 of an empty track were emitted
}

func (r *xfTrackReader) Ready() bool {
	return r.pos < r.t.n || (!r.done && r.t.n == 0 && (r.t.start || len(r.t.meta) > 0))
}

func (r *xfTrackReader) Remaining() int { return r.t.n - r.pos }

func (r *xfTrackReader) Generate(f *Frame) error {
	if !r.Ready() {
		return io.EOF
	}
	n := min(f.Free(), r.t.n-r.pos)
	base := f.Len()
	f.Extend(n)
	audio := f.Audio()
	for c := range min(len(audio), len(r.t.audio)) {
		copy(audio[c][base:base+n], r.t.audio[c][r.pos:r.pos+n])
	}
	r.generateExtras(f, base, r.pos, n)
	if r.pos == 0 && r.t.start {
		f.AddMark(base)
	}
	end := r.pos + n
	for _, p := range r.t.marks {
		if p >= r.pos && p < end {
			f.AddMark(base + p - r.pos)
		}
	}
	for _, m := range r.t.meta {
		if m.Pos >= r.pos && (m.Pos < end || m.Pos == end && end == r.t.n) {
			f.AddMetadata(base+m.Pos-r.pos, m.Metadata)
		}
	}
	r.pos = end
	r.done = true
	return nil
}

// xfMix is the transition source of the built-in transitions:
// the ending side, faded out over its last fadeOut samples, plus the
// starting side, faded in over its first fadeIn samples and starting at
// output offset offB (0: overlapped; the ending's length: in sequence).
// Crossfade runs it directly, without a graph node, unless its Node was
// asked for.
type xfMix struct {
	a, b            *xfTrack
	fadeOut, fadeIn int
	offB            int
	pos, length     int
	node            *Node
	pairs           []xfPair // the other tracks of the sides
	// A Skip's fade to silence of each side, over cutLen samples from
	// output position cutPos (none while cutLen is 0). The sides have
	// their own: a second Skip must not restart the first one's fade.
	aCutPos, aCutLen int
	bCutPos, bCutLen int
	// The starting side's rise to full level after cutEnding: from gain
	// riseFrom at output position riseAt, over riseLen samples.
	riseAt, riseLen int
	riseFrom        float64
}

func newXfMix(a, b TrackEnd, fadeOut, fadeIn int, sequence bool) *xfMix {
	m := &xfMix{a: a.buf, b: b.buf}
	if m.a == nil {
		m.a = &xfTrack{}
	}
	if m.b == nil {
		m.b = &xfTrack{start: true}
	}
	m.fadeOut = min(max(fadeOut, 0), m.a.n)
	m.fadeIn = min(max(fadeIn, 0), m.b.n)
	switch {
	case sequence:
		m.offB = m.a.n
	case m.b.n < m.a.n:
		// The starting side is the shorter one (a short next track, or a
		// short StartDuration): it enters late so that both sides end
		// together and the starting track goes on from the transition
		// without a gap, instead of stopping inside it at full level. The
		// ending side fades out while it plays, not before: a fade-out
		// longer than the starting side would be near silent by the time
		// that side enters (a 3 s sine fade is under -50 dB for its last
		// 100 ms), a dead air before a short track. The fade-out takes at
		// least 5 ms: a starting side shorter than that (the start of a
		// track after an input stall) ramps up over later data (see
		// Crossfader.ramp). An empty starting side (nothing of the next
		// track arrived) joins nothing: the ending side fades out over its
		// whole fade.
		m.offB = m.a.n - m.b.n
		if m.b.n > 0 {
			m.fadeOut = min(m.fadeOut, max(m.b.n, m.b.rate/200))
		}
	}
	m.length = max(m.a.n, m.offB+m.b.n)
	m.pairUp()
	return m
}

// Node returns a graph node that runs the transition, for transitions
// that wrap it in other operators.
func (m *xfMix) Node() *Node {
	if m.node == nil {
		m.node = NewNode(m, &NodeOptions{ID: "crossfade.transition"})
	}
	return m.node
}

func (m *xfMix) Ready() bool { return m.pos < m.length }

func (m *xfMix) Remaining() int { return m.length - m.pos }

// xfCurve is the sine fade curve: 0 at x=0, 1 at x=1, and
// xfCurve(x)+xfCurve(1-x) = 1.
func xfCurve(x float64) float64 { return (1 - math.Cos(math.Pi*x)) / 2 }

// gains returns the gain of each side at output position t.
func (m *xfMix) gains(t int) (ga, gb float64) {
	if t < m.a.n {
		ga = 1
		if j := t - (m.a.n - m.fadeOut); j >= 0 {
			ga = xfCurve(float64(m.fadeOut-j) / float64(m.fadeOut))
		}
	}
	if u := t - m.offB; u >= 0 && u < m.b.n {
		gb = 1
		if u < m.fadeIn {
			gb = xfCurve(float64(u) / float64(m.fadeIn))
		}
		if m.riseLen > 0 && t >= m.riseAt {
			x := min(1, float64(t-m.riseAt)/float64(m.riseLen))
			gb = m.riseFrom + (1-m.riseFrom)*xfCurve(x)
		}
	}
	return ga * cutGain(t, m.aCutPos, m.aCutLen), gb * cutGain(t, m.bCutPos, m.bCutLen)
}

// cutGain is the gain at output position t of a fade to silence over n
// samples from pos (1 when n is 0).
func cutGain(t, pos, n int) float64 {
	if n == 0 || t < pos {
		return 1
	}
	return xfCurve(max(0, 1-float64(t-pos)/float64(n)))
}

// endingCut reports whether a Skip already ended the ending side.
func (m *xfMix) endingCut() bool { return m.aCutLen > 0 }

// cutEnding ends the ending side early (a Skip during a transition): it
// fades to silence over the next n samples while the starting side rises
// from the gain it has to full level over the same samples (or what is
// left of it), entering at once when it was to enter later. The skip
// neither dips to silence nor clicks, and the starting side ends at full
// level.
func (m *xfMix) cutEnding(n int) {
	n = max(n, 1)
	_, from := m.gains(m.pos)
	m.aCutPos, m.aCutLen = m.pos, n
	if m.offB > m.pos {
		m.offB, from = m.pos, 0
	}
	m.length = max(min(m.a.n, m.pos+n), m.offB+m.b.n)
	if left := m.offB + m.b.n - m.pos; left > 0 {
		m.riseAt, m.riseLen, m.riseFrom = m.pos, min(n, left), from
	}
}

// cut ends the transition early: both sides fade to silence over the
// next n samples (a Skip).
func (m *xfMix) cut(n int) {
	n = max(n, 1)
	if !m.endingCut() {
		m.aCutPos, m.aCutLen = m.pos, n
	}
	m.bCutPos, m.bCutLen = m.pos, n
	m.length = min(m.length, m.pos+n)
	m.b.start = m.b.start && m.offB < m.length // no mark for a side cut before it starts
}

// mix writes output positions [m.pos, m.pos+n) of audio a (ending side)
// and b (starting side), faded and summed, to out at base.
func (m *xfMix) mix(out [][]float32, base, n int, a, b [][]float32) {
	for i := range n {
		t := m.pos + i
		ga, gb := m.gains(t)
		u := t - m.offB
		for c, o := range out {
			var v float64
			if ga != 0 && c < len(a) {
				v += ga * float64(a[c][t])
			}
			if gb != 0 && c < len(b) {
				v += gb * float64(b[c][u])
			}
			o[base+i] = float32(v)
		}
	}
}

func (m *xfMix) Generate(f *Frame) error {
	if m.pos >= m.length {
		return io.EOF
	}
	n := min(f.Free(), m.length-m.pos)
	if len(m.pairs) > 0 {
		if n = m.packetLimit(f, n); n == 0 {
			return nil
		}
	}
	base := f.Len()
	f.Extend(n)
	m.mix(f.Audio(), base, n, m.a.audio, m.b.audio)
	if len(m.pairs) > 0 {
		m.extras(f, base, n)
	}
	end := m.pos + n
	last := end == m.length
	if m.b.start && m.offB >= m.pos && (m.offB < end || last && m.offB == end) {
		f.AddMark(base + m.offB - m.pos)
	}
	for _, p := range m.b.marks {
		if p += m.offB; p >= m.pos && p < end {
			f.AddMark(base + p - m.pos)
		}
	}
	for _, md := range m.b.meta {
		p := md.Pos + m.offB
		if p >= m.pos && (p < end || last && p == end) {
			f.AddMetadata(base+p-m.pos, md.Metadata)
		}
	}
	m.pos = end
	return nil
}
