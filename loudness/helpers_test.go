package loudness

import (
	"math"
	"testing"
)

// tone is one segment of a test signal: a sine of freq Hz whose peak is
// at level dBFS on each channel (levels[c], or level for all), lasting d
// seconds; phase is the starting phase in degrees.
type tone struct {
	freq   float64
	level  float64
	levels []float64
	secs   float64
	phase  float64
	fade   float64 // seconds of raised-cosine fade-in and fade-out, so that the ends ring no more than the sine
}

// synth renders segments at rate Hz on channels channels, the phase
// running on across segments.
func synth(rate, channels int, segs ...tone) [][]float32 {
	var n int
	for _, s := range segs {
		n += int(math.Round(s.secs * float64(rate)))
	}
	out := make([][]float32, channels)
	for c := range out {
		out[c] = make([]float32, n)
	}
	i := 0
	for _, s := range segs {
		k := int(math.Round(s.secs * float64(rate)))
		for c := range channels {
			lv := s.level
			if s.levels != nil {
				lv = s.levels[c]
			}
			amp := math.Pow(10, lv/20)
			if math.IsInf(lv, -1) {
				amp = 0
			}
			for j := range k {
				t := float64(i+j) / float64(rate)
				g := 1.0
				if ft := float64(min(j, k-1-j)) / float64(rate); ft < s.fade {
					g = 0.5 - 0.5*math.Cos(math.Pi*ft/s.fade)
				}
				out[c][i+j] = float32(g * amp * math.Sin(2*math.Pi*s.freq*t+s.phase*math.Pi/180))
			}
		}
		i += k
	}
	return out
}

// feed writes audio to a in 20 ms pieces (as a graph would), calling each
// after every piece when not nil.
func feed(t testing.TB, a *Analyzer, audio [][]float32, each func()) {
	t.Helper()
	step := a.Rate() / 50
	n := len(audio[0])
	part := make([][]float32, len(audio))
	for i := 0; i < n; i += step {
		j := min(i+step, n)
		for c := range audio {
			part[c] = audio[c][i:j]
		}
		if err := a.Write(part); err != nil {
			t.Fatal(err)
		}
		if each != nil {
			each()
		}
	}
}

func newAnalyzer(t testing.TB, rate, channels int) *Analyzer {
	t.Helper()
	a, err := NewAnalyzer(rate, channels, nil)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func near(t testing.TB, what string, got, want, tol float64) {
	t.Helper()
	if !(math.Abs(got-want) <= tol) {
		t.Errorf("%s = %.3f, want %.1f ±%.2f", what, got, want, tol)
	}
}
