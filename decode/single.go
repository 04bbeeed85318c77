package decode

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/onair-go/onair"
)

// SingleOptions configure [Single]. A nil *SingleOptions is valid.
type SingleOptions struct {
	// ID names the source. It defaults to "single".
	ID string
	// Logger receives decoding errors and underruns, and FFmpeg's
	// messages about the file (see package avlog). It defaults to
	// discarding them.
	Logger *slog.Logger
	// Buffer and Synchronous are as in [FileOptions].
	Buffer      time.Duration
	Synchronous bool
	// TrimSilence is as in [PlaylistOptions]: each loop starts at the
	// file's first sound and ends at its last.
	TrimSilence bool
}

// SingleSource loops one media file forever, each loop a track that
// starts with a track mark and the file's tags. It is infallible: the
// file decoded when the source was made, and should the helper goroutine
// fall behind (or the file disappear later) the source plays silence and
// logs it. Waking up waits for the first buffer of audio, so that the
// first tick has data.
//
// Close is safe to call from any goroutine.
type SingleSource struct {
	node *onair.Node
	p    *player
}

// Single returns a source that loops the media file at path. It opens and
// decodes the start of the file first and returns the error (a
// [*PathError]) when that fails. opts may be nil.
func Single(path string, opts *SingleOptions) (*SingleSource, error) {
	var o SingleOptions
	if opts != nil {
		o = *opts
	}
	if o.ID == "" {
		o.ID = "single"
	}
	if o.Buffer < 0 {
		return nil, fmt.Errorf("%w: negative buffer %v", onair.ErrInvalidOption, o.Buffer)
	}
	if _, _, err := probe(path, o.Logger); err != nil {
		return nil, err
	}
	s := &SingleSource{}
	s.p = newPlayer(&singleFeed{path: path}, playerOptions{
		id: o.ID, log: o.Logger, buffer: o.Buffer, synchronous: o.Synchronous,
		infallible: true, maxFail: 3, trim: o.TrimSilence,
	})
	s.node = onair.NewNode(s.p, &onair.NodeOptions{ID: o.ID})
	return s, nil
}

// Node returns the source's graph node.
func (s *SingleSource) Node() *onair.Node { return s.node }

// Close stops the helper goroutine. It is idempotent.
func (s *SingleSource) Close() error { return s.p.close() }

// singleRetry is how often a Single whose file went bad tries it again.
const singleRetry = 5 * time.Second

type singleFeed struct{ path string }

func (f *singleFeed) rewind()                     {}
func (f *singleFeed) next() (entry, feedStatus)   { return entry{path: f.path}, feedOK }
func (f *singleFeed) poll() (bool, time.Duration) { return true, singleRetry }
