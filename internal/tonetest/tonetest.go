// Package tonetest measures test tones: the level and frequency of a
// stretch of a signal, for tests that check which source is on air.
package tonetest

import "math"

// Measure returns the RMS level of x and its frequency at rate Hz, from
// its zero crossings. The frequency is the number of half periods between
// the first and the last crossing over the time between them, so it does
// not depend on where the window cuts the tone (counting the crossings
// of the whole window is off by up to one of them: a tenth, for 50 ms of
// 220 Hz). It is 0 when x crosses zero fewer than twice.
func Measure(x []float32, rate int) (rms, freq float64) {
	if len(x) == 0 {
		return 0, 0
	}
	var sum float64
	first, last, cross := -1, -1, 0
	for i, v := range x {
		sum += float64(v) * float64(v)
		if i > 0 && (x[i-1] < 0) != (v < 0) {
			if first < 0 {
				first = i
			}
			last = i
			cross++
		}
	}
	rms = math.Sqrt(sum / float64(len(x)))
	if cross < 2 {
		return rms, 0
	}
	return rms, float64(cross-1) / 2 / (float64(last-first) / float64(rate))
}
