package decode

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"sync"
	"time"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/fault"
	"github.com/onair-go/onair/internal/avurl"
)

// ErrSRTRejected reports an SRT peer that answered and refused the
// connection: a wrong or missing passphrase, or a refused stream ID.
var ErrSRTRejected = errors.New("decode: srt connection rejected by the peer (wrong passphrase?)")

// SRTOptions configure SRT. A nil *SRTOptions is valid.
type SRTOptions struct {
	// ID names the source. It defaults to "srt".
	ID string
	// Logger receives connections, errors, reconnections, underruns and
	// overruns. It defaults to discarding them.
	Logger *slog.Logger
	// Prebuffer, MaxBuffer and NewTrackOnMetadata are as in [LiveOptions]
	// (defaults 1s, 10s, off).
	Prebuffer, MaxBuffer time.Duration
	NewTrackOnMetadata   bool
	// Format is the demuxer. It defaults to "mpegts", what SRT carries.
	Format string
	// Listener makes the source wait for a peer to connect to its address
	// (and wait again when it leaves) instead of calling the peer.
	Listener bool
	// Latency is SRT's receiver latency. It defaults to 120ms.
	Latency time.Duration
	// Passphrase, when set, is the stream's encryption passphrase (10 to
	// 79 characters); the peer must use the same.
	Passphrase string
	// StreamID is sent to a listening peer (caller mode).
	StreamID string
	// MinDelay is the delay before the first reconnection after the
	// stream ended or failed; each failed attempt in a row doubles it, up
	// to MaxDelay. Delays are randomized by ±25%. They default to 1s and
	// 30s.
	MinDelay, MaxDelay time.Duration
	// Timeout is the watchdog: how long the source waits to connect (as a
	// caller) and then for each piece of data before it drops the
	// connection and reconnects. It defaults to 5s.
	Timeout time.Duration
	// OnConnect and OnDisconnect are as in [HTTPOptions].
	OnConnect    func()
	OnDisconnect func(err error)
}

// SRTSource is a live, fallible source that plays an MPEG-TS stream
// received over SRT (its first audio stream, decoded into the graph
// format), like [HTTPSource] does for HTTP: a helper goroutine, started
// when the source wakes up and stopped when it sleeps, connects (or
// listens), decodes into a bounded buffer, and reconnects with backoff
// after the stream ends, the peer goes silent for Timeout, or a failure;
// the clock only copies from the buffer (see [LiveSource] for readiness,
// prebuffering and tracks: each connection is a track). A first
// connection refused by the peer is logged as an error wrapping
// [ErrSRTRejected] and retried at MaxDelay.
//
// All methods are safe to call from any goroutine.
type SRTSource struct {
	live  *LiveSource
	addr  string
	url   string
	popts map[string]string
	opts  SRTOptions
	log   *slog.Logger

	mu      sync.Mutex // guards following
	cancel  context.CancelFunc
	closed  bool
	running bool
	lastErr error
	wg      sync.WaitGroup
}

// SRT returns a source that plays the SRT stream of addr (host:port): it
// calls the peer there, or with [SRTOptions.Listener] waits for one on
// that address. It returns an error wrapping onair.ErrInvalidOption for
// invalid options and does not connect before the source wakes up.
func SRT(addr string, opts *SRTOptions) (*SRTSource, error) {
	var o SRTOptions
	if opts != nil {
		o = *opts
	}
	if o.ID == "" {
		o.ID = "srt"
	}
	if o.Format == "" {
		o.Format = "mpegts"
	}
	if o.Latency == 0 {
		o.Latency = 120 * time.Millisecond
	}
	if o.MinDelay == 0 {
		o.MinDelay = time.Second
	}
	if o.MaxDelay == 0 {
		o.MaxDelay = max(30*time.Second, o.MinDelay)
	}
	if o.Timeout == 0 {
		o.Timeout = 5 * time.Second
	}
	if _, port, err := net.SplitHostPort(addr); err != nil || port == "" {
		return nil, fmt.Errorf("%w: srt source %q: address %q (want host:port)", onair.ErrInvalidOption, o.ID, addr)
	}
	switch {
	case o.MinDelay < 0 || o.MaxDelay < o.MinDelay:
		return nil, fmt.Errorf("%w: srt source %q: reconnection delays %v to %v", onair.ErrInvalidOption, o.ID, o.MinDelay, o.MaxDelay)
	case o.Timeout < 0 || o.Latency < 0:
		return nil, fmt.Errorf("%w: srt source %q: negative timeout or latency", onair.ErrInvalidOption, o.ID)
	case o.Passphrase != "" && (len(o.Passphrase) < 10 || len(o.Passphrase) > 79):
		return nil, fmt.Errorf("%w: srt source %q: passphrase of %d characters (SRT wants 10 to 79)", onair.ErrInvalidOption, o.ID, len(o.Passphrase))
	}
	mode := "caller"
	if o.Listener {
		mode = "listener"
	}
	s := &SRTSource{addr: addr, opts: o, log: o.Logger}
	s.url, s.popts = avurl.SRT(addr, mode, o.Latency, o.Passphrase, o.StreamID, o.Timeout)
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	var err error
	s.live, err = Live(&LiveOptions{
		ID: o.ID, Logger: s.log, Prebuffer: o.Prebuffer, MaxBuffer: o.MaxBuffer,
		Format: o.Format, NewTrackOnMetadata: o.NewTrackOnMetadata,
		OnConnect: o.OnConnect, OnDisconnect: o.OnDisconnect,
	})
	if err != nil {
		return nil, err
	}
	s.live.onWake, s.live.onSleep = s.start, s.stop
	return s, nil
}

