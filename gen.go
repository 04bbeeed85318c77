package onair

import (
	"math"
	"math/rand/v2"
	"time"
)

// GenOptions configure the elementary generators [Sine], [Noise] and
// [Blank]. A zero GenOptions is valid.
type GenOptions struct {
	// ID names the source. It defaults to the generator's name.
	ID string
	// Amplitude is the peak level, linear. It defaults to 1 for Sine and
	// Noise.
	Amplitude float64
	// Duration, when positive, splits the output into tracks of this
	// length, each starting with a track mark (and Metadata, if set).
	// By default the output is one endless track.
	Duration time.Duration
	// Metadata is added at the start of each track when Duration is set.
	Metadata Metadata
	// Seed seeds Noise's generator, for reproducible output.
	Seed uint64
}

type synth struct {
	amp      float32
	duration time.Duration
	meta     Metadata
	trackLen int
	pos      int // position in the current track
	started  bool
	fill     func(dst []float32, ch int, n int)
	advance  func(n int)
	mono     bool // every channel is the same: fill the first, copy it
}

func newSynth(opts *GenOptions, defAmp float64) (*synth, GenOptions) {
	o := valueOr(opts)
	if o.Amplitude == 0 {
		o.Amplitude = defAmp
	}
	return &synth{amp: float32(o.Amplitude), duration: o.Duration, meta: o.Metadata}, o
}

func (s *synth) WakeUp(f *Format) error {
	s.trackLen = 0
	if s.duration > 0 {
		s.trackLen = max(1, f.Samples(s.duration))
	}
	s.pos = 0
	s.started = false
	return nil
}

func (s *synth) Skip() { s.pos = s.trackLen; s.started = s.trackLen > 0 }

func (s *synth) Remaining() int {
	if s.trackLen == 0 {
		return -1
	}
	return s.trackLen - s.pos
}

func (s *synth) Generate(f *Frame) error {
	for f.Free() > 0 {
		if s.trackLen > 0 && (s.pos >= s.trackLen || !s.started) {
			f.AddMark(f.Len())
			if s.meta != nil {
				f.AddMetadata(f.Len(), s.meta)
			}
			s.pos = 0
			s.started = true
		}
		n := f.Free()
		if s.trackLen > 0 {
			n = min(n, s.trackLen-s.pos)
		}
		start := f.Len()
		if s.fill == nil {
			f.extendSilent(n)
		} else {
			f.Extend(n)
		}
		if s.fill != nil {
			audio := f.Audio()
			for c, a := range audio {
				if c > 0 && s.mono {
					copy(a[start:start+n], audio[0][start:start+n])
					continue
				}
				s.fill(a[start:start+n], c, n)
			}
		}
		if s.advance != nil {
			s.advance(n)
		}
		s.pos += n
	}
	return nil
}

// Sine returns an infallible source of a sine wave of frequency freq (Hz)
// on every channel. opts may be nil.
func Sine(freq float64, opts *GenOptions) *Node {
	s, o := newSynth(opts, 1)
	var phase float64 // in cycles
	var step float64
	wake := s.WakeUp
	g := &sineGen{synth: s}
	g.wake = func(f *Format) error {
		step = freq / float64(f.SampleRate)
		phase = 0
		return wake(f)
	}
	s.mono = true
	s.fill = func(dst []float32, ch, n int) { sineFill(dst, s.amp, phase, step) }
	s.advance = func(n int) {
		phase += step * float64(n)
		phase -= math.Floor(phase)
	}
	return NewNode(g, &NodeOptions{ID: idOr(o.ID, "sine")})
}

// sineFill writes amp·sin(2π(phase + i·step)) to dst. Every fourth
// sample follows the recurrence y[j+1] = 2cos(4ω)·y[j] − y[j−1] of a
// sine sampled at 4ω: one multiply and one subtraction a sample instead
// of a math.Sin, in four independent chains (samples 4j, 4j+1, 4j+2,
// 4j+3) that the processor runs side by side. The chains start from the
// exact phase at each call (each frame), and their rounding error grows
// at most with the square of the samples since then: under 1e-9 over
// a frame of 4,800 samples, far under float32's resolution.
func sineFill(dst []float32, amp float32, phase, step float64) {
	a := float64(amp)
	w := 2 * math.Pi * step
	p := 2 * math.Pi * phase
	ds, dc := math.Sincos(4 * w)
	k := 2 * dc
	var y, prev [4]float64 // chain i at samples j and j-1 (in steps of 4)
	for i := range y {
		s, c := math.Sincos(p + float64(i)*w)
		y[i], prev[i] = a*s, a*(s*dc-c*ds)
	}
	y0, y1, y2, y3 := y[0], y[1], y[2], y[3]
	p0, p1, p2, p3 := prev[0], prev[1], prev[2], prev[3]
	i := 0
	for ; i+4 <= len(dst); i += 4 {
		d := dst[i : i+4 : i+4]
		d[0], d[1], d[2], d[3] = float32(y0), float32(y1), float32(y2), float32(y3)
		y0, p0 = k*y0-p0, y0
		y1, p1 = k*y1-p1, y1
		y2, p2 = k*y2-p2, y2
		y3, p3 = k*y3-p3, y3
	}
	for j, v := range [3]float64{y0, y1, y2} { // the last 0 to 3 samples
		if i+j < len(dst) {
			dst[i+j] = float32(v)
		}
	}
}

type sineGen struct {
	*synth
	wake func(*Format) error
}

func (g *sineGen) WakeUp(f *Format) error { return g.wake(f) }

// Noise returns an infallible source of white noise, reproducible for a
// given [GenOptions.Seed]. opts may be nil.
func Noise(opts *GenOptions) *Node {
	s, o := newSynth(opts, 1)
	rng := rand.New(rand.NewPCG(o.Seed, o.Seed^0x9e3779b97f4a7c15))
	s.fill = func(dst []float32, ch, n int) {
		for i := range dst {
			dst[i] = s.amp * (2*rng.Float32() - 1)
		}
	}
	return NewNode(s, &NodeOptions{ID: idOr(o.ID, "noise")})
}

// Blank returns an infallible source of silence. With [GenOptions.Duration]
// it produces tracks of that length. opts may be nil.
func Blank(opts *GenOptions) *Node {
	s, o := newSynth(opts, 0)
	return NewNode(s, &NodeOptions{ID: idOr(o.ID, "blank")})
}

// Fail returns a source that is never ready. It is fallible.
func Fail(id string) *Node {
	return NewNode(failGen{}, &NodeOptions{ID: idOr(id, "fail"), Fallible: true})
}

type failGen struct{}

func (failGen) Ready() bool             { return false }
func (failGen) Generate(f *Frame) error { return nil }

func idOr(id, def string) string {
	if id == "" {
		return def
	}
	return id
}
