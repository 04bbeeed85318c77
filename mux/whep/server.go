package whep

import (
	"fmt"
	"log/slog"
	"net/http"
	"path"
	"sort"
	"strings"
	"sync"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/internal/rtc"
)

// Server serves the mounts made with [Server.Mount] to WHEP listeners. It
// is an [http.Handler]: register it for each mount path and the paths below
// it ("/live" and "/live/"), or for "/". Requests for an unknown path get 404.
//
// A Server's methods are safe from any goroutine. Close disconnects every
// listener and waits for their goroutines.
type Server struct {
	opts Options
	log  *slog.Logger
	api  *rtc.API

	mu     sync.Mutex // guards the fields below
	mounts map[string]*Mount
	count  int // listeners of all mounts
	closed bool

	done chan struct{}  // closed by Close
	wg   sync.WaitGroup // listener and pacer goroutines
}

// NewServer returns a server with no mount. opts may be nil. It returns an
// error wrapping [ErrOption] for an option out of range, or the error of
// opening the shared UDP socket of ICE.UDPAddr.
func NewServer(opts *Options) (*Server, error) {
	s := &Server{mounts: map[string]*Mount{}, done: make(chan struct{})}
	if opts != nil {
		s.opts = *opts
	}
	switch {
	case s.opts.MaxListeners < 0:
		return nil, fmt.Errorf("%w: negative MaxListeners", ErrOption)
	case s.opts.ConnectTimeout < 0:
		return nil, fmt.Errorf("%w: negative ConnectTimeout", ErrOption)
	}
	if s.opts.ConnectTimeout == 0 {
		s.opts.ConnectTimeout = DefaultConnectTimeout
	}
	s.log = s.opts.Logger
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	api, err := rtc.NewAPI(s.opts.ICE, false, s.log)
	if err != nil {
		return nil, fmt.Errorf("whep: %w", err)
	}
	s.api = api
	return s, nil
}

// Mount serves src's Opus packet track at path (such as "/live") and
// returns the mount, a graph output to add to src's graph. Listeners POST
// their offers to path; their sessions are path/sessions/ID. It returns an
// error wrapping [ErrMount] for a bad or taken path, or [ErrOption] for an
// option out of range. opts may be nil.
func (s *Server) Mount(p string, src onair.Source, opts *MountOptions) (*Mount, error) {
	if p == "" || p[0] != '/' || path.Clean(p) != p || p == "/" || strings.Contains(p, "/sessions") {
		return nil, fmt.Errorf("%w: %q is not a clean absolute path (and may not contain /sessions)", ErrMount, p)
	}
	m := &Mount{srv: s, path: p, listeners: map[string]*listener{}, pace: make(chan item, paceQueue), paceStop: make(chan struct{})}
	if opts != nil {
		m.opts = *opts
	}
	switch {
	case m.opts.Queue < 0:
		return nil, fmt.Errorf("%w: negative Queue", ErrOption)
	case m.opts.MaxListeners < 0:
		return nil, fmt.Errorf("%w: negative MaxListeners", ErrOption)
	}
	if m.opts.Queue == 0 {
		m.opts.Queue = DefaultQueue
	}
	if m.opts.ID == "" {
		m.opts.ID = "whep:" + p
	}
	m.log = m.opts.Logger
	if m.log == nil {
		m.log = s.log
	}
	m.log = m.log.With("mount", p)
	m.seq, m.ts = randomStart()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, ErrServerClosed
	}
	if s.mounts[p] != nil {
		return nil, fmt.Errorf("%w: %s is already mounted", ErrMount, p)
	}
	m.out = onair.NewOutput(src, m, &onair.OutputOptions{ID: m.opts.ID, Fallible: m.opts.Fallible})
	s.mounts[p] = m
	return m, nil
}

// Mounts returns the server's mounts, sorted by path.
func (s *Server) Mounts() []*Mount {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*Mount, 0, len(s.mounts))
	for _, m := range s.mounts {
		out = append(out, m)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].path < out[j].path })
	return out
}

// Listeners returns the number of listeners of all mounts, connecting or
// connected.
func (s *Server) Listeners() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.count
}

// ServeHTTP answers WHEP requests: POST of an offer on a mount path,
// DELETE and PATCH of a session, OPTIONS (CORS preflight).
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rtc.SetCORS(w.Header())
	if r.Method == http.MethodOptions {
		w.Header().Set("Accept-Post", "application/sdp")
		w.WriteHeader(http.StatusNoContent)
		return
	}
	if mp, id, ok := rtc.SessionPath(r.URL.Path); ok {
		m := s.mount(mp)
		if m == nil {
			http.Error(w, "no such mount", http.StatusNotFound)
			return
		}
		m.session(w, r, id)
		return
	}
	m := s.mount(r.URL.Path)
	if m == nil {
		http.Error(w, "no such mount", http.StatusNotFound)
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST, OPTIONS")
		http.Error(w, "POST an SDP offer to listen", http.StatusMethodNotAllowed)
		return
	}
	m.offer(w, r)
}

func (s *Server) mount(p string) *Mount {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.mounts[p]
}

// admit counts a new listener against the server's limit.
func (s *Server) admit() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.closed:
		return ErrServerClosed
	case s.opts.MaxListeners > 0 && s.count >= s.opts.MaxListeners:
		return fmt.Errorf("the server has its %d listeners", s.opts.MaxListeners)
	}
	s.count++
	return nil
}

func (s *Server) release() {
	s.mu.Lock()
	s.count--
	s.mu.Unlock()
}

// Close disconnects every listener (with [ErrServerClosed]), waits for their
// goroutines and releases the shared UDP socket. Later offers get 503.
// Close is idempotent.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	close(s.done)
	mounts := make([]*Mount, 0, len(s.mounts))
	for _, m := range s.mounts {
		mounts = append(mounts, m)
	}
	s.mu.Unlock()
	for _, m := range mounts {
		m.stopAll(ErrServerClosed)
	}
	s.wg.Wait()
	return s.api.Close()
}
