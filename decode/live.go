package decode

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/asticode/go-astiav"
	"github.com/onair-go/onair"
)

var (
	// ErrBusy is returned (wrapped) by [LiveSource.Play] when another
	// stream is already playing into the source.
	ErrBusy = errors.New("decode: live source busy: another stream is playing")
	// ErrInactive is returned (wrapped) by [LiveSource.Play] while the
	// source is not awake: its graph is not running, or no consumer uses
	// it, so there is no graph format to decode to.
	ErrInactive = errors.New("decode: live source is not active (its graph is not running)")
)

// errAsleep is the cause of a Play cancelled because the source went to
// sleep.
var errAsleep = fmt.Errorf("%w: the source went to sleep", ErrInactive)

// LiveOptions configure [Live]. A nil *LiveOptions is valid.
type LiveOptions struct {
	// ID names the source. It defaults to "live".
	ID string
	// Logger receives connections, disconnections, underruns and
	// overruns, and FFmpeg's messages about the stream (see package
	// avlog). It defaults to discarding them.
	Logger *slog.Logger
	// Prebuffer is how much decoded audio the source waits for before it
	// becomes ready: when a stream starts and after each underrun. It
	// defaults to 1s.
	Prebuffer time.Duration
	// MaxBuffer is the most decoded audio the source holds; when a stream
	// delivers faster than the clock plays, the oldest audio is dropped
	// (overrun). It defaults to 10s, or twice Prebuffer when that is
	// larger, and must be larger than Prebuffer.
	MaxBuffer time.Duration
	// Format forces the demuxer (an FFmpeg input format name such as
	// "mp3", "aac", "ogg", "flac"). By default the stream is probed, with
	// the content type given to Play as a hint.
	Format string
	// NewTrackOnMetadata starts a new track (a track mark) at every
	// metadata that arrives in the middle of a stream, in-band or from
	// InsertMetadata. By default metadata changes do not end tracks.
	NewTrackOnMetadata bool
	// OnConnect is called on Play's goroutine when a stream has been
	// opened (its format probed) and decoding starts.
	OnConnect func()
	// OnDisconnect is called on Play's goroutine when a stream that was
	// opened ends, with the error Play returns (nil for a clean end).
	OnDisconnect func(err error)
}

// LiveStats describes a live source at one moment.
type LiveStats struct {
	// Connected reports whether a stream is being decoded (see
	// [LiveSource.Connected]).
	Connected bool
	// Buffered is the decoded audio held.
	Buffered time.Duration
	// Buffering reports whether the source waits for its prebuffer (it
	// is unready meanwhile).
	Buffering bool
	// Underruns counts the times the buffer ran empty while a stream was
	// connected; Overruns the times audio had to be dropped, and Dropped
	// the audio dropped in all.
	Underruns, Overruns int
	Dropped             time.Duration
}

// LiveSource is a fallible source fed by byte streams, one at a time: a
// harbor (Icecast source protocol) connection, an HTTP stream (see
// [HTTP]), a pipe. [LiveSource.Play] decodes a stream with FFmpeg, on the
// caller's goroutine, into a bounded buffer of audio in the graph format;
// the clock only copies from that buffer and never waits for the network.
//
// # Readiness
//
// The source is ready once a stream plays and the buffer holds
// [LiveOptions.Prebuffer]. When the buffer runs empty while the stream is
// still connected (underrun), the source logs it and is unready until the
// prebuffer has filled again; the track goes on. When the stream ends,
// what is buffered still plays (even if shorter than the prebuffer), then
// a track mark ends the track and the source is unready until the next
// stream is prebuffered. When a stream delivers faster than the clock
// plays (more than [LiveOptions.MaxBuffer] buffered), the oldest audio is
// dropped (overrun), logged at most once per second with counts; the audio
// kept crosses from the dropped audio over 5 ms, so a drop does not click.
//
// # Tracks and metadata
//
// Each stream is a track: it starts with a track mark and the stream's
// tags (container and stream tags such as an ID3v2 tag or the Vorbis
// comments, lower-case keys). Metadata that changes inside the stream
// (the comments of a chained Ogg stream, FFmpeg's metadata updates, ICY
// titles of an [HTTPSource]) is placed at the audio it belongs to, within
// one codec frame; so is metadata given to [LiveSource.InsertMetadata].
//
// All methods are safe to call from any goroutine.
type LiveSource struct {
	node *onair.Node
	opts LiveOptions
	log  *slog.Logger

	// Hooks of sources built on Live (HTTP), run by WakeUp and Sleep.
	onWake  func()
	onSleep func()

	mu        sync.Mutex // guards following
	ring      liveRing
	format    *onair.Format
	awake     bool
	closed    bool
	buffering bool
	underrun  bool // inside an underrun episode (logged once)
	sess      *liveSession
	prebuf    int // samples
	maxLen    int // samples
	stats     LiveStats
	dropped   int64         // samples
	changed   chan struct{} // closed at the next change; nil when nobody waits
	dst       [][]float32   // Generate's scratch: the frame's audio from its end
}

