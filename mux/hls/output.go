package hls

import (
	"errors"
	"fmt"
	"os"

	"github.com/onair-go/onair"
)

// Output is a graph output that writes the encoded tracks of its source
// as HLS: a master playlist, one media playlist per [Variant] and their
// segments, in a directory. Make it with [New], add it to a graph, and
// serve the directory with [Output.Handler] (or any web server).
//
// Muxing and cutting run on the clock goroutine; every file-system write,
// deletion and [Options.OnFile] call runs on the output's writer
// goroutine, started with the output and stopped by Close (the graph's
// Close). Stats, Handler, Dir and Master are safe from any goroutine.
type Output struct {
	out *onair.Output
	seg *segmenter
	st  *store
	cfg *config
	dir string
}

// Stats counts the work of an output. Every field only grows.
type Stats struct {
	// Segments is the number of segment files written (one per variant
	// and round).
	Segments int64
	// Bytes is the size of the segments and initialization sections
	// written.
	Bytes int64
	// Dropped is the number of rounds dropped because the writer was
	// [Options.Queue] rounds behind.
	Dropped int64
	// Errors is the number of file-system errors (each is logged).
	Errors int64
}

// New returns an output that writes src's encoded tracks as HLS into
// dir, which it creates if needed. The variants select src's tracks; all
// are cut on one grid (see the package documentation). When
// [Options.StateFile] names an existing state file, it is read now: a
// corrupt one is an error wrapping [ErrState]. Invalid options are an
// error wrapping [ErrOption]. opts is required (it lists the variants).
func New(src onair.Source, dir string, opts *Options) (*Output, error) {
	if dir == "" {
		return nil, fmt.Errorf("%w: empty directory", ErrOption)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("hls: output directory: %w", err)
	}
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return nil, errors.Join(fmt.Errorf("hls: %s is not a directory", dir), err)
	}
	return newOutput(src, Dir(dir), dir, dir, opts)
}

// NewWithStorage is [New] with the files going to st, such as an [S3]
// bucket, instead of a directory. The state file, when
// [Options.StateFile] is set, is read from st now.
func NewWithStorage(src onair.Source, st Storage, opts *Options) (*Output, error) {
	if st == nil {
		return nil, fmt.Errorf("%w: nil storage", ErrOption)
	}
	if d, ok := st.(Dir); ok {
		return New(src, string(d), opts)
	}
	where := "storage"
	if l, ok := st.(Locator); ok {
		where = l.Location("")
	}
	return newOutput(src, st, "", where, opts)
}

// newOutput makes an output on st; dir is its directory ("" if st is not
// one) and where names st in logs.
func newOutput(src onair.Source, st Storage, dir, where string, opts *Options) (*Output, error) {
	if src == nil {
		return nil, fmt.Errorf("%w: nil source", ErrOption)
	}
	cfg, err := resolve(opts)
	if err != nil {
		return nil, err
	}
	store, err := newStore(cfg, st, where)
	if err != nil {
		return nil, err
	}
	seg := newSegmenter(cfg, store)
	out := onair.NewOutput(src, seg, &onair.OutputOptions{ID: cfg.ID, Fallible: cfg.Fallible})
	return &Output{out: out, seg: seg, st: store, cfg: cfg, dir: dir}, nil
}

// Node returns the output's graph node.
func (o *Output) Node() *onair.Node { return o.out.Node() }

// Output returns the underlying graph output.
func (o *Output) Output() *onair.Output { return o.out }

// Dir returns the output directory, "" when the output writes to
// another [Storage].
func (o *Output) Dir() string { return o.dir }

// Master returns the file name of the master playlist.
func (o *Output) Master() string { return o.cfg.Master }

// Stats returns the output's counters.
func (o *Output) Stats() Stats {
	s := &o.st.stats
	return Stats{Segments: s.segments.Load(), Bytes: s.bytes.Load(), Dropped: s.dropped.Load(), Errors: s.errors.Load()}
}
