package opterr_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/internal/opterr"
)

func TestSentinel(t *testing.T) {
	a, b := opterr.New("a: invalid option"), opterr.New("b: invalid option")
	err := fmt.Errorf("%w: segment duration -1s", a)
	if !errors.Is(err, a) || !errors.Is(err, onair.ErrInvalidOption) {
		t.Fatalf("%v does not match its sentinel and onair.ErrInvalidOption", err)
	}
	if errors.Is(err, b) {
		t.Fatalf("%v matches another package's sentinel", err)
	}
	if got := err.Error(); got != "a: invalid option: segment duration -1s" {
		t.Fatalf("message %q", got)
	}
}
