package onair

// CurveGain exposes a fade curve's gain to the external tests.
func CurveGain(c FadeCurve, x, steepness float64) float64 { return c.gain(x, steepness) }
