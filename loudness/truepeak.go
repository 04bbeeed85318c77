package loudness

import "math"

// True peak (ITU-R BS.1770-4 Annex 2): the signal is oversampled four
// times with a polyphase interpolation filter and the largest absolute
// value is kept. Phase 0 of the oversampled signal is the input itself;
// phases 1 to 3 are interpolated with a Kaiser-windowed sinc of tpTaps
// input samples, which delays the estimate by tpTaps/2 samples (the tail
// is measured by Flush).

const (
	tpTaps  = 16   // input samples per interpolated value; even
	tpBlock = 32   // outputs per block in the skip test
	tpChunk = 1024 // input samples handled per pass
	tpBeta  = 6.0  // Kaiser window shape
)

type truePeak struct {
	h [3][tpTaps]float32 // phases 1/4, 2/4, 3/4
	// The phases are symmetric: phase 2/4 is its own mirror and phase 3/4
	// is phase 1/4 mirrored, so with sums s[k] = w[k]+w[T-1-k] and
	// differences d[k] = w[k]-w[T-1-k] of the window w, phase 2/4 is
	// Σ mid[k]·s[k], phase 1/4 + phase 3/4 is Σ even[k]·s[k] and phase
	// 1/4 - phase 3/4 is Σ odd[k]·d[k]: 24 products instead of 48.
	mid, even, odd [tpTaps / 2]float32
	bound          float32     // max over phases of Σ|h|: |y| ≤ bound·max|x|
	buf            [][]float32 // per channel: tpTaps-1 samples of history, then a chunk
	peak           []float32   // per channel: largest |value| so far
	spk            []float32   // per channel: largest |sample| so far
}

func newTruePeak(channels int) *truePeak {
	t := &truePeak{buf: make([][]float32, channels), peak: make([]float32, channels), spk: make([]float32, channels)}
	for c := range t.buf {
		t.buf[c] = make([]float32, tpTaps-1+tpChunk)
	}
	half := float64(tpTaps / 2)
	for p := 1; p <= 3; p++ {
		var w [tpTaps]float64
		var sum float64
		for j := range tpTaps {
			off := half - 1 + float64(p)/4 - float64(j)
			w[j] = sinc(off) * kaiser(off/half, tpBeta)
			sum += w[j]
		}
		var abs float32
		for j := range tpTaps {
			t.h[p-1][j] = float32(w[j] / sum) // unity gain at DC
			abs += float32(math.Abs(w[j] / sum))
		}
		t.bound = max(t.bound, abs)
	}
	for k := range tpTaps / 2 {
		a, c := t.h[0][k], t.h[0][tpTaps-1-k]
		t.mid[k], t.even[k], t.odd[k] = t.h[1][k], a+c, a-c
	}
	return t
}

func sinc(x float64) float64 {
	if x == 0 {
		return 1
	}
	return math.Sin(math.Pi*x) / (math.Pi * x)
}

// kaiser is the Kaiser window at x in [-1, 1].
func kaiser(x, beta float64) float64 {
	if x <= -1 || x >= 1 {
		return 0
	}
	return besselI0(beta*math.Sqrt(1-x*x)) / besselI0(beta)
}

func besselI0(x float64) float64 {
	sum, term := 1.0, 1.0
	for k := 1; k < 50; k++ {
		term *= (x / (2 * float64(k))) * (x / (2 * float64(k)))
		sum += term
		if term < sum*1e-17 {
			break
		}
	}
	return sum
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
	// Output i interpolates between b[i+tpTaps/2-1] and b[i+tpTaps/2]
	// from the window b[i:i+tpTaps].
	for i0 := 0; i0 < n; i0 += tpBlock {
		i1 := min(i0+tpBlock, n)
		var m float32
		for _, v := range b[i0 : i1+tpTaps-1] {
			m = max(m, abs32(v))
		}
		if m*t.bound <= peak {
			continue // nothing in this block can beat the peak
		}
		for i := i0; i < i1; i++ {
			w := (*[tpTaps]float32)(b[i : i+tpTaps])
			var y2, sum, diff float32
			for k := range tpTaps / 2 {
				s, d := w[k]+w[tpTaps-1-k], w[k]-w[tpTaps-1-k]
				y2 += t.mid[k] * s
				sum += t.even[k] * s
				diff += t.odd[k] * d
			}
			// |y1| and |y3| are |sum±diff|/2; the larger is (|sum|+|diff|)/2.
			peak = max(peak, abs32(y2), (abs32(sum)+abs32(diff))/2)
		}
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

func abs32(x float32) float32 {
	return math.Float32frombits(math.Float32bits(x) &^ (1 << 31))
}
