package filter

import (
	"errors"
	"fmt"
)

// ErrInvalidOption is wrapped by the errors of constructors given a nil
// source or an option out of range.
var ErrInvalidOption = errors.New("filter: invalid option")

// ErrBadGraph is wrapped by every [*Error]: the filter description could
// not be made into a working filter graph.
var ErrBadGraph = errors.New("filter: bad filter graph")

// Error reports a filter description that FFmpeg rejected. Filter names
// the filter that failed ("drawtext", "acompressor"), or is empty when the
// description as a whole is at fault (a syntax error, a wrong number of
// inputs or outputs); Reason is what FFmpeg said about it (its log
// message, or the error code's text when it logged nothing).
type Error struct {
	Description string // the description given to the constructor
	Filter      string // the failing filter, or ""
	Stage       string // what failed: "parse", "create", "options", "init", "link", "configure"
	Reason      string // FFmpeg's explanation
	Err         error  // FFmpeg's error code, when there is one
}

func (e *Error) Error() string {
	where := "filter graph"
	if e.Filter != "" {
		where = "filter " + e.Filter
	}
	return fmt.Sprintf("filter: %s of %q: %s: %s", where, e.Description, e.Stage, e.Reason)
}

// Unwrap returns ErrBadGraph and FFmpeg's error.
func (e *Error) Unwrap() []error {
	if e.Err == nil {
		return []error{ErrBadGraph}
	}
	return []error{ErrBadGraph, e.Err}
}
