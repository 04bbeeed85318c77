package tonetest

import (
	"math"
	"testing"
)

// TestMeasureAnyPhase measures 50 ms windows of 220 Hz at 48 kHz (exactly
// 11 periods, where counting all crossings reads 210 or 220 Hz by phase)
// and of 1 kHz, at many phases.
func TestMeasureAnyPhase(t *testing.T) {
	for _, freq := range []float64{220, 440, 1000} {
		for k := range 50 {
			phase := float64(k) / 50 * 2 * math.Pi
			x := make([]float32, 2400)
			for i := range x {
				x[i] = float32(0.5 * math.Sin(2*math.Pi*freq*float64(i)/48000+phase))
			}
			rms, f := Measure(x, 48000)
			if math.Abs(f-freq) > freq*0.01 {
				t.Errorf("%v Hz at phase %.2f: measured %.1f Hz", freq, phase, f)
			}
			if math.Abs(rms-0.5/math.Sqrt2) > 0.01 {
				t.Errorf("%v Hz at phase %.2f: rms %.3f", freq, phase, rms)
			}
		}
	}
}

func TestMeasureSilence(t *testing.T) {
	if rms, f := Measure(make([]float32, 100), 48000); rms != 0 || f != 0 {
		t.Errorf("silence: rms %v, freq %v", rms, f)
	}
	if rms, f := Measure(nil, 48000); rms != 0 || f != 0 {
		t.Errorf("nothing: rms %v, freq %v", rms, f)
	}
}
