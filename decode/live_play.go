package decode

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/onair-go/onair"
)

// liveChunk is how many samples Play decodes before it hands them to the
// buffer (about 23 ms at 44.1 kHz).
const liveChunk = 1024

// liveSession is one call of Play.
type liveSession struct {
	cancel  context.CancelCauseFunc
	open    bool  // the stream is opened (OnConnect was called)
	started bool  // the track mark and tags are in the buffer
	base    int64 // ring position of the stream's first sample
	pushed  int64 // samples handed to the buffer
	reading bool  // blocked in a Read of the stream (tests wait for it)
	tags    onair.Metadata
	pending []liveMeta // metadata at stream sample positions, not yet buffered

	// Overrun log state (Play's goroutine).
	ovLogged time.Time
	ovCount  int
	ovDrop   int
}

// Play decodes the byte stream r into the source until r ends, ctx is
// cancelled, the source is closed or goes to sleep, or decoding fails. It
// blocks on the caller's goroutine, which does all the reading, probing
// and decoding; the clock only copies decoded audio.
//
// The stream may be in any format FFmpeg reads (MP3, AAC in ADTS, Ogg
// Vorbis/Opus/FLAC, FLAC, WAV, ...). contentType, a MIME type such as
// "audio/mpeg" (or ""), is a hint for probing; [LiveOptions.Format]
// forces the demuxer instead. The audio is resampled and converted to the
// graph format.
//
// Play returns nil when r reached io.EOF and everything was decoded (a
// clean end). Otherwise it returns why it stopped: the cause of ctx
// (context.Canceled, ...), an error wrapping [ErrClosed] or [ErrInactive]
// (the source was closed or went to sleep), the error of r, or a
// [*PathError] (the stream is not decodable audio). It returns at once,
// with an error wrapping [ErrBusy], while another stream plays, and with
// one wrapping [ErrInactive] while the source is not awake (its graph is
// not running).
//
// When ctx is cancelled, Play stops reading: a Read blocked at that moment
// is interrupted when r has a SetReadDeadline method (a net.Conn);
// otherwise Play returns when that Read returns. Readers tied to a
// context (the body of an HTTP request made with ctx) return at once. Play
// does not close r.
func (s *LiveSource) Play(ctx context.Context, r io.Reader, contentType string) error {
	_, err := s.play(ctx, r, contentType, s.opts.ID)
	return err
}

// byteMetaReader is implemented by stream readers that carry metadata at
// byte positions of the stream they deliver (the ICY reader).
type byteMetaReader interface {
	// metaUpTo returns the metadata placed at stream byte positions up to
	// pos, in order, and forgets it.
	metaUpTo(pos int64) []onair.Metadata
}

// play is Play with the name of the stream for errors and logs; it also
// reports whether the stream was opened.
func (s *LiveSource) play(ctx context.Context, r io.Reader, contentType, name string) (opened bool, err error) {
	if r == nil {
		return false, fmt.Errorf("%w: live source %q: Play with a nil reader", onair.ErrInvalidOption, s.opts.ID)
	}
	sctx, sess, f, err := s.begin(ctx)
	if err != nil {
		return false, err
	}
	in := &liveInput{ctx: sctx, r: r, s: s, sess: sess}
	stop := context.AfterFunc(sctx, in.interrupt)
	defer func() {
		stop()
		err = s.end(sctx, sess, in, name, err)
	}()
	d, err := openLive(in, f, s.opts.Format, contentType, name, s.log)
	if err != nil {
		return false, err
	}
	defer d.close()
	bm, _ := r.(byteMetaReader)
	d.onPacket = func(pos int64) { s.packetMeta(d, sess, bm, pos, in.bytes) }
	opened = true
	s.mu.Lock()
	sess.open = true
	sess.tags = d.tags()
	s.notify()
	s.mu.Unlock()
	s.log.Info("live stream connected", "source", s.opts.ID, "stream", name,
		"format", d.fc.InputFormat().Name(), "codec", d.cc.CodecID().Name(),
		"rate", d.cc.SampleRate(), "channels", d.cc.ChannelLayout().Channels())
	if s.opts.OnConnect != nil {
		s.opts.OnConnect()
	}
	fd := newLiveFeed(s, sess, d, f.Channels)
	in.flush = fd.flush
	for {
		fd.start, fd.flushed = d.pos, 0
		_, rerr := d.read(fd.buf)
		if !fd.flush() {
			return true, context.Cause(sctx)
		}
		if rerr != nil {
			if errors.Is(rerr, io.EOF) {
				return true, nil
			}
			return true, rerr
		}
	}
}

// liveFeed hands decoded audio to the buffer: after each chunk, and
// whenever the decoder waits for more of the stream, so that everything
// decoded is playable before Play blocks on the network.
type liveFeed struct {
	s       *LiveSource
	sess    *liveSession
	d       *liveDecoder
	buf     [][]float32 // the chunk being decoded
	view    [][]float32 // the part of buf to push
	start   int64       // d.pos when the chunk started
	flushed int         // samples of buf already pushed
}

