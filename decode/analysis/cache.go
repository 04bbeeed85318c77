package analysis

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/loudness"
)

// Cache keeps analyses in a directory, one small JSON file per media file,
// named after a hash of its absolute path. An entry is valid while the
// media file keeps the size and modification time it had when it was
// analysed. A Cache is safe for concurrent use, and one Cache can serve
// many playlists (the stations of one host playing one library): a file
// is analysed once, and the callers that miss on it while its analysis
// runs wait for that one. Two Caches on one directory (two processes)
// may both analyse a file; the last write wins.
type Cache struct {
	dir  string
	opts *Options
	log  *slog.Logger

	mu  sync.Mutex
	run map[string]*flight // analyses under way, by cache file name

	testHook func(event string) // tests: "lead" before an analysis, "wait" before waiting for one
}

// flight is an analysis under way; done is closed when a and err are set.
type flight struct {
	done chan struct{}
	a    *loudness.Analysis
	err  error
}

// NewCache returns a cache in dir, which it creates if needed. opts
// configure the analyses it runs; log (may be nil) receives the errors of
// Prepare.
func NewCache(dir string, opts *Options, log *slog.Logger) (*Cache, error) {
	if dir == "" {
		return nil, fmt.Errorf("%w: analysis: empty cache directory", onair.ErrInvalidOption)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("analysis: cache: %w", err)
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Cache{dir: dir, opts: opts, log: log}, nil
}

// entry is what the cache stores. Floats are strings, as JSON has no -Inf.
type entry struct {
	Path       string            `json:"path"`
	Size       int64             `json:"size"`
	ModTime    time.Time         `json:"mtime"`
	Values     map[string]string `json:"values"`
	CueIn      time.Duration     `json:"cue_in"`
	CueOut     time.Duration     `json:"cue_out"`
	CrossStart time.Duration     `json:"cross_start"`
}

// File returns the analysis of the media file at path, from the cache when
// the file has not changed since, else by analysing it (see [File]) and
// storing the result. While another caller analyses the same file, it
// waits for that analysis (or for ctx) and returns its result. The second
// result reports whether this call ran no analysis: a cache hit, or
// another caller's analysis.
func (c *Cache) File(ctx context.Context, path string) (*loudness.Analysis, bool, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, false, err
	}
	name := c.name(abs)
	for {
		st, err := os.Stat(abs)
		if err != nil {
			return nil, false, err
		}
		if a, ok := c.load(name, abs, st); ok {
			return a, true, nil
		}
		c.mu.Lock()
		f := c.run[name]
		if f == nil {
			f = &flight{done: make(chan struct{})}
			if c.run == nil {
				c.run = make(map[string]*flight)
			}
			c.run[name] = f
			c.mu.Unlock()
			c.lead(ctx, f, name, abs, st)
			return f.a, false, f.err
		}
		c.mu.Unlock()
		c.hook("wait")
		select {
		case <-f.done:
		case <-ctx.Done():
			return nil, false, ctx.Err()
		}
		// An analysis stopped by its own caller's context is no answer
		// for this caller: look again (and analyse).
		if f.a == nil && (errors.Is(f.err, context.Canceled) || errors.Is(f.err, context.DeadlineExceeded)) {
			continue
		}
		return f.a, true, f.err
	}
}

// lead runs the analysis of flight f and then releases its waiters, also
// when the analysis panics (they get an error, not a hang).
func (c *Cache) lead(ctx context.Context, f *flight, name, abs string, st fs.FileInfo) {
	f.err = fmt.Errorf("analysis: %s: the analysis stopped", abs)
	defer func() {
		c.mu.Lock()
		delete(c.run, name)
		c.mu.Unlock()
		close(f.done)
	}()
	c.hook("lead")
	f.a, f.err = c.analyse(ctx, name, abs, st)
}

