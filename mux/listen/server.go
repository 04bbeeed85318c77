package listen

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/mux"
)

// Server serves the mounts made with [Server.Mount] to listeners over
// HTTP, as Icecast does: it is an [http.Handler] (mount it in any
// http.ServeMux or http.Server) and, with [Server.Run], a server of its
// own. Requests for an unknown path get 404.
//
// A Server's methods are safe from any goroutine. Close disconnects every
// listener and waits for their goroutines.
type Server struct {
	opts Options
	log  *slog.Logger

	mu     sync.Mutex // guards the fields below and every mount's listeners
	mounts map[string]*Mount
	https  []*http.Server
	closed bool
	count  int // listeners of all mounts

	done   chan struct{} // closed by Close
	kickc  chan struct{} // wakes the reaper
	reaper bool          // the reaper goroutine was started
	wg     sync.WaitGroup
	nextID atomic.Uint64
	bufs   sync.Pool // *[]byte send buffers of sendBufSize
}

// sendBufSize is a listener's send buffer: a chunk of stream and one ICY
// metadata block.
const sendBufSize = chunkSize + 1 + 255*16

// NewServer returns a server with no mount. opts may be nil.
func NewServer(opts *Options) (*Server, error) {
	s := &Server{mounts: map[string]*Mount{}, done: make(chan struct{}), kickc: make(chan struct{}, 1)}
	s.bufs.New = func() any { b := make([]byte, 0, sendBufSize); return &b }
	if opts != nil {
		s.opts = *opts
	}
	if s.opts.Addr == "" {
		s.opts.Addr = ":8000"
	}
	if s.opts.ReadHeaderTimeout == 0 {
		s.opts.ReadHeaderTimeout = 10 * time.Second
	}
	if s.opts.DrainTimeout == 0 {
		s.opts.DrainTimeout = 5 * time.Second
	}
	switch {
	case s.opts.MaxListeners < 0:
		return nil, fmt.Errorf("%w: negative MaxListeners", ErrOption)
	case s.opts.ReadHeaderTimeout < 0:
		return nil, fmt.Errorf("%w: negative ReadHeaderTimeout", ErrOption)
	}
	s.log = s.opts.Logger
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	return s, nil
}

// Mount serves src's encoded track at path (such as "/radio.mp3") and
// returns the mount, a graph output to add to src's graph. The muxer
// starts the container when the first packet arrives; listeners that come
// earlier wait for it. It returns an error wrapping [ErrMount] for a bad
// or taken path, [ErrOption] for an option out of range, [mux.ErrFormat]
// for a format that cannot be served, or [mux.ErrTrack]. opts may be nil.
func (s *Server) Mount(path string, src onair.Source, opts *MountOptions) (*Mount, error) {
	if src == nil {
		return nil, fmt.Errorf("%w: %s: nil source", ErrMount, path)
	}
	cfg, err := resolveMount(path, opts, s.log)
	if err != nil {
		return nil, err
	}
	m := &Mount{
		srv: s, path: path, cfg: cfg, log: cfg.Logger,
		ring:      newRing(cfg.MaxLag),
		fr:        newFramer(cfg.Format),
		listeners: map[*listener]struct{}{},
	}
	mo := &mux.Options{ID: cfg.ID, Fallible: cfg.Fallible, OnMetadata: m.onMetadata, OnEnd: m.onEnd, Logger: cfg.Logger}
	if cfg.Track != "" {
		mo.Tracks = mux.Only(cfg.Track)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.mounts[path]; ok {
		return nil, fmt.Errorf("%w: %s is already mounted", ErrMount, path)
	}
	if m.out, err = mux.Writer(src, (*mountWriter)(m), cfg.Format, mo); err != nil {
		return nil, fmt.Errorf("listen: mount %s: %w", path, err)
	}
	s.mounts[path] = m
	return m, nil
}

// Mounts returns the server's mounts, sorted by path.
func (s *Server) Mounts() []*Mount {
	s.mu.Lock()
	defer s.mu.Unlock()
	l := make([]*Mount, 0, len(s.mounts))
	for _, m := range s.mounts {
		l = append(l, m)
	}
	sort.Slice(l, func(i, j int) bool { return l[i].path < l[j].path })
	return l
}

// Listeners returns the number of listeners of all mounts.
func (s *Server) Listeners() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.count
}

// ServeHTTP serves the mount at r.URL.Path: GET streams it, HEAD answers
// its headers, OPTIONS its CORS headers, other methods get 405, unknown
// paths and ended mounts 404.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	m := s.mounts[r.URL.Path]
	s.mu.Unlock()
	if m == nil {
		http.NotFound(w, r)
		return
	}
	m.serve(w, r)
}