func newLiveFeed(s *LiveSource, sess *liveSession, d *liveDecoder, channels int) *liveFeed {
	fd := &liveFeed{s: s, sess: sess, d: d, buf: make([][]float32, channels), view: make([][]float32, channels)}
	for c := range fd.buf {
		fd.buf[c] = make([]float32, liveChunk)
	}
	return fd
}

// flush pushes what the decoder delivered into the chunk since the last
// flush. It returns false when the session is over.
func (fd *liveFeed) flush() bool {
	n := int(fd.d.pos - fd.start)
	if n <= fd.flushed {
		return true
	}
	for c := range fd.view {
		fd.view[c] = fd.buf[c][fd.flushed:n]
	}
	k := n - fd.flushed
	fd.flushed = n
	ok := fd.s.push(fd.sess, fd.view, k)
	clear(fd.view)
	return ok
}

// begin starts a session (Play's first step).
func (s *LiveSource) begin(ctx context.Context) (context.Context, *liveSession, *onair.Format, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.closed:
		return nil, nil, nil, fmt.Errorf("decode: live source %q: %w", s.opts.ID, ErrClosed)
	case s.sess != nil:
		return nil, nil, nil, fmt.Errorf("decode: live source %q: %w", s.opts.ID, ErrBusy)
	case !s.awake:
		return nil, nil, nil, fmt.Errorf("decode: live source %q: %w", s.opts.ID, ErrInactive)
	}
	sctx, cancel := context.WithCancelCause(ctx)
	s.sess = &liveSession{cancel: cancel}
	s.notify()
	return sctx, s.sess, s.format, nil
}

// end closes a session: a track mark after its audio, the callbacks and
// the error Play returns.
func (s *LiveSource) end(sctx context.Context, sess *liveSession, in *liveInput, name string, err error) error {
	if sctx.Err() != nil {
		err = context.Cause(sctx)
	} else if in.err != nil && !errors.Is(in.err, io.EOF) {
		err = &PathError{Op: "read", Path: name, Err: in.err}
	}
	s.mu.Lock()
	wasOpen := sess.open
	if s.sess == sess {
		if sess.started {
			s.ring.addMark(s.ring.tail, true)
		}
		s.sess = nil
	}
	sess.open = false
	s.notify()
	s.mu.Unlock()
	sess.cancel(nil)
	s.flushOverrun(sess)
	if wasOpen {
		if err != nil {
			s.log.Warn("live stream disconnected", "source", s.opts.ID, "stream", name, "err", err)
		} else {
			s.log.Info("live stream ended", "source", s.opts.ID, "stream", name)
		}
		if s.opts.OnDisconnect != nil {
			s.opts.OnDisconnect(err)
		}
	}
	return err
}

// push hands n decoded samples to the buffer. It returns false when the
// session is no longer the source's (closed, asleep).
func (s *LiveSource) push(sess *liveSession, buf [][]float32, n int) bool {
	s.mu.Lock()
	if s.sess != sess {
		s.mu.Unlock()
		return false
	}
	r := &s.ring
	if !sess.started {
		sess.started = true
		r.addMark(r.tail, false)
		if len(sess.tags) > 0 {
			r.addMeta(r.tail, sess.tags)
		}
		sess.base = r.tail
	}
	dropped := r.push(buf, n)
	sess.pushed += int64(n)
	k := 0
	for k < len(sess.pending) && sess.pending[k].pos <= sess.pushed {
		s.addMetaLocked(sess.base+sess.pending[k].pos, sess.pending[k].m)
		k++
	}
	if k > 0 {
		clear(sess.pending[:k])
		sess.pending = append(sess.pending[:0], sess.pending[k:]...)
	}
	if dropped > 0 {
		s.stats.Overruns++
		s.dropped += int64(dropped)
	}
	s.notify()
	s.mu.Unlock()
	if dropped > 0 {
		sess.ovCount++
		sess.ovDrop += dropped
		if time.Since(sess.ovLogged) >= time.Second {
			s.flushOverrun(sess)
		}
	}
	return true
}

// flushOverrun logs the overruns not logged yet.
func (s *LiveSource) flushOverrun(sess *liveSession) {
	if sess.ovCount == 0 {
		return
	}
	s.mu.Lock()
	dropped := s.format.Duration(sess.ovDrop)
	s.mu.Unlock()
	s.log.Warn("live stream overrun: dropped the oldest audio", "source", s.opts.ID,
		"dropped", dropped, "overruns", sess.ovCount, "max_buffer", s.opts.MaxBuffer)
	sess.ovLogged = time.Now()
	sess.ovCount, sess.ovDrop = 0, 0
}

// packetMeta runs before each audio packet is decoded: metadata carried
// at byte positions up to the packet's, and metadata updates of the
// demuxer, belong at the audio the packet starts.
func (s *LiveSource) packetMeta(d *liveDecoder, sess *liveSession, bm byteMetaReader, pos, delivered int64) {
	at := d.pos // stream sample position of the packet's audio
	if bm != nil {
		if pos < 0 {
			pos = delivered
		}
		for _, m := range bm.metaUpTo(pos) {
			sess.pending = append(sess.pending, liveMeta{pos: at, m: m})
		}
	}
	if m, ok := d.updatedTags(); ok {
		sess.pending = append(sess.pending, liveMeta{pos: at, m: m})
	}
}
