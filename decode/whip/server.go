package whip

import (
	"fmt"
	"log/slog"
	"net/http"
	"path"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/decode"
	"github.com/onair-go/onair/internal/rtc"
)

// ICE configures how publishers' peer connections reach the server; see
// the fields' docs. The zero ICE offers the host's interface addresses on
// ephemeral UDP ports.
type ICE = rtc.ICE

// Defaults of a server and a mount.
const (
	DefaultConnectTimeout = 15 * time.Second
	DefaultMediaTimeout   = 10 * time.Second
	DefaultPrebuffer      = 250 * time.Millisecond
	DefaultMaxBuffer      = 2 * time.Second
	DefaultJitter         = 60 * time.Millisecond
)

// Options configure a Server. A nil *Options means all defaults.
type Options struct {
	// ICE configures the peer connections.
	ICE ICE
	// Token is the bearer token a publisher must send ("Authorization:
	// Bearer TOKEN"); others get 401. Mounts may set their own. Default:
	// no authentication (only for trusted networks).
	Token string
	// Auth, when set, decides instead of Token whether a request may
	// publish. It is called on the request's goroutine.
	Auth func(r *http.Request) bool
	// ConnectTimeout disconnects a publisher whose peer connection is not
	// connected this long after its offer was answered. It defaults to 15s.
	ConnectTimeout time.Duration
	// MediaTimeout disconnects a connected publisher that sends no audio
	// packet for this long. It defaults to 10s.
	MediaTimeout time.Duration
	// Logger receives the server's logs: publishers connected,
	// disconnected (with the reason) and refused, packet losses, and
	// pion's own lines (attribute "pion": ice, dtls...; its Info lines at
	// Debug). It defaults to discarding them.
	Logger *slog.Logger
}

// MountOptions configure a mount. A nil *MountOptions means all defaults.
type MountOptions struct {
	// ID names the mount's source in the graph. It defaults to "whip"
	// followed by the mount path ("whip/dj").
	ID string
	// Prebuffer is how much decoded audio the source holds before it is
	// ready, after a publisher connects and after an underrun. It
	// defaults to 250ms.
	Prebuffer time.Duration
	// MaxBuffer caps the decoded audio held; past it the oldest audio is
	// dropped (a publisher faster than the clock). It defaults to 2s, or
	// twice Prebuffer when that is larger, and must be larger than
	// Prebuffer.
	MaxBuffer time.Duration
	// Jitter is how long a missing packet is waited for, after a later
	// one arrived, before it counts as lost and is concealed. It defaults
	// to 60ms.
	Jitter time.Duration
	// Token and Auth replace the server's for this mount when set.
	Token string
	Auth  func(r *http.Request) bool
	// OnConnect is called when a publisher's first audio arrives;
	// OnDisconnect when it has gone, with the reason: [ErrDeleted],
	// [ErrConnect], [ErrNoMedia], [ErrKicked], [ErrClosed]. They run on the
	// session's goroutine and must not block for long.
	OnConnect    func(p Publisher)
	OnDisconnect func(p Publisher, err error)
}

// Publisher describes a connected publisher.
type Publisher struct {
	// ID is the session's ID, the last element of its resource URL.
	ID string
	// Mount is the mount's path.
	Mount string
	// RemoteAddr and UserAgent are those of the HTTP request that made
	// the offer.
	RemoteAddr, UserAgent string
	// Since is when the offer was answered.
	Since time.Time
}

// Server accepts WHIP publishers on its mounts. It is an [http.Handler]:
// register it for each mount path and the paths below it ("/dj" and
// "/dj/"), or for "/". Its methods are safe for concurrent use.
type Server struct {
	opts Options
	log  *slog.Logger
	api  *rtc.API

	mu     sync.Mutex // guards the fields below
	mounts map[string]*Mount
	closed bool

	wg sync.WaitGroup // session goroutines
}

// NewServer returns a server with no mount. opts may be nil.
func NewServer(opts *Options) (*Server, error) {
	s := &Server{mounts: map[string]*Mount{}}
	if opts != nil {
		s.opts = *opts
	}
	if s.opts.ConnectTimeout < 0 || s.opts.MediaTimeout < 0 {
		return nil, fmt.Errorf("%w: negative timeout", ErrOption)
	}
	if s.opts.ConnectTimeout == 0 {
		s.opts.ConnectTimeout = DefaultConnectTimeout
	}
	if s.opts.MediaTimeout == 0 {
		s.opts.MediaTimeout = DefaultMediaTimeout
	}
	s.log = s.opts.Logger
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	api, err := rtc.NewAPI(s.opts.ICE, true, s.log)
	if err != nil {
		return nil, fmt.Errorf("whip: %w", err)
	}
	s.api = api
	return s, nil
}

