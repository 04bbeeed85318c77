package dynamics

import (
	"fmt"
	"math"
	"time"

	"github.com/onair-go/onair"
)

// checkDB checks a level in dB: finite and within [lo, hi].
func checkDB(id, name string, v, lo, hi float64) error {
	if math.IsNaN(v) || math.IsInf(v, 0) || v < lo || v > hi {
		return fmt.Errorf("%w: %s: %s %v dB (%v to %v)", onair.ErrInvalidOption, id, name, v, lo, hi)
	}
	return nil
}

// checkTime checks a time constant: not negative and at most hi.
func checkTime(id, name string, d, hi time.Duration) error {
	if d < 0 || d > hi {
		return fmt.Errorf("%w: %s: %s %v (0 to %v)", onair.ErrInvalidOption, id, name, d, hi)
	}
	return nil
}

// coef is the one-pole smoothing coefficient for time constant d at rate
// Hz: the fraction of the previous value kept per sample.
func coef(d time.Duration, rate int) float64 {
	n := d.Seconds() * float64(rate)
	if n <= 0 {
		return 0
	}
	return math.Exp(-1 / n)
}

func dbToLin(db float64) float64 { return math.Pow(10, db/20) }

func orDefault[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}
