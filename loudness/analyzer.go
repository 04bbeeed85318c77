package loudness

import (
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/onair-go/onair"
)

// Options configure [NewAnalyzer]. A nil *Options is valid.
type Options struct {
	// Weights are the channel weights, one per channel. They default to
	// those of ITU-R BS.1770-4 for the channel layout the graph uses for
	// the channel count (FFmpeg's default layouts, as package decode
	// produces them): 1.0 for front channels, 1.41 for surround (side and
	// back) channels and 0 for the LFE channel. See [Weights].
	Weights []float64
	// RangeInterval is how often a short-term value is taken for the
	// loudness range, a multiple of 100 ms up to 3 s. It defaults to
	// 100 ms, as FFmpeg's ebur128 filter does; libebur128 (loudgain) uses
	// 1 s. Tech 3342 allows both; on material whose level changes in
	// steps the two read a few tenths of an LU apart.
	RangeInterval time.Duration
	// NoTruePeak turns the true-peak measurement off, which saves about
	// half of the CPU time; TruePeak then reports the sample peak.
	NoTruePeak bool
}

// Values are the measurements of an [Analyzer]. Loudness is in LUFS and
// is -Inf when there is nothing to report yet (a window not yet filled, or
// no block above the gates); levels are in dB relative to full scale.
type Values struct {
	// Momentary is the loudness of the last 400 ms, updated every 100 ms.
	Momentary float64
	// ShortTerm is the loudness of the last 3 s, updated every 100 ms.
	ShortTerm float64
	// MaxMomentary and MaxShortTerm are the largest values so far.
	MaxMomentary, MaxShortTerm float64
	// Integrated is the gated programme loudness (BS.1770-4: 400 ms blocks
	// with 75% overlap, absolute gate -70 LUFS, relative gate -10 LU).
	Integrated float64
	// Range is the loudness range in LU (EBU Tech 3342: short-term values
	// every RangeInterval, relative gate -20 LU, 10th to 95th percentile).
	Range float64
	// TruePeak is the largest true-peak level of any channel, in dBTP
	// (4x oversampling).
	TruePeak float64
	// SamplePeak is the largest absolute sample of any channel, in dBFS.
	SamplePeak float64
	// Duration is how much audio has been measured.
	Duration time.Duration
}

// Analyzer measures loudness and peaks of planar float32 audio written to
// it. Write, Flush and Reset must be called from one goroutine at a time
// (the writer's); Values is safe from any goroutine, also while audio is
// written. After NewAnalyzer an Analyzer does not allocate.
type Analyzer struct {
	rate     int
	channels int
	weights  []float64
	active   []int // channels whose weight is not zero
	pre, rlb biquad
	ks       []kstate
	tp       *truePeak // nil with NoTruePeak
	spk      []float32 // sample peaks, with NoTruePeak

	acc    float64         // weighted energy of the current 100 ms sub-block
	pos    int             // samples in the current sub-block
	subLen int             // length of the current sub-block
	nsub   int64           // completed sub-blocks
	ring   [30]sub         // the last 3 s of sub-blocks
	onSub  func(e float64) // called with each sub-block's mean energy (Analyze)
	hop    int64           // sub-blocks between short-term values for the range

	mu      sync.Mutex // guards the following
	vals    Values     // all but Integrated and Range
	samples int64
	blocks  *histogram // 400 ms blocks
	shorts  *histogram // 3 s blocks
}

type sub struct {
	e float64
	n int
}

