package dynamics

import (
	"fmt"
	"io"
	"math"
	"sync/atomic"
	"time"

	"github.com/onair-go/onair"
)

// CompressOptions configure [Compress]. A nil *CompressOptions is valid;
// zero fields take the defaults, which are Liquidsoap's.
type CompressOptions struct {
	// ID names the operator. It defaults to "compress".
	ID string
	// Threshold is the level in dBFS above which the gain is reduced,
	// from -90 to 0. It defaults to -10 dB.
	Threshold float64
	// Ratio is how many dB the input must rise above the threshold for the
	// output to rise by one, at least 1 (math.Inf(1) limits). It defaults
	// to 2.
	Ratio float64
	// Knee is the width in dB of the soft knee around the threshold, in
	// which the ratio grows gradually, from 0 to 48. It defaults to 1 dB.
	Knee float64
	// Attack is how fast the gain goes down when the level rises (the
	// time constant of the smoothing), up to 10s. It defaults to 50ms.
	Attack time.Duration
	// Release is how fast the gain comes back when the level falls, up to
	// 10s. It defaults to 400ms.
	Release time.Duration
	// Makeup is a gain in dB applied after compression, from -60 to 60.
	// It defaults to 0.
	Makeup float64
}

// Compressor is the source returned by [Compress].
type Compressor struct {
	node      *onair.Node
	reduction atomic.Uint64 // float64 bits, dB
}

// Node returns the operator's graph node.
func (c *Compressor) Node() *onair.Node { return c.node }

// Reduction returns the gain reduction at the end of the last tick, in dB
// (0 or negative, makeup not included). Safe from any goroutine.
func (c *Compressor) Reduction() float64 { return math.Float64frombits(c.reduction.Load()) }

// Compress returns a source that compresses the main audio of src: a
// feed-forward compressor on the peak level of all channels (linked), with
// a soft knee and attack and release smoothing in dB. Marks, metadata and
// other tracks pass through unchanged, without latency. Compress keeps the
// fallibility of src and does not propagate errors. opts may be nil. It
// returns an error wrapping [onair.ErrInvalidOption] when src is nil or an
// option is out of range (NaN, a ratio below 1, a negative time...).
func Compress(src onair.Source, opts *CompressOptions) (*Compressor, error) {
	var o CompressOptions
	if opts != nil {
		o = *opts
	}
	o.ID = orDefault(o.ID, "compress")
	if src == nil {
		return nil, fmt.Errorf("%w: %s: nil source", onair.ErrInvalidOption, o.ID)
	}
	o.Threshold = orDefault(o.Threshold, -10)
	o.Ratio = orDefault(o.Ratio, 2)
	o.Knee = orDefault(o.Knee, 1)
	o.Attack = orDefault(o.Attack, 50*time.Millisecond)
	o.Release = orDefault(o.Release, 400*time.Millisecond)
	if err := checkDB(o.ID, "threshold", o.Threshold, -90, 0); err != nil {
		return nil, err
	}
	if math.IsNaN(o.Ratio) || o.Ratio < 1 {
		return nil, fmt.Errorf("%w: %s: ratio %v (at least 1)", onair.ErrInvalidOption, o.ID, o.Ratio)
	}
	if err := checkDB(o.ID, "knee", o.Knee, 0, 48); err != nil {
		return nil, err
	}
	if err := checkDB(o.ID, "makeup gain", o.Makeup, -60, 60); err != nil {
		return nil, err
	}
	if err := checkTime(o.ID, "attack", o.Attack, 10*time.Second); err != nil {
		return nil, err
	}
	if err := checkTime(o.ID, "release", o.Release, 10*time.Second); err != nil {
		return nil, err
	}
	c := &Compressor{}
	g := &compressor{c: c, src: src, o: o}
	c.node = onair.NewNode(g, &onair.NodeOptions{ID: o.ID, Children: []onair.Source{src}, Fallible: src.Node().Fallible()})
	return c, nil
}

type compressor struct {
	c      *Compressor
	src    onair.Source
	o      CompressOptions
	att    float64 // smoothing coefficients
	rel    float64
	slope  float64 // 1/ratio - 1
	makeup float64 // linear
	gr     float64 // smoothed gain reduction, dB (<= 0)
}

func (g *compressor) WakeUp(f *onair.Format) error {
	g.att, g.rel = coef(g.o.Attack, f.SampleRate), coef(g.o.Release, f.SampleRate)
	g.slope = 1/g.o.Ratio - 1
	g.makeup = dbToLin(g.o.Makeup)
	g.gr = 0
	return nil
}

func (g *compressor) Generate(f *onair.Frame) error {
	cn := g.src.Node()
	in := cn.Peek()
	base := f.Len()
	k := f.Append(in, 0, in.Len())
	cn.Consume(k)
	if audio := f.Audio(); len(audio) > 0 {
		g.process(audio, base, base+k)
	}
	g.c.reduction.Store(math.Float64bits(g.gr))
	if cn.Ended() && k == in.Len() {
		return io.EOF // the source ended: so do we
	}
	return nil
}

// gain returns the static gain reduction in dB for a level of x dB.
func (g *compressor) gain(x float64) float64 {
	t, w := g.o.Threshold, g.o.Knee
	d := x - t
	switch {
	case 2*d <= -w:
		return 0
	case 2*d < w: // inside the knee: a quadratic joining the two slopes
		e := d + w/2
		return g.slope * e * e / (2 * w)
	default:
		return g.slope * d
	}
}

// process compresses audio[c][from:to] in place.
func (g *compressor) process(audio [][]float32, from, to int) {
	lowest := dbToLin(g.o.Threshold - g.o.Knee/2) // below it, no reduction
	gr := g.gr
	for i := from; i < to; i++ {
		var peak float32
		for _, ch := range audio {
			peak = max(peak, abs32(ch[i]))
		}
		target := 0.0
		if float64(peak) > lowest {
			target = g.gain(dbPerLog2 * fastLog2(float64(peak)))
		}
		if target < gr {
			gr = target + (gr-target)*g.att
		} else {
			gr = target + (gr-target)*g.rel
		}
		if gr > -1e-6 && target == 0 && g.makeup == 1 {
			gr = 0
			continue // unity gain: leave the samples alone
		}
		lin := float32(fastExp2(gr/dbPerLog2) * g.makeup)
		for _, ch := range audio {
			ch[i] *= lin
		}
	}
	g.gr = gr
}

// dbPerLog2 is 20·log10(2): dB = dbPerLog2·log2(linear).
const dbPerLog2 = 6.020599913279624

func abs32(x float32) float32 {
	return math.Float32frombits(math.Float32bits(x) &^ (1 << 31))
}
