package decode

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync/atomic"
	"time"

	"github.com/onair-go/onair"
)

// Order is the order in which a playlist plays its entries.
type Order int

const (
	// InOrder plays the entries in the order of the list.
	InOrder Order = iota
	// Shuffle plays every entry once per round, in an order shuffled at
	// the start of each round.
	Shuffle
	// RandomPick picks each entry at random, with repeats: an entry may
	// come back before the others have played.
	RandomPick
)

// ReloadMode says when a playlist reads its file or directory again.
type ReloadMode int

const (
	// ReloadNever reads the list only at construction (and on Reload).
	ReloadNever ReloadMode = iota
	// ReloadInterval reads the list every [PlaylistOptions.ReloadEvery].
	ReloadInterval
	// ReloadWatch reads the list when the playlist file, or a media file
	// or folder of the directory, changes; changes are polled every
	// [PlaylistOptions.ReloadEvery].
	ReloadWatch
)

// PlaylistOptions configure [Playlist] and [PlaylistOf]. A nil
// *PlaylistOptions is valid.
type PlaylistOptions struct {
	// ID names the source. It defaults to "playlist".
	ID string
	// Logger receives one error per bad entry, and FFmpeg's messages
	// about the files (see package avlog). It defaults to discarding.
	Logger *slog.Logger
	// Order defaults to InOrder.
	Order Order
	// Seed seeds the Shuffle and RandomPick orders; the same seed gives the
	// same order. It defaults to 0, which picks a seed from the time.
	Seed uint64
	// Once plays the list once and then ends the stream (io.EOF). By
	// default the playlist loops.
	Once bool
	// Reload defaults to ReloadNever. It applies to playlist files and
	// directories, not to lists given as a slice.
	Reload ReloadMode
	// ReloadEvery is the reload interval (ReloadInterval) or the polling
	// interval (ReloadWatch). It defaults to 60s and 1s respectively.
	ReloadEvery time.Duration
	// MaxFail is the number of consecutive bad entries after which the
	// playlist pauses: it becomes unready and tries again after
	// RetryDelay, or when it is reloaded. It defaults to 10; a negative
	// value never pauses.
	MaxFail int
	// RetryDelay is how long a paused playlist waits before it tries its
	// entries again by itself (a music server or NAS that was down is
	// the normal case); each pause that follows a round of failures
	// doubles it, up to MaxRetryDelay, and a track that plays resets it.
	// They default to 1s and 10s. Each pause is logged as an error
	// wrapping [ErrTooManyFailures] and the last entry's error.
	RetryDelay, MaxRetryDelay time.Duration
	// OnFail is called with each bad entry, on the helper goroutine.
	OnFail func(path string, err error)
	// Buffer and Synchronous are as in [FileOptions].
	Buffer      time.Duration
	Synchronous bool
	// TrimSilence cuts the silence at both ends of every track: the
	// samples below SilenceLevel (-60 dBFS) on every channel before the
	// first sound, and those after the last sound when they last
	// MaxTrimmedTail (2s) at most (a longer silence is kept). Files with
	// silent edges put dead air between tracks otherwise: mastered so,
	// or an MP3 whose header was lost with the encoder delay and padding
	// it gave (one damaged this way starts with about 40 ms of silence
	// and ends with 17 ms). The cut is sample-exact and applies within
	// the cue points; seeking goes on without cutting again. It does
	// nothing in graphs with video. By default tracks play as decoded.
	// Longer silences inside tracks are autocue's (package
	// decode/analysis).
	TrimSilence bool
	// Prepare, when set, is called on the helper goroutine with the path
	// of each entry before the entry is opened; the metadata it returns is
	// added to the track's, the entry's own annotations winning. Cue
	// points in it trim the track. ctx is cancelled when the source goes
	// to sleep. It is meant for the loudness and autocue analysis of
	// package decode/analysis (Cache.Prepare), and may take as long as
	// the buffer lasts before the track is late.
	Prepare func(ctx context.Context, path string) onair.Metadata
}