// Run listens on [Options.Addr] and serves until ctx is done or Close is
// called; it then closes the server. It returns the cause of ctx's
// cancellation, [ErrServerClosed] after Close, or the listening error.
func (s *Server) Run(ctx context.Context) error {
	ln, err := net.Listen("tcp", s.opts.Addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	return s.Serve(ctx, ln)
}

// Serve is Run on a listener of the caller's (such as one on 127.0.0.1:0
// in tests). It closes ln.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	hs := &http.Server{
		Handler:           s,
		ReadHeaderTimeout: s.opts.ReadHeaderTimeout,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		ln.Close()
		return ErrServerClosed
	}
	s.https = append(s.https, hs)
	s.mu.Unlock()
	s.log.Info("listening", "addr", ln.Addr().String())
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		if errors.Is(err, http.ErrServerClosed) {
			return ErrServerClosed
		}
		return errors.Join(fmt.Errorf("listen: %w", err), s.Close())
	case <-ctx.Done():
		err := s.Close()
		<-errc
		return errors.Join(context.Cause(ctx), err)
	}
}

// Close disconnects every listener (with [ErrServerClosed]), stops the
// servers of Run and Serve, and waits for the listeners' goroutines. The
// listeners of a mount whose stream ended first get the rest of it, for
// at most [Options.DrainTimeout], so that a station that closes its
// graph then its server ends its streams cleanly. Later requests get
// 503. Close is idempotent; it returns the errors of closing the
// servers.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	close(s.done)
	drain := s.dropListeners(s.opts.DrainTimeout > 0)
	https := s.https
	s.https = nil
	s.mu.Unlock()
	var errs []error
	for _, hs := range https {
		if err := hs.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	left := make(chan struct{})
	go func() {
		s.wg.Wait()
		close(left)
	}()
	if drain {
		t := time.NewTimer(s.opts.DrainTimeout)
		select {
		case <-left:
		case <-t.C:
			s.mu.Lock()
			s.dropListeners(false)
			s.mu.Unlock()
		}
		t.Stop()
	}
	<-left
	return errors.Join(errs...)
}

// dropListeners disconnects the listeners with ErrServerClosed, except,
// when drain is set, those of ended mounts, and reports whether it left
// any. Called with mu held.
func (s *Server) dropListeners(drain bool) (left bool) {
	for _, m := range s.mounts {
		ended := drain && m.ring.isEnded()
		for l := range m.listeners {
			if ended {
				left = true
				continue
			}
			l.drop(ErrServerClosed)
		}
	}
	return left
}

// kick wakes the reaper after new bytes. Called on the clock goroutine;
// never blocks.
func (s *Server) kick() {
	select {
	case s.kickc <- struct{}{}:
	default:
	}
}

// reap runs until Close, disconnecting the listeners that fell too far
// behind each time a mount with listeners gets new bytes. It runs on its
// own goroutine so that neither the clock nor the other listeners wait
// for a stuck one: closing the connection ends the stuck write.
func (s *Server) reap() {
	defer s.wg.Done()
	for {
		select {
		case <-s.done:
			return
		case <-s.kickc:
		}
		s.mu.Lock()
		for _, m := range s.mounts {
			m.reap()
		}
		s.mu.Unlock()
	}
}

// admit registers l as a listener of m unless a limit is reached, the
// server is closed or the mount's stream ended.
func (s *Server) admit(m *Mount, l *listener) (status int, msg string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.closed:
		return http.StatusServiceUnavailable, "server closed"
	case m.ring.isEnded():
		return http.StatusNotFound, "mount ended"
	case s.opts.MaxListeners > 0 && s.count >= s.opts.MaxListeners:
		return http.StatusServiceUnavailable, "server listener limit reached"
	case m.cfg.MaxListeners > 0 && len(m.listeners) >= m.cfg.MaxListeners:
		return http.StatusServiceUnavailable, "mount listener limit reached"
	}
	if !s.reaper {
		s.reaper = true
		s.wg.Add(1)
		go s.reap()
	}
	s.wg.Add(1)
	s.count++
	m.listeners[l] = struct{}{}
	m.peak = max(m.peak, len(m.listeners))
	m.active.Add(1)
	m.connections.Add(1)
	return 0, ""
}

// leave unregisters l.
func (s *Server) leave(m *Mount, l *listener) {
	s.mu.Lock()
	delete(m.listeners, l)
	s.count--
	m.active.Add(-1)
	s.mu.Unlock()
	s.wg.Done()
}
