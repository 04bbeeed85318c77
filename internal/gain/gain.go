// Package gain parses the gains that metadata gives ("liq_amplify",
// ReplayGain tags) for the root package's Amplify and for package
// loudness.
package gain

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// ErrSyntax reports a gain that is neither a number nor a number of
// decibels.
var ErrSyntax = errors.New("invalid gain")

// Parse parses a gain given as a linear factor ("0.5") or in decibels
// ("-6 dB", "+3dB"), and returns it as a linear factor.
func Parse(s string) (float64, error) {
	s = strings.TrimSpace(s)
	db := false
	if len(s) >= 2 && strings.EqualFold(s[len(s)-2:], "db") {
		s, db = strings.TrimSpace(s[:len(s)-2]), true
	}
	x, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
		return 0, fmt.Errorf("%w %q", ErrSyntax, s)
	}
	if db {
		return math.Pow(10, x/20), nil
	}
	return x, nil
}