// PlaylistSource plays the entries of a list of media files, each as a
// track that starts with a track mark and the file's tags (plus
// "filename", and "title" from the file name when the file has none). It
// is fallible.
//
// A helper goroutine (started on wake-up, stopped on sleep) opens the
// next entry and decodes it ahead while the current one plays, so tracks
// follow each other without a gap. Bad entries (missing, unreadable,
// empty, truncated, not media, no audio, unsupported codec) are skipped,
// each with one logged error and a call to OnFail; after MaxFail
// consecutive failures the playlist becomes unready instead of spinning,
// and tries again by itself after RetryDelay (growing up to
// MaxRetryDelay while the failures go on), or at once when reloaded.
// Reloading replaces the list and starts a new round; the entry being
// played is kept.
//
// Reload, Len and Close are safe to call from any goroutine.
type PlaylistSource struct {
	node *onair.Node
	p    *player
	feed *playlistFeed
}

// Playlist returns a source that plays the playlist file uri (.m3u,
// .m3u8, .pls; relative entries are relative to the file) or the media
// files of directory uri (recursively, sorted by path). The list is read
// once here; an error is returned when it cannot be. opts may be nil.
func Playlist(uri string, opts *PlaylistOptions) (*PlaylistSource, error) {
	l, err := loadList(uri)
	if err != nil {
		return nil, err
	}
	return newPlaylist(uri, l, opts)
}

// PlaylistOf returns a source that plays the given files. opts may be nil.
func PlaylistOf(paths []string, opts *PlaylistOptions) (*PlaylistSource, error) {
	l := make([]entry, len(paths))
	for i, p := range paths {
		l[i] = parseEntry(p, "")
	}
	return newPlaylist("", l, opts)
}