// Node returns the source's graph node.
func (s *SRTSource) Node() *onair.Node { return s.live.node }

// Connected reports whether a stream is playing now.
func (s *SRTSource) Connected() bool { return s.live.Connected() }

// Buffered returns how much decoded audio is buffered.
func (s *SRTSource) Buffered() time.Duration { return s.live.Buffered() }

// Stats returns the source's counters.
func (s *SRTSource) Stats() LiveStats { return s.live.Stats() }

// Err returns the error of the last failed connection attempt or lost
// stream, nil once a stream plays again.
func (s *SRTSource) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lastErr
}

// Close stops the helper goroutine, waits for it and closes the source.
// It is idempotent.
func (s *SRTSource) Close() error {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	s.stop()
	return s.live.Close()
}

func (s *SRTSource) start() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || s.running {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel, s.running = cancel, true
	s.wg.Add(1)
	go s.run(ctx)
}

func (s *SRTSource) stop() {
	s.mu.Lock()
	if s.cancel != nil {
		s.cancel()
		s.cancel = nil
	}
	s.mu.Unlock()
	s.wg.Wait()
	s.mu.Lock()
	s.running = false
	s.mu.Unlock()
}

// run connects, plays, waits and reconnects until ctx ends.
func (s *SRTSource) run(ctx context.Context) {
	defer s.wg.Done()
	failures := 0
	for {
		played, err := s.once(ctx)
		if ctx.Err() != nil {
			return
		}
		if played {
			failures = 0
		}
		delay := backoffDelay(s.opts.MinDelay, s.opts.MaxDelay, failures)
		failures++
		if !played && errors.Is(err, ErrSRTRejected) {
			delay = s.opts.MaxDelay
		}
		s.mu.Lock()
		s.lastErr = err
		s.mu.Unlock()
		attrs := []any{fault.Reconnect.Attr(), fault.KeySource, s.opts.ID, fault.KeyURL, s.url, fault.KeyErr, err, fault.KeyRetryIn, delay}
		switch {
		case errors.Is(err, ErrSRTRejected):
			s.log.Error("srt stream: rejected by the peer", attrs...)
		case played:
			s.log.Warn("srt stream: ended, reconnecting", attrs...)
		default:
			s.log.Error("srt stream: cannot connect", attrs...)
		}
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

// once makes one connection and plays it until it ends.
func (s *SRTSource) once(ctx context.Context) (played bool, err error) {
	conn := avurl.New(s.url)
	defer conn.Close()
	stop := context.AfterFunc(ctx, conn.Interrupt)
	defer stop()
	if err := conn.Open(s.url, false, s.popts); err != nil {
		if avurl.SRTRejected(err, s.opts.Timeout) {
			return false, fmt.Errorf("%w: %s: %w", ErrSRTRejected, s.url, err)
		}
		return false, err
	}
	s.mu.Lock()
	s.lastErr = nil
	s.mu.Unlock()
	s.log.Info("srt stream: connected", "source", s.opts.ID, "url", s.url)
	// The protocol's read timeout is the watchdog: a silent peer ends
	// the read with an error, and Play returns.
	err = s.live.Play(ctx, conn, "video/mp2t")
	return true, err
}

// backoffDelay is MinDelay doubled per failure up to MaxDelay, ±25%.
func backoffDelay(minD, maxD time.Duration, failures int) time.Duration {
	d := minD
	for range min(failures, 62) {
		if d >= maxD/2 {
			d = maxD
			break
		}
		d *= 2
	}
	d = min(d, maxD)
	return time.Duration(float64(d) * (0.75 + rand.Float64()/2))
}