// NewAnalyzer returns an analyzer of audio at rate Hz with the given
// number of channels. It returns an error wrapping [onair.ErrInvalidOption]
// when rate is outside 8 kHz to 768 kHz, channels outside 1 to 64, or the
// weights are not one finite non-negative number per channel with at least
// one above zero.
func NewAnalyzer(rate, channels int, opts *Options) (*Analyzer, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	if rate < 8000 || rate > 768000 {
		return nil, fmt.Errorf("%w: loudness: sample rate %d Hz (8000 to 768000)", onair.ErrInvalidOption, rate)
	}
	if channels < 1 || channels > 64 {
		return nil, fmt.Errorf("%w: loudness: %d channels (1 to 64)", onair.ErrInvalidOption, channels)
	}
	w := o.Weights
	if w == nil {
		w = Weights(channels)
	}
	if len(w) != channels {
		return nil, fmt.Errorf("%w: loudness: %d weights for %d channels", onair.ErrInvalidOption, len(w), channels)
	}
	var any bool
	for i, x := range w {
		if math.IsNaN(x) || math.IsInf(x, 0) || x < 0 {
			return nil, fmt.Errorf("%w: loudness: weight %v of channel %d", onair.ErrInvalidOption, x, i)
		}
		any = any || x > 0
	}
	if !any {
		return nil, fmt.Errorf("%w: loudness: every channel weight is zero", onair.ErrInvalidOption)
	}
	hop := int64(1)
	if d := o.RangeInterval; d != 0 {
		if d < 0 || d > 3*time.Second || d%(100*time.Millisecond) != 0 {
			return nil, fmt.Errorf("%w: loudness: range interval %v (a multiple of 100ms up to 3s)", onair.ErrInvalidOption, d)
		}
		hop = int64(d / (100 * time.Millisecond))
	}
	a := &Analyzer{
		hop:  hop,
		rate: rate, channels: channels, weights: append([]float64(nil), w...),
		pre: shelfFilter(float64(rate)), rlb: rlbFilter(float64(rate)),
		ks: make([]kstate, channels), spk: make([]float32, channels),
		blocks: newHistogram(), shorts: newHistogram(),
	}
	for c, x := range a.weights {
		if x > 0 {
			a.active = append(a.active, c)
		}
	}
	if !o.NoTruePeak {
		a.tp = newTruePeak(channels)
	}
	a.resetLocked()
	return a, nil
}

// Weights returns the BS.1770-4 channel weights for n channels in the
// channel order of FFmpeg's default layout for n (mono, stereo, 3.0, quad,
// 5.0, 5.1, 6.1, 7.1): front channels 1.0, surround channels 1.41, LFE 0.
// Above 8 channels every weight is 1.0.
func Weights(n int) []float64 {
	w := make([]float64, n)
	for i := range w {
		w[i] = 1
	}
	const s = 1.41
	switch n {
	case 4: // FL FR BL BR
		w[2], w[3] = s, s
	case 5: // FL FR FC BL BR
		w[3], w[4] = s, s
	case 6: // FL FR FC LFE BL BR
		w[3], w[4], w[5] = 0, s, s
	case 7: // FL FR FC LFE BC SL SR
		w[3], w[4], w[5], w[6] = 0, s, s, s
	case 8: // FL FR FC LFE BL BR SL SR
		w[3], w[4], w[5], w[6], w[7] = 0, s, s, s, s
	}
	return w
}

// Rate returns the sample rate; Channels the channel count.
func (a *Analyzer) Rate() int { return a.rate }

// Channels returns the number of channels.
func (a *Analyzer) Channels() int { return a.channels }

// Reset forgets everything measured. Like Write, it must not run at the
// same time as Write or Flush.
func (a *Analyzer) Reset() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.resetLocked()
}

func (a *Analyzer) resetLocked() {
	clear(a.ks)
	clear(a.spk)
	if a.tp != nil {
		a.tp.reset()
	}
	a.acc, a.pos, a.nsub = 0, 0, 0
	a.subLen = a.subBlockLen(0)
	a.vals = emptyValues()
	a.samples = 0
	a.blocks.reset()
	a.shorts.reset()
}

func emptyValues() Values {
	ninf := math.Inf(-1)
	return Values{Momentary: ninf, ShortTerm: ninf, MaxMomentary: ninf, MaxShortTerm: ninf, Integrated: ninf, TruePeak: ninf, SamplePeak: ninf}
}

// subBlockLen is the length of sub-block k: sub-blocks end at k·rate/10
// samples, so they average exactly 100 ms at any rate.
func (a *Analyzer) subBlockLen(k int64) int {
	r := int64(a.rate)
	return int((k+1)*r/10 - k*r/10)
}