// Live returns a live source with no stream. opts may be nil; Live
// returns an error wrapping [onair.ErrInvalidOption] for invalid options.
func Live(opts *LiveOptions) (*LiveSource, error) {
	var o LiveOptions
	if opts != nil {
		o = *opts
	}
	if o.ID == "" {
		o.ID = "live"
	}
	if o.Prebuffer == 0 {
		o.Prebuffer = time.Second
	}
	if o.MaxBuffer == 0 {
		o.MaxBuffer = max(10*time.Second, 2*o.Prebuffer)
	}
	switch {
	case o.Prebuffer < 0:
		return nil, fmt.Errorf("%w: live source %q: negative prebuffer %v", onair.ErrInvalidOption, o.ID, o.Prebuffer)
	case o.MaxBuffer <= o.Prebuffer:
		return nil, fmt.Errorf("%w: live source %q: max buffer %v must be larger than the prebuffer %v", onair.ErrInvalidOption, o.ID, o.MaxBuffer, o.Prebuffer)
	case o.Format != "" && astiav.FindInputFormat(o.Format) == nil:
		return nil, fmt.Errorf("%w: live source %q: unknown input format %q", onair.ErrInvalidOption, o.ID, o.Format)
	}
	s := &LiveSource{opts: o, log: o.Logger, buffering: true}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.node = onair.NewNode((*liveGen)(s), &onair.NodeOptions{ID: o.ID, Fallible: true})
	return s, nil
}

// Node returns the source's graph node.
func (s *LiveSource) Node() *onair.Node { return s.node }

// Connected reports whether a stream is being decoded: Play has opened it
// and not returned yet.
func (s *LiveSource) Connected() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sess != nil && s.sess.open
}

// Buffered returns the decoded audio held, waiting to be played.
func (s *LiveSource) Buffered() time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.bufferedLocked()
}

func (s *LiveSource) bufferedLocked() time.Duration {
	if s.format == nil {
		return 0
	}
	return s.format.Duration(s.ring.len())
}

// Stats returns the source's state and counters.
func (s *LiveSource) Stats() LiveStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.statsLocked()
}

func (s *LiveSource) statsLocked() LiveStats {
	st := s.stats
	st.Connected = s.sess != nil && s.sess.open
	st.Buffered = s.bufferedLocked()
	st.Buffering = s.buffering
	if s.format != nil {
		st.Dropped = s.format.Duration(int(s.dropped))
	}
	return st
}

// InsertMetadata places m at the current write position of the buffer:
// after the audio decoded so far, so that it comes out with the audio
// that follows it. With [LiveOptions.NewTrackOnMetadata] a track mark is
// placed there too. It is ignored while the source is asleep. The source
// keeps m; do not modify it afterwards.
func (s *LiveSource) InsertMetadata(m onair.Metadata) {
	if len(m) == 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.awake {
		return
	}
	s.addMetaLocked(s.ring.tail, m)
	s.notify()
}

// addMetaLocked places m at pos, with a track mark when the options ask
// for one (s.mu held).
func (s *LiveSource) addMetaLocked(pos int64, m onair.Metadata) {
	if s.opts.NewTrackOnMetadata {
		s.ring.addMark(pos, false)
	}
	s.ring.addMeta(pos, m)
}

// Close ends the stream being played, if any (its Play returns an error
// wrapping [ErrClosed]), and makes later calls to Play fail. It is
// idempotent.
func (s *LiveSource) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	if s.sess != nil {
		s.sess.cancel(ErrClosed)
	}
	return nil
}

// notify wakes up whoever waits for a change of state (s.mu held). It
// allocates nothing when nobody waits.
func (s *LiveSource) notify() {
	if s.changed != nil {
		close(s.changed)
		s.changed = nil
	}
}

// waitFor waits until cond (called with s.mu held) is true or ctx ends.
func (s *LiveSource) waitFor(ctx context.Context, cond func() bool) error {
	for {
		s.mu.Lock()
		if cond() {
			s.mu.Unlock()
			return nil
		}
		if s.changed == nil {
			s.changed = make(chan struct{})
		}
		ch := s.changed
		s.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return context.Cause(ctx)
		}
	}
}