// Mount adds a mount at path ("/dj") whose source plays what its publisher
// sends. The source is fallible: put it in a Fallback (or MkSafe) before an
// output. It returns an error wrapping [ErrMount] for a bad or taken path,
// [ErrOption] for bad buffer sizes, or [ErrClosed]. opts may be nil.
func (s *Server) Mount(p string, opts *MountOptions) (*Mount, error) {
	if p == "" || p[0] != '/' || path.Clean(p) != p || p == "/" || strings.Contains(p, "/sessions") {
		return nil, fmt.Errorf("%w: %q is not a clean absolute path (and may not contain /sessions)", ErrMount, p)
	}
	m := &Mount{srv: s, path: p}
	if opts != nil {
		m.opts = *opts
	}
	o := &m.opts
	if o.Prebuffer < 0 || o.MaxBuffer < 0 || o.Jitter < 0 {
		return nil, fmt.Errorf("%w: negative duration", ErrOption)
	}
	if o.Prebuffer == 0 {
		o.Prebuffer = DefaultPrebuffer
	}
	if o.MaxBuffer == 0 {
		o.MaxBuffer = max(DefaultMaxBuffer, 2*o.Prebuffer)
	}
	if o.Jitter == 0 {
		o.Jitter = DefaultJitter
	}
	if o.ID == "" {
		o.ID = "whip" + p
	}
	m.log = s.log.With("mount", p)
	live, err := decode.Live(&decode.LiveOptions{ID: o.ID, Logger: m.log, Prebuffer: o.Prebuffer,
		MaxBuffer: o.MaxBuffer, Format: "wav"})
	if err != nil {
		return nil, fmt.Errorf("whip: %w", err)
	}
	m.live = live
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		_ = live.Close()
		return nil, ErrClosed
	}
	if s.mounts[p] != nil {
		_ = live.Close()
		return nil, fmt.Errorf("%w: %s is already mounted", ErrMount, p)
	}
	s.mounts[p] = m
	return m, nil
}

// Mounts returns the paths of the server's mounts, sorted.
func (s *Server) Mounts() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, 0, len(s.mounts))
	for p := range s.mounts {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

func (s *Server) mount(p string) *Mount {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.mounts[p]
}

// ServeHTTP answers WHIP requests: POST of an offer on a mount path,
// DELETE and PATCH of a session, OPTIONS (CORS preflight).
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rtc.SetCORS(w.Header())
	if r.Method == http.MethodOptions {
		w.Header().Set("Accept-Post", "application/sdp")
		w.WriteHeader(http.StatusNoContent)
		return
	}
	if mp, id, ok := rtc.SessionPath(r.URL.Path); ok {
		if m := s.mount(mp); m != nil {
			m.session(w, r, id)
			return
		}
	} else if m := s.mount(r.URL.Path); m != nil {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", "POST, OPTIONS")
			http.Error(w, "POST an SDP offer to publish", http.StatusMethodNotAllowed)
			return
		}
		m.offer(w, r)
		return
	}
	s.log.Warn("whip: request refused", "remote", r.RemoteAddr, "path", r.URL.Path, "status", 404)
	http.Error(w, "no such mount", http.StatusNotFound)
}

// Close disconnects every publisher (with [ErrClosed]), waits for their
// sessions to end, closes the mounts' sources and releases the shared UDP
// socket. Close is idempotent.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	mounts := make([]*Mount, 0, len(s.mounts))
	for _, m := range s.mounts {
		mounts = append(mounts, m)
	}
	s.mu.Unlock()
	for _, m := range mounts {
		m.kick(ErrClosed)
	}
	s.wg.Wait()
	for _, m := range mounts {
		_ = m.live.Close()
	}
	return s.api.Close()
}

// Mount is one mount point of a Server: a live graph source fed by at most
// one publisher at a time. Its methods are safe for concurrent use.
type Mount struct {
	srv  *Server
	opts MountOptions
	path string
	log  *slog.Logger
	live *decode.LiveSource

	mu  sync.Mutex // guards cur
	cur *session   // the publisher, from its POST until its session ended
}

// Node returns the mount's graph source.
func (m *Mount) Node() *onair.Node { return m.live.Node() }

// Path returns the mount's path.
func (m *Mount) Path() string { return m.path }

// Stats returns the state and counters of the mount's source.
func (m *Mount) Stats() decode.LiveStats { return m.live.Stats() }

// Publisher returns the current publisher, if any.
func (m *Mount) Publisher() (Publisher, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.cur == nil {
		return Publisher{}, false
	}
	return m.cur.info, true
}

// Disconnect disconnects the publisher, if any, with [ErrKicked]. It may
// publish again.
func (m *Mount) Disconnect() { m.kick(ErrKicked) }

func (m *Mount) kick(err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.cur != nil {
		m.cur.stop(err)
	}
}
