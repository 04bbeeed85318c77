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
// The audio is delayed by the same D = L + Taps/2 - 1 samples. Work is
// done in chunks: stage 1 channel by channel, stages 2 to 4 on the chunk's
// gains, then the delay line channel by channel.
type limitCore struct {
	flt     *tpfilter.Filter
	ceiling float32
	rel     float64 // release coefficient
	la      int     // L
	delay   int     // D

	tp [][]float32 // per channel: Taps-1 samples of history, then a chunk
	p  []float32   // per chunk: peak estimates, then gains

	qv []float64 // monotonic queue of (gain, index) for the sliding minimum
	qi []int64
	qh int // head and length of the queue (ring of len(qv))
	ql int
	r  float64

	box  []float64 // the last L values of r
	bpos int
	sum  float64

	line [][]float32 // per channel: the last D input samples
	lpos int
	n    int64 // input samples pushed (real and flush zeros)
	min  float32
}

const limitChunk = 512

func newLimitCore(channels, lookahead int, ceiling, rel float64) *limitCore {
	c := &limitCore{flt: tpfilter.New(), ceiling: float32(ceiling), rel: rel, la: lookahead}
	c.delay = lookahead + tpfilter.Taps/2 - 1
	c.tp = make([][]float32, channels)
	c.line = make([][]float32, channels)
	for i := range channels {
		c.tp[i] = make([]float32, tpfilter.Taps-1+limitChunk)
		c.line[i] = make([]float32, c.delay)
	}
	c.p = make([]float32, limitChunk)
	c.qv, c.qi = make([]float64, lookahead+1), make([]int64, lookahead+1)
	c.box = make([]float64, lookahead)
	c.reset()
	return c
}

func (c *limitCore) reset() {
	for i := range c.tp {
		clear(c.tp[i])
		clear(c.line[i])
	}
	c.lpos, c.n = 0, 0
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

// run pushes n samples of every channel (in[ch][from:from+n], or silence
// when in is nil) through the limiter and writes the samples leaving the
// delay line to out[ch][o:]; it returns how many left (the first D pushed
// after a reset stay inside).
func (c *limitCore) run(in [][]float32, from, n int, out [][]float32, o int) int {
	written := 0
	for n > 0 {
		m := min(n, limitChunk)
		c.peaks(in, from, m)
		c.gains(m)
		written += c.shift(in, from, m, out, o+written)
		from += m
		n -= m
	}
	return written
}

// peaks sets c.p[:m] to the true-peak estimates of the samples Taps/2
// before each input sample.
func (c *limitCore) peaks(in [][]float32, from, m int) {
	const T = tpfilter.Taps
	p := c.p[:m]
	clear(p)
	for ch, b := range c.tp {
		if in != nil {
			copy(b[T-1:], in[ch][from:from+m])
		} else {
			clear(b[T-1 : T-1+m])
		}
		for i0 := 0; i0 < m; i0 += 32 {
			i1 := min(i0+32, m)
			var mx float32
			for _, v := range b[i0 : i1+T-1] {
				mx = max(mx, tpfilter.Abs(v))
			}
			if mx*c.flt.Bound <= c.ceiling {
				// No interpolated value can need a gain: the samples will do.
				for i := i0; i < i1; i++ {
					p[i] = max(p[i], tpfilter.Abs(b[i+T/2-1]))
				}
				continue
			}
			for i := i0; i < i1; i++ {
				w := (*[T]float32)(b[i : i+T])
				p[i] = max(p[i], tpfilter.Abs(w[T/2-1]), c.flt.Peak(w))
			}
		}
		copy(b, b[m:m+T-1])
	}
}

// gains turns c.p[:m] into the gains to apply to the samples leaving the
// delay line.
func (c *limitCore) gains(m int) {
	la := int64(c.la)
	ql := len(c.qv)
	inv := 1 / float64(c.la)
	for i, pk := range c.p[:m] {
		g := 1.0
		if pk > c.ceiling {
			g = float64(c.ceiling / pk)
		}
		k := c.n + int64(i)
		// Sliding minimum over the last L, then release.
		for c.ql > 0 && c.qv[(c.qh+c.ql-1)%ql] >= g {
			c.ql--
		}
		j := (c.qh + c.ql) % ql
		c.qv[j], c.qi[j] = g, k
		c.ql++
		if c.qi[c.qh] <= k-la {
			c.qh = (c.qh + 1) % ql
			c.ql--
		}
		mn := c.qv[c.qh]
		if mn < c.r {
			c.r = mn
		} else {
			c.r = mn + (c.r-mn)*c.rel
		}
		// Mean over the last L.
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
		s := float32(c.sum * inv)
		c.p[i] = s
		c.min = min(c.min, s)
	}
}

// shift runs the delay line: each input sample goes in, the sample D
// before it comes out with its gain.
func (c *limitCore) shift(in [][]float32, from, m int, out [][]float32, o int) int {
	skip := int(max(0, min(int64(m), int64(c.delay)-c.n))) // not yet out
	gains := c.p[skip:m]
	for ch, l := range c.line {
		pos := c.lpos
		var src []float32
		if in != nil {
			src = in[ch][from : from+m]
		}
		for i := range m {
			if i >= skip {
				out[ch][o+i-skip] = l[pos] * gains[i-skip]
			}
			var v float32
			if src != nil {
				v = src[i]
			}
			l[pos] = v
			if pos++; pos == len(l) {
				pos = 0
			}
		}
	}
	c.lpos = (c.lpos + m) % c.delay
	c.n += int64(m)
	return m - skip
}

// takeMin returns the lowest gain applied since the last call, in dB.
func (c *limitCore) takeMin() float64 {
	m := c.min
	c.min = 1
	return 20 * math.Log10(float64(m))
}
