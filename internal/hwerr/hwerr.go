// Package hwerr is how the decode and encode packages report hardware
// they could not use, as the [hw.Error] of package hw.
package hwerr

import (
	"errors"
	"fmt"

	"github.com/onair-go/onair/hw"
)

// Unavailable returns an *hw.Error for op on device whose Err wraps both
// [hw.ErrUnavailable] and reason. A reason that already wraps
// ErrUnavailable is not wrapped twice, and an *hw.Error reason (from
// hw.Open) is re-labelled with op rather than nested.
func Unavailable(op, device string, reason error) *hw.Error {
	var he *hw.Error
	if errors.As(reason, &he) && errors.Is(he, hw.ErrUnavailable) {
		return &hw.Error{Op: op, Device: device, Err: he.Err}
	}
	if errors.Is(reason, hw.ErrUnavailable) {
		return &hw.Error{Op: op, Device: device, Err: reason}
	}
	return &hw.Error{Op: op, Device: device, Err: fmt.Errorf("%w: %w", hw.ErrUnavailable, reason)}
}