func newPlaylist(uri string, l []entry, opts *PlaylistOptions) (*PlaylistSource, error) {
	var o PlaylistOptions
	if opts != nil {
		o = *opts
	}
	if o.ID == "" {
		o.ID = "playlist"
	}
	switch {
	case o.Order < InOrder || o.Order > RandomPick:
		return nil, fmt.Errorf("%w: playlist order %d", onair.ErrInvalidOption, o.Order)
	case o.Reload < ReloadNever || o.Reload > ReloadWatch:
		return nil, fmt.Errorf("%w: reload mode %d", onair.ErrInvalidOption, o.Reload)
	case o.ReloadEvery < 0 || o.Buffer < 0 || o.RetryDelay < 0 || o.MaxRetryDelay < 0:
		return nil, fmt.Errorf("%w: negative duration", onair.ErrInvalidOption)
	}
	if o.ReloadEvery == 0 {
		o.ReloadEvery = time.Minute
		if o.Reload == ReloadWatch {
			o.ReloadEvery = time.Second
		}
	}
	if o.MaxFail == 0 {
		o.MaxFail = 10
	}
	if o.MaxFail < 0 {
		o.MaxFail = 0
	}
	if o.RetryDelay == 0 {
		o.RetryDelay = time.Second
	}
	if o.MaxRetryDelay == 0 {
		o.MaxRetryDelay = 10 * time.Second
	}
	o.MaxRetryDelay = max(o.MaxRetryDelay, o.RetryDelay)
	if uri == "" {
		o.Reload = ReloadNever
	}
	seed := o.Seed
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	f := &playlistFeed{uri: uri, opts: o, list: l, rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
	if o.Reload == ReloadWatch {
		f.sig = signature(uri)
	}
	f.newRound()
	s := &PlaylistSource{feed: f}
	s.p = newPlayer(f, playerOptions{
		id: o.ID, log: o.Logger, buffer: o.Buffer, synchronous: o.Synchronous,
		maxFail: o.MaxFail, onFail: o.OnFail, retryDelay: o.RetryDelay, maxRetryDelay: o.MaxRetryDelay,
		prepare: o.Prepare, trim: o.TrimSilence,
	})
	s.node = onair.NewNode(s.p, &onair.NodeOptions{ID: o.ID, Fallible: true})
	return s, nil
}

// Node returns the source's graph node.
func (s *PlaylistSource) Node() *onair.Node { return s.node }

// Reload asks the helper goroutine to read the list again before it opens
// the next entry; a playlist paused after MaxFail failures tries again
// at once. A list given as a slice is not read again, but the playlist
// still starts a new round and tries again.
func (s *PlaylistSource) Reload() {
	s.feed.reloadReq.Store(true)
	s.p.request()
}

// Len returns the number of entries of the list.
func (s *PlaylistSource) Len() int { return int(s.feed.length.Load()) }

// Close stops the helper goroutine. It is idempotent.
func (s *PlaylistSource) Close() error { return s.p.close() }

// playlistFeed orders the entries; it runs on the helper goroutine except
// for the atomics.
type playlistFeed struct {
	uri       string
	opts      PlaylistOptions
	reloadReq atomic.Bool
	length    atomic.Int64

	list     []entry
	order    []int
	idx      int
	picked   int // entries played this round (RandomPick)
	rng      *rand.Rand
	sig      string
	lastLoad time.Time
	started  bool
}

func (f *playlistFeed) rewind() {}

// newRound starts a round over the current list.
func (f *playlistFeed) newRound() {
	f.length.Store(int64(len(f.list)))
	f.order = f.order[:0]
	for i := range f.list {
		f.order = append(f.order, i)
	}
	if f.opts.Order == Shuffle {
		f.rng.Shuffle(len(f.order), func(i, j int) { f.order[i], f.order[j] = f.order[j], f.order[i] })
	}
	f.idx, f.picked = 0, 0
}

func (f *playlistFeed) next() (entry, feedStatus) {
	if f.reloadReq.Swap(false) {
		f.reload()
	}
	if len(f.list) == 0 {
		if f.opts.Once && f.started {
			return entry{}, feedDone
		}
		return entry{}, feedWait
	}
	if f.idx >= len(f.order) {
		if f.opts.Once {
			return entry{}, feedDone
		}
		f.newRound()
	}
	f.started = true
	var e entry
	if f.opts.Order == RandomPick {
		e = f.list[f.rng.IntN(len(f.list))]
	} else {
		e = f.list[f.order[f.idx]]
	}
	f.idx++
	return e, feedOK
}

// reload reads the list again (when it comes from a file or directory)
// and starts a new round. A list that cannot be read is kept.
func (f *playlistFeed) reload() {
	f.lastLoad = time.Now()
	if f.uri != "" {
		l, err := loadList(f.uri)
		if err != nil {
			slogOr(f.opts.Logger).Error("cannot reload playlist", "source", f.opts.ID, "uri", f.uri, "err", err)
		} else {
			f.list = l
		}
		if f.opts.Reload == ReloadWatch {
			f.sig = signature(f.uri)
		}
	}
	f.newRound()
}

func (f *playlistFeed) poll() (bool, time.Duration) {
	switch f.opts.Reload {
	case ReloadInterval:
		if f.lastLoad.IsZero() {
			f.lastLoad = time.Now()
		} else if time.Since(f.lastLoad) >= f.opts.ReloadEvery {
			f.reload()
			return true, f.opts.ReloadEvery
		}
		return false, max(time.Millisecond, f.opts.ReloadEvery-time.Since(f.lastLoad))
	case ReloadWatch:
		if sig := signature(f.uri); sig != f.sig {
			f.reload()
			return true, f.opts.ReloadEvery
		}
		return false, f.opts.ReloadEvery
	}
	return false, 0
}

func slogOr(l *slog.Logger) *slog.Logger {
	if l == nil {
		return slog.New(slog.DiscardHandler)
	}
	return l
}
