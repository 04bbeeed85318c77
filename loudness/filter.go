package loudness

import "math"

// biquad is a second-order IIR section, a0 normalised to 1.
type biquad struct{ b0, b1, b2, a1, a2 float64 }

// The K-weighting filter of ITU-R BS.1770-4 is specified only by its
// coefficients at 48 kHz. Both stages are bilinear transforms of analogue
// second-order prototypes; the constants below are the prototypes'
// parameters that reproduce the 48 kHz table, so the filters can be
// derived, with frequency prewarping, for any sample rate.
const (
	// Stage 1, a high shelf modelling the head: centre frequency, quality
	// factor, high-frequency gain in dB and the band-gain exponent.
	shelfF0   = 1681.974450955533
	shelfQ    = 0.7071752369554196
	shelfGain = 3.999843853973347
	shelfBand = 0.4996667741545416
	// Stage 2, the revised low-frequency B-curve (RLB): a high-pass.
	rlbF0 = 38.13547087602444
	rlbQ  = 0.5003270373238773
)

// shelfFilter returns stage 1 at rate Hz. Its analogue prototype is
// H(s) = (Vh·s² + Vb·(ω0/Q)·s + ω0²) / (s² + (ω0/Q)·s + ω0²), with
// Vh = 10^(G/20) and Vb = Vh^band; K = tan(π·f0/rate) prewarps ω0.
func shelfFilter(rate float64) biquad {
	k := math.Tan(math.Pi * shelfF0 / rate)
	vh := math.Pow(10, shelfGain/20)
	vb := math.Pow(vh, shelfBand)
	a0 := 1 + k/shelfQ + k*k
	return biquad{
		b0: (vh + vb*k/shelfQ + k*k) / a0,
		b1: 2 * (k*k - vh) / a0,
		b2: (vh - vb*k/shelfQ + k*k) / a0,
		a1: 2 * (k*k - 1) / a0,
		a2: (1 - k/shelfQ + k*k) / a0,
	}
}

// rlbFilter returns stage 2 at rate Hz: the bilinear transform of the
// high-pass s² / (s² + (ω0/Q)·s + ω0²). Like the recommendation's table
// (and libebur128 and FFmpeg), the numerator is kept as 1, -2, 1 rather than
// divided by a0; the -0.691 dB constant of the loudness formula is
// calibrated with that gain.
func rlbFilter(rate float64) biquad {
	k := math.Tan(math.Pi * rlbF0 / rate)
	a0 := 1 + k/rlbQ + k*k
	return biquad{
		b0: 1, b1: -2, b2: 1,
		a1: 2 * (k*k - 1) / a0,
		a2: (1 - k/rlbQ + k*k) / a0,
	}
}

// kstate is the K-weighting filter state of one channel (transposed
// direct form II, two registers per stage).
type kstate struct{ z1, z2, w1, w2 float64 }

// filterEnergy runs x through both stages and returns the sum of the
// squared output.
func filterEnergy(s *kstate, p, r *biquad, x []float32) float64 {
	z1, z2, w1, w2 := s.z1, s.z2, s.w1, s.w2
	pb0, pb1, pb2, pa1, pa2 := p.b0, p.b1, p.b2, p.a1, p.a2
	ra1, ra2 := r.a1, r.a2
	var sum float64
	for _, v := range x {
		xv := float64(v)
		y := pb0*xv + z1
		z1 = pb1*xv - pa1*y + z2
		z2 = pb2*xv - pa2*y
		o := y + w1
		w1 = -2*y - ra1*o + w2
		w2 = y - ra2*o
		sum += o * o
	}
	// Flush tiny values so that silence does not leave the registers
	// in the (slow) subnormal range.
	s.z1, s.z2, s.w1, s.w2 = flush(z1), flush(z2), flush(w1), flush(w2)
	return sum
}

// filterEnergy2 is filterEnergy on two channels at once, which runs
// about twice as fast: the two recursions are independent, so the
// processor overlaps them.
func filterEnergy2(s, t *kstate, p, r *biquad, x, u []float32) (float64, float64) {
	u = u[:len(x)]
	z1, z2, w1, w2 := s.z1, s.z2, s.w1, s.w2
	q1, q2, v1, v2 := t.z1, t.z2, t.w1, t.w2
	pb0, pb1, pb2, pa1, pa2 := p.b0, p.b1, p.b2, p.a1, p.a2
	ra1, ra2 := r.a1, r.a2
	var sum, sum2 float64
	for i, xf := range x {
		xv, uv := float64(xf), float64(u[i])
		y := pb0*xv + z1
		g := pb0*uv + q1
		z1 = pb1*xv - pa1*y + z2
		q1 = pb1*uv - pa1*g + q2
		z2 = pb2*xv - pa2*y
		q2 = pb2*uv - pa2*g
		o := y + w1
		h := g + v1
		w1 = -2*y - ra1*o + w2
		v1 = -2*g - ra1*h + v2
		w2 = y - ra2*o
		v2 = g - ra2*h
		sum += o * o
		sum2 += h * h
	}
	s.z1, s.z2, s.w1, s.w2 = flush(z1), flush(z2), flush(w1), flush(w2)
	t.z1, t.z2, t.w1, t.w2 = flush(q1), flush(q2), flush(v1), flush(v2)
	return sum, sum2
}

func flush(x float64) float64 {
	if math.Abs(x) < 1e-30 {
		return 0
	}
	return x
}
