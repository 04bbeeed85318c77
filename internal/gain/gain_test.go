package gain_test

import (
	"errors"
	"math"
	"testing"

	"github.com/onair-go/onair/internal/gain"
)

func TestParse(t *testing.T) {
	for s, want := range map[string]float64{"0.5": 0.5, "+6 dB": 1.99526, "-6dB": 0.50119, " 2 ": 2, "0 DB": 1} {
		got, err := gain.Parse(s)
		if err != nil || math.Abs(got-want) > 1e-4 {
			t.Errorf("Parse(%q) = %v, %v; want %v", s, got, err, want)
		}
	}
	for _, s := range []string{"loud", "", "dB", "NaN", "+Inf dB"} {
		if _, err := gain.Parse(s); !errors.Is(err, gain.ErrSyntax) {
			t.Errorf("Parse(%q): %v, want ErrSyntax", s, err)
		}
	}
}
