package loudness

import "github.com/onair-go/onair/internal/tpfilter"

// True peak (ITU-R BS.1770-4 Annex 2): the signal is oversampled four
// times with a polyphase interpolation filter (package tpfilter, shared
// with the limiter) and the largest absolute value is kept. Phase 0 of the
// oversampled signal is the input itself. The interpolation lags the input
// by tpfilter.Taps/2 samples; Flush measures the tail.

const (
	tpTaps  = tpfilter.Taps
	tpBlock = 32   // outputs per block in the skip test
	tpChunk = 1024 // input samples handled per pass
)

type truePeak struct {
	f    *tpfilter.Filter
	buf  [][]float32 // per channel: tpTaps-1 samples of history, then a chunk
	peak []float32   // per channel: largest |value| so far
	spk  []float32   // per channel: largest |sample| so far
}

func newTruePeak(channels int) *truePeak {
	t := &truePeak{f: tpfilter.New(), buf: make([][]float32, channels), peak: make([]float32, channels), spk: make([]float32, channels)}
	for c := range t.buf {
		t.buf[c] = make([]float32, tpTaps-1+tpChunk)
	}
	return t
}

func (t *truePeak) reset() {
	for c := range t.buf {
		clear(t.buf[c])
		t.peak[c], t.spk[c] = 0, 0
	}
}

// process measures channel c's samples x.
func (t *truePeak) process(c int, x []float32) {
	for len(x) > 0 {
		n := min(len(x), tpChunk)
		t.chunk(c, x[:n])
		x = x[n:]
	}
}

func (t *truePeak) chunk(c int, x []float32) {
	b := t.buf[c]
	n := len(x)
	copy(b[tpTaps-1:], x)
	sp := samplePeak(t.spk[c], x)
	t.spk[c] = sp
	peak := max(t.peak[c], sp)
	// Output i interpolates within the window b[i:i+tpTaps].
	for i0 := 0; i0 < n; i0 += tpBlock {
		i1 := min(i0+tpBlock, n)
		var m float32
		for _, v := range b[i0 : i1+tpTaps-1] {
			m = max(m, abs32(v))
		}
		if m*t.f.Bound <= peak {
			continue // nothing in this block can beat the peak
		}
		peak = t.f.PeakMax(b, i0, i1, peak)
	}
	t.peak[c] = peak
	copy(b, b[n:n+tpTaps-1])
}

// flush measures the last tpTaps/2 samples of every channel by feeding
// silence, so that a peak at the very end of a programme is seen.
func (t *truePeak) flush() {
	var z [tpTaps / 2]float32
	for c := range t.buf {
		t.chunk(c, z[:])
	}
}

// samplePeak returns the largest of p and the |x[i]|.
func samplePeak(p float32, x []float32) float32 {
	for _, v := range x {
		p = max(p, abs32(v))
	}
	return p
}

func abs32(x float32) float32 { return tpfilter.Abs(x) }
