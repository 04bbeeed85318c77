package dynamics

import "math"

// The compressor computes a logarithm and an exponential per sample; these
// approximations are accurate to about 1e-5 dB and several times faster
// than math.Log10 and math.Exp.

// fastLog2 returns log2(x) for a positive normal x.
func fastLog2(x float64) float64 {
	b := math.Float64bits(x)
	e := float64(int((b>>52)&0x7ff) - 1023)
	m := math.Float64frombits(b&^(0x7ff<<52) | 1023<<52) // [1, 2)
	// log2(m) = 2/ln2·atanh(t), t = (m-1)/(m+1) in [0, 1/3].
	t := (m - 1) / (m + 1)
	t2 := t * t
	return e + t*(2/math.Ln2)*(1+t2*(1.0/3+t2*(1.0/5+t2*(1.0/7+t2*(1.0/9+t2/11)))))
}

// fastExp2 returns 2^y for y in about [-1000, 1000].
func fastExp2(y float64) float64 {
	fl := float64(int64(y)) // math.Floor without SSE4.1 is a call
	if fl > y {
		fl--
	}
	f := (y - fl) * math.Ln2 // [0, ln2)
	// e^f by Taylor series to degree 9: error below 2e-9.
	p := 1 + f*(1+f*(1.0/2+f*(1.0/6+f*(1.0/24+f*(1.0/120+f*(1.0/720+f*(1.0/5040+f*(1.0/40320+f/362880))))))))
	return p * math.Float64frombits(uint64(int64(fl)+1023)<<52)
}
