package dynamics

import (
	"math"
	"testing"
)

func TestFastMath(t *testing.T) {
	for x := 1e-9; x < 100; x *= 1.0007 {
		if d := math.Abs(fastLog2(x) - math.Log2(x)); d > 1e-6 {
			t.Fatalf("fastLog2(%v) off by %v", x, d)
		}
	}
	for y := -60.0; y < 60; y += 0.0013 {
		if d := math.Abs(fastExp2(y)/math.Exp2(y) - 1); d > 1e-8 {
			t.Fatalf("fastExp2(%v) off by %v", y, d)
		}
	}
}