// Write measures audio: one slice per channel, all of the same length.
// It returns an error wrapping [onair.ErrInvalidOption], and measures
// nothing, when the channel count or the lengths do not match.
func (a *Analyzer) Write(audio [][]float32) error {
	if len(audio) != a.channels {
		return fmt.Errorf("%w: loudness: %d channels written to an analyzer of %d", onair.ErrInvalidOption, len(audio), a.channels)
	}
	n := len(audio[0])
	for _, ch := range audio {
		if len(ch) != n {
			return fmt.Errorf("%w: loudness: channels of unequal lengths", onair.ErrInvalidOption)
		}
	}
	a.write(audio, 0, n)
	return nil
}

// write measures audio[c][from:to].
func (a *Analyzer) write(audio [][]float32, from, to int) {
	for i := from; i < to; {
		seg := min(to-i, a.subLen-a.pos)
		act := a.active
		for ; len(act) >= 2; act = act[2:] {
			c, d := act[0], act[1]
			e, f := filterEnergy2(&a.ks[c], &a.ks[d], &a.pre, &a.rlb, audio[c][i:i+seg], audio[d][i:i+seg])
			a.acc += a.weights[c]*e + a.weights[d]*f
		}
		if len(act) == 1 {
			c := act[0]
			a.acc += a.weights[c] * filterEnergy(&a.ks[c], &a.pre, &a.rlb, audio[c][i:i+seg])
		}
		i += seg
		a.pos += seg
		if a.pos == a.subLen {
			a.endSubBlock()
		}
	}
	for c := range a.channels {
		if a.tp != nil {
			a.tp.process(c, audio[c][from:to])
		} else {
			a.spk[c] = samplePeak(a.spk[c], audio[c][from:to])
		}
	}
	a.mu.Lock()
	a.samples += int64(to - from)
	a.publishPeaks()
	a.mu.Unlock()
}

func (a *Analyzer) publishPeaks() {
	var tp, sp float32
	if a.tp != nil {
		for c, p := range a.tp.peak {
			tp, sp = max(tp, p), max(sp, a.tp.spk[c])
		}
	} else {
		for _, p := range a.spk {
			sp = max(sp, p)
		}
		tp = sp
	}
	a.vals.TruePeak = 20 * math.Log10(float64(tp))
	a.vals.SamplePeak = 20 * math.Log10(float64(sp))
}

// endSubBlock closes a 100 ms sub-block and updates the 400 ms and 3 s
// measurements.
func (a *Analyzer) endSubBlock() {
	a.ring[a.nsub%int64(len(a.ring))] = sub{e: a.acc, n: a.pos}
	if a.onSub != nil {
		a.onSub(a.acc / float64(a.pos))
	}
	a.nsub++
	a.acc, a.pos = 0, 0
	a.subLen = a.subBlockLen(a.nsub)
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.nsub >= 4 {
		e := a.window(4)
		l := energyToLUFS(e)
		a.vals.Momentary = l
		a.vals.MaxMomentary = max(a.vals.MaxMomentary, l)
		a.blocks.add(e)
	}
	if a.nsub >= 30 {
		e := a.window(30)
		l := energyToLUFS(e)
		a.vals.ShortTerm = l
		a.vals.MaxShortTerm = max(a.vals.MaxShortTerm, l)
		if (a.nsub-30)%a.hop == 0 {
			a.shorts.add(e)
		}
	}
}

// window returns the mean energy of the last k sub-blocks.
func (a *Analyzer) window(k int64) float64 {
	var e float64
	var n int
	for j := a.nsub - k; j < a.nsub; j++ {
		s := &a.ring[j%int64(len(a.ring))]
		e += s.e
		n += s.n
	}
	return e / float64(n)
}

// Flush measures the true peak of the last few samples written, which the
// interpolation filter otherwise holds back; call it once at the end of a
// programme. Writing after Flush measures a few samples of silence between
// the two parts.
func (a *Analyzer) Flush() {
	if a.tp == nil {
		return
	}
	a.tp.flush()
	a.mu.Lock()
	a.publishPeaks()
	a.mu.Unlock()
}

// Values returns the current measurements.
func (a *Analyzer) Values() Values {
	a.mu.Lock()
	defer a.mu.Unlock()
	v := a.vals
	v.Integrated = a.blocks.integrated(-10)
	v.Range = a.shorts.loudnessRange(-20)
	v.Duration = time.Duration(a.samples) * time.Second / time.Duration(a.rate)
	return v
}
