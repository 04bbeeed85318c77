package dynamics

import (
	"math"

	"github.com/onair-go/onair/internal/tpfilter"
)

// limitCore is the limiter's signal path, for linked channels:
//
//  1. a true-peak estimate p[k] of each input sample k: the largest of
//     |x[k]| and the three values interpolated between k and k+1, over all
//     channels (known tpfilter.Taps/2 samples later);
//  2. the gain it needs, g[k] = min(1, ceiling/p[k]);
//  3. the minimum of g over the last L samples (L: the look-ahead), with a
//     release: the gain falls at once and rises back with the release
//     time constant (r[k] <= that minimum);
//  4. the mean of r over the last L samples, s[k], which is the gain
//     applied to sample k-L+1: every term of that mean covers sample
//     k-L+1, so s[k] <= g[k-L+1], and the gain moves smoothly over L
//     samples instead of jumping.
//
// The audio is delayed by the same D = L + Taps/2 - 1 samples.
type limitCore struct {
	flt     *tpfilter.Filter
	ceiling float32
	rel     float64 // release coefficient
	la      int     // L
	delay   int     // D

	hist [][]float32 // per channel: the last Taps samples, twice (see push)
	hpos int

	qv   []float64 // monotonic queue of (gain, index) for the sliding minimum
	qi   []int64
	qh   int // head and length of the queue (ring of len(qv))
	ql   int
	r    float64
	box  []float64 // the last L values of r
	bpos int
	sum  float64

	line [][]float32 // per channel: the last D input samples
	lpos int
	n    int64 // input samples pushed (real and flush zeros)
	min  float64
}

func newLimitCore(channels, lookahead int, ceiling, rel float64) *limitCore {
	c := &limitCore{flt: tpfilter.New(), ceiling: float32(ceiling), rel: rel, la: lookahead}
	c.delay = lookahead + tpfilter.Taps/2 - 1
	c.hist = make([][]float32, channels)
	c.line = make([][]float32, channels)
	for i := range channels {
		c.hist[i] = make([]float32, 2*tpfilter.Taps)
		c.line[i] = make([]float32, c.delay)
	}
	c.qv, c.qi = make([]float64, lookahead+1), make([]int64, lookahead+1)
	c.box = make([]float64, lookahead)
	c.reset()
	return c
}

func (c *limitCore) reset() {
	for i := range c.hist {
		clear(c.hist[i])
		clear(c.line[i])
	}
	c.hpos, c.lpos, c.n = 0, 0, 0
	c.qh, c.ql = 0, 0
	c.r = 1
	for i := range c.box {
		c.box[i] = 1
	}
	c.bpos, c.sum = 0, float64(c.la)
	c.min = 1
}

// held is how many input samples are inside the delay line.
func (c *limitCore) held() int { return int(min(c.n, int64(c.delay))) }

// push runs one sample of every channel (in[ch][i], or silence when in is
// nil) through the limiter and writes the sample leaving the delay line to
// out[ch][o]; it reports whether one left (the first D do not).
func (c *limitCore) push(in [][]float32, i int, out [][]float32, o int) bool {
	// 1. True-peak estimate of the sample Taps/2 before this one. Each
	// channel's window is kept twice in a row so that the last Taps
	// samples are always contiguous.
	const T = tpfilter.Taps
	var p float32
	for ch, h := range c.hist {
		var v float32
		if in != nil {
			v = in[ch][i]
		}
		h[c.hpos], h[c.hpos+T] = v, v
		w := (*[T]float32)(h[c.hpos+1 : c.hpos+1+T])
		p = max(p, tpfilter.Abs(w[T/2-1]))
		if windowMax(w)*c.flt.Bound > c.ceiling { // else no value can need a gain
			p = max(p, c.flt.Peak(w))
		}
	}
	c.hpos = (c.hpos + 1) % T
	// 2. The gain it needs.
	g := 1.0
	if p > c.ceiling {
		g = float64(c.ceiling / p)
	}
	// 3. Sliding minimum over the last L, then release.
	k := c.n
	for c.ql > 0 && c.qv[(c.qh+c.ql-1)%len(c.qv)] >= g {
		c.ql--
	}
	j := (c.qh + c.ql) % len(c.qv)
	c.qv[j], c.qi[j] = g, k
	c.ql++
	for c.qi[c.qh] <= k-int64(c.la) {
		c.qh = (c.qh + 1) % len(c.qv)
		c.ql--
	}
	m := c.qv[c.qh]
	if m < c.r {
		c.r = m
	} else {
		c.r = m + (c.r-m)*c.rel
	}
	// 4. Mean over the last L.
	c.sum += c.r - c.box[c.bpos]
	c.box[c.bpos] = c.r
	c.bpos++
	if c.bpos == len(c.box) {
		c.bpos = 0
		c.sum = 0 // recompute now and then: no drift
		for _, v := range c.box {
			c.sum += v
		}
	}
	s := float32(c.sum / float64(c.la))
	c.min = min(c.min, float64(s))
	// The delay line.
	c.n++
	ok := c.n > int64(c.delay)
	for ch, l := range c.line {
		if ok {
			out[ch][o] = l[c.lpos] * s
		}
		var v float32
		if in != nil {
			v = in[ch][i]
		}
		l[c.lpos] = v
	}
	c.lpos++
	if c.lpos == c.delay {
		c.lpos = 0
	}
	return ok
}

func windowMax(w *[tpfilter.Taps]float32) float32 {
	var m float32
	for _, v := range w {
		m = max(m, tpfilter.Abs(v))
	}
	return m
}

// takeMin returns the lowest gain applied since the last call, in dB.
func (c *limitCore) takeMin() float64 {
	m := c.min
	c.min = 1
	return 20 * math.Log10(m)
}