// analyse analyses the file and stores the result.
func (c *Cache) analyse(ctx context.Context, name, abs string, st fs.FileInfo) (*loudness.Analysis, error) {
	a, err := File(ctx, abs, c.opts)
	if err != nil {
		return nil, err
	}
	return a, c.store(name, abs, st, a)
}

func (c *Cache) hook(event string) {
	if c.testHook != nil {
		c.testHook(event)
	}
}

// Prepare returns the metadata of the analysis of path (see
// loudness.Analysis.Metadata), for decode's PlaylistOptions.Prepare. It
// logs and returns nil when the file cannot be analysed: the playlist then
// reports the file itself.
func (c *Cache) Prepare(ctx context.Context, path string) onair.Metadata {
	a, _, err := c.File(ctx, path)
	if a == nil {
		c.log.Warn("analysis failed", "path", path, "err", err)
		return nil
	}
	if err != nil {
		c.log.Warn("analysis not cached", "path", path, "err", err)
	}
	return a.Metadata()
}

// Warm analyses the files that are not in the cache yet, one after the
// other, until ctx is done; it returns the errors of the files that could
// not be analysed, joined. Run it on a goroutine of its own to fill the
// cache of a library ahead of the playlist.
func (c *Cache) Warm(ctx context.Context, paths []string) error {
	var errs []error
	for _, p := range paths {
		if err := ctx.Err(); err != nil {
			return errors.Join(append(errs, err)...)
		}
		if _, _, err := c.File(ctx, p); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (c *Cache) name(abs string) string {
	h := sha256.Sum256([]byte(abs))
	return filepath.Join(c.dir, hex.EncodeToString(h[:16])+".json")
}

func (c *Cache) load(name, abs string, st fs.FileInfo) (*loudness.Analysis, bool) {
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, false
	}
	var e entry
	if json.Unmarshal(b, &e) != nil || e.Path != abs || e.Size != st.Size() || !e.ModTime.Equal(st.ModTime()) {
		return nil, false
	}
	f := func(k string) float64 {
		x, err := strconv.ParseFloat(e.Values[k], 64)
		if err != nil {
			return math.NaN()
		}
		return x
	}
	a := &loudness.Analysis{Values: loudness.Values{
		Momentary: f("momentary"), ShortTerm: f("short_term"), MaxMomentary: f("max_momentary"), MaxShortTerm: f("max_short_term"),
		Integrated: f("integrated"), Range: f("range"), TruePeak: f("true_peak"), SamplePeak: f("sample_peak"),
	}, Cues: loudness.Cues{CueIn: e.CueIn, CueOut: e.CueOut, CrossStart: e.CrossStart}}
	d, err := time.ParseDuration(e.Values["duration"])
	if err != nil || math.IsNaN(a.Integrated) || math.IsNaN(a.TruePeak) {
		return nil, false
	}
	a.Duration = d
	return a, true
}

func (c *Cache) store(name, abs string, st fs.FileInfo, a *loudness.Analysis) error {
	g := func(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }
	v := a.Values
	e := entry{Path: abs, Size: st.Size(), ModTime: st.ModTime(), CueIn: a.Cues.CueIn, CueOut: a.Cues.CueOut, CrossStart: a.Cues.CrossStart,
		Values: map[string]string{
			"momentary": g(v.Momentary), "short_term": g(v.ShortTerm), "max_momentary": g(v.MaxMomentary), "max_short_term": g(v.MaxShortTerm),
			"integrated": g(v.Integrated), "range": g(v.Range), "true_peak": g(v.TruePeak), "sample_peak": g(v.SamplePeak),
			"duration": v.Duration.String(),
		}}
	b, err := json.Marshal(e)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(c.dir, ".tmp-*")
	if err != nil {
		return fmt.Errorf("analysis: cache: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return fmt.Errorf("analysis: cache: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("analysis: cache: %w", err)
	}
	if err := os.Rename(tmp.Name(), name); err != nil {
		return fmt.Errorf("analysis: cache: %w", err)
	}
	return nil
}
