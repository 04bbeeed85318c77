// Package opterr makes the invalid-option sentinels of onair's packages.
// Each reads with its package's name ("hls: invalid option") and is
// matched by errors.Is both as itself and as [onair.ErrInvalidOption], so
// that a caller can test for a bad option of any package with the root's
// sentinel.
package opterr

import "github.com/onair-go/onair"

// New returns a sentinel whose message is msg and that wraps
// onair.ErrInvalidOption.
func New(msg string) error { return &sentinel{msg: msg} }

type sentinel struct{ msg string }

func (e *sentinel) Error() string { return e.msg }

// Unwrap makes errors.Is(err, onair.ErrInvalidOption) hold for every error
// that wraps the sentinel.
func (e *sentinel) Unwrap() error { return onair.ErrInvalidOption }
