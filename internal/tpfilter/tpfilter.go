// Package tpfilter designs the 4x true-peak interpolation filter shared by
// the loudness meter and the limiter, so that the limiter keeps its output
// under the ceiling as the meter measures it.
package tpfilter

import "math"

// Taps is the number of input samples each interpolated value uses. The
// interpolated values lie between the window's samples Taps/2-1 and
// Taps/2, so the estimate lags the input by Taps/2 samples.
const Taps = 16

// Filter holds the three interpolating phases (1/4, 2/4, 3/4 of a sample
// after sample Taps/2-1 of the window), Kaiser-windowed sincs normalised to
// unity gain at DC. The phases are symmetric: phase 2/4 is its own mirror
// and phase 3/4 is phase 1/4 mirrored, so with s[k] = w[k]+w[Taps-1-k] and
// d[k] = w[k]-w[Taps-1-k] over the window w, phase 2/4 is Σ Mid[k]·s[k],
// phase 1/4 + phase 3/4 is Σ Even[k]·s[k] and phase 1/4 - phase 3/4 is
// Σ Odd[k]·d[k]: 24 products instead of 48.
type Filter struct {
	Mid, Even, Odd [Taps / 2]float32
	// Bound is the largest Σ|h| of a phase: no interpolated value exceeds
	// Bound times the largest |sample| of its window.
	Bound float32
}

// New designs the filter.
func New() *Filter {
	const beta = 6.0
	var h [3][Taps]float64
	f := &Filter{}
	half := float64(Taps / 2)
	for p := 1; p <= 3; p++ {
		var sum float64
		for j := range Taps {
			off := half - 1 + float64(p)/4 - float64(j)
			h[p-1][j] = sinc(off) * kaiser(off/half, beta)
			sum += h[p-1][j]
		}
		var abs float64
		for j := range Taps {
			h[p-1][j] /= sum
			abs += math.Abs(h[p-1][j])
		}
		f.Bound = max(f.Bound, float32(abs))
	}
	for k := range Taps / 2 {
		a, c := h[0][k], h[0][Taps-1-k]
		f.Mid[k], f.Even[k], f.Odd[k] = float32(h[1][k]), float32(a+c), float32(a-c)
	}
	return f
}

// Peak returns the largest absolute interpolated value of window w (the
// three phases between w[Taps/2-1] and w[Taps/2]; the samples themselves
// are not included).
func (f *Filter) Peak(w *[Taps]float32) float32 {
	var y2, sum, diff float32
	for k := range Taps / 2 {
		s, d := w[k]+w[Taps-1-k], w[k]-w[Taps-1-k]
		y2 += f.Mid[k] * s
		sum += f.Even[k] * s
		diff += f.Odd[k] * d
	}
	// The phases 1/4 and 3/4 are (sum±diff)/2; the larger magnitude is
	// (|sum|+|diff|)/2.
	return max(Abs(y2), (Abs(sum)+Abs(diff))/2)
}

// PeakMax returns the largest of m and Peak of the windows b[i:i+Taps]
// for i in [from, to): one call for a block of samples.
func (f *Filter) PeakMax(b []float32, from, to int, m float32) float32 {
	mid, even, odd := &f.Mid, &f.Even, &f.Odd
	for i := from; i < to; i++ {
		w := (*[Taps]float32)(b[i : i+Taps])
		var y2, sum, diff float32
		for k := range Taps / 2 {
			s, d := w[k]+w[Taps-1-k], w[k]-w[Taps-1-k]
			y2 += mid[k] * s
			sum += even[k] * s
			diff += odd[k] * d
		}
		m = max(m, Abs(y2), (Abs(sum)+Abs(diff))/2)
	}
	return m
}

// Abs returns |x|.
func Abs(x float32) float32 {
	return math.Float32frombits(math.Float32bits(x) &^ (1 << 31))
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
