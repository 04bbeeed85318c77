package harbor

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/onair-go/onair"
)

// Options configure a [Harbor]. A nil *Options is not valid: a harbor
// needs a Password or an Auth function.
type Options struct {
	// Addr is the TCP address [Harbor.Run] listens on. It defaults to
	// ":8005", Liquidsoap's harbor port.
	Addr string
	// User and Password are the credentials a source client must send
	// (HTTP Basic auth) to stream to a mount or update its metadata. User
	// defaults to "source", what every Icecast client sends by default.
	// Password is required unless Auth is set.
	User, Password string
	// Auth, when set, decides instead of User and Password whether a
	// client may use a mount. It is called on the connection's goroutine
	// and may be called concurrently.
	Auth AuthFunc
	// HeaderTimeout is how long a client may take to send a request's
	// headers, and how long an idle kept-alive connection stays open
	// (servers run by [Harbor.Serve] and [Harbor.Run]). It defaults to 10s.
	HeaderTimeout time.Duration
	// MaxHeaderBytes caps the size of a request's headers (request line
	// included) for servers run by Serve and Run; net/http adds 4 KiB of
	// slack. Larger headers get 431. It defaults to 8 KiB.
	MaxHeaderBytes int
	// Timeout is how long a connected source may send nothing before it
	// is disconnected (Liquidsoap's timeout). It defaults to 30s.
	Timeout time.Duration
	// Logger receives connections, disconnections and rejected clients.
	// It defaults to discarding them.
	Logger *slog.Logger
}

// Credentials are what a client presented, for an [AuthFunc].
type Credentials struct {
	// User and Password are from the request's Basic authorization; both
	// are empty when it has none.
	User, Password string
	// Mount is the path of the mount the request is for.
	Mount string
	// RemoteAddr is the client's network address, as in
	// [http.Request.RemoteAddr].
	RemoteAddr string
}

// AuthFunc reports whether a client may stream to the mount of c, or
// update its metadata.
type AuthFunc func(c Credentials) bool

// Harbor accepts Icecast source clients (live DJs) on its mounts. It is an
// [http.Handler]: serve it with [Harbor.Run], [Harbor.Serve], or in a
// server of your own (see the package documentation for what that
// server's configuration changes).
//
// Its methods are safe for concurrent use.
type Harbor struct {
	opts Options
	log  *slog.Logger

	mu     sync.Mutex // guards mounts and closed
	mounts map[string]*Mount
	closed bool
	wg     sync.WaitGroup // connections streaming to a mount
}

// New returns a harbor with no mounts; add them with [Harbor.Mount]. It
// returns an error wrapping [onair.ErrInvalidOption] when opts has neither
// Password nor Auth, or a negative duration or size.
func New(opts *Options) (*Harbor, error) {
	if opts == nil {
		return nil, fmt.Errorf("%w: harbor: nil options (a Password or an Auth function is required)", onair.ErrInvalidOption)
	}
	o := *opts
	if o.Password == "" && o.Auth == nil {
		return nil, fmt.Errorf("%w: harbor: a Password or an Auth function is required", onair.ErrInvalidOption)
	}
	if o.HeaderTimeout < 0 || o.Timeout < 0 || o.MaxHeaderBytes < 0 {
		return nil, fmt.Errorf("%w: harbor: negative HeaderTimeout, Timeout or MaxHeaderBytes", onair.ErrInvalidOption)
	}
	if o.Addr == "" {
		o.Addr = ":8005"
	}
	if o.User == "" {
		o.User = "source"
	}
	if o.HeaderTimeout == 0 {
		o.HeaderTimeout = 10 * time.Second
	}
	if o.MaxHeaderBytes == 0 {
		o.MaxHeaderBytes = 8 << 10
	}
	if o.Timeout == 0 {
		o.Timeout = 30 * time.Second
	}
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Harbor{opts: o, log: log, mounts: map[string]*Mount{}}, nil
}

// Mounts returns the paths of the harbor's mounts, sorted.
func (h *Harbor) Mounts() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Sorted(maps.Keys(h.mounts))
}

// lookup returns the mount at path (with or without its leading slash).
func (h *Harbor) lookup(path string) *Mount {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.mounts[normPath(path)]
}

func normPath(p string) string {
	if !strings.HasPrefix(p, "/") {
		p = "/" + p
	}
	return p
}

// addMount registers a mount around sink; node is the graph node of the
// source sink feeds.
func (h *Harbor) addMount(path string, o *MountOptions, sink liveSink, node *onair.Node) (*Mount, error) {
	if path == "" || strings.ContainsAny(path, "?# \t\r\n") {
		return nil, fmt.Errorf("%w: harbor: invalid mount path %q", onair.ErrInvalidOption, path)
	}
	path = normPath(path)
	if path == "/" || path == "/admin" || strings.HasPrefix(path, "/admin/") {
		return nil, fmt.Errorf("%w: harbor: mount path %q is reserved", onair.ErrInvalidOption, path)
	}
	m := &Mount{h: h, path: path, sink: sink, node: node}
	if o != nil {
		m.opts = *o
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil, ErrClosed
	}
	if _, ok := h.mounts[path]; ok {
		return nil, fmt.Errorf("%w: %s", ErrMountExists, path)
	}
	h.mounts[path] = m
	return m, nil
}

// ServeHTTP answers one request: a source client (SOURCE or PUT on a
// mount), a metadata update (/admin/metadata?mode=updinfo), or OPTIONS.
func (h *Harbor) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if wc, ok := r.Context().Value(connKey{}).(*watchedConn); ok {
		wc.requests.Add(1)
	}
	switch {
	case r.Method == http.MethodOptions:
		h.serveOptions(w, r)
	case r.URL.Path == "/admin/metadata" || r.URL.Path == "/admin/metadata.xsl":
		h.serveMetadata(w, r)
	case r.Method == "SOURCE" || r.Method == http.MethodPut:
		h.serveSource(w, r)
	default:
		h.log.Info("harbor: request refused", "method", r.Method, "path", r.URL.Path, "remote", r.RemoteAddr, "status", http.StatusMethodNotAllowed)
		w.Header().Set("Allow", "SOURCE, PUT, OPTIONS")
		http.Error(w, "harbor: this server accepts source clients only (SOURCE or PUT)", http.StatusMethodNotAllowed)
	}
}

// serveOptions answers OPTIONS, which libshout sends first (OPTIONS * with
// Upgrade: TLS/1.0) to ask for RFC 2817 TLS. The harbor speaks plain HTTP:
// it refuses the upgrade with an ordinary answer and closes the
// connection, so that the client goes on without TLS or gives up.
func (h *Harbor) serveOptions(w http.ResponseWriter, r *http.Request) {
	if up := r.Header.Get("Upgrade"); up != "" {
		h.log.Info("harbor: protocol upgrade refused", "upgrade", up, "remote", r.RemoteAddr)
	}
	w.Header().Set("Allow", "SOURCE, PUT, GET, OPTIONS")
	w.Header().Set("Connection", "close")
	w.WriteHeader(http.StatusOK)
}

// Close disconnects every source (their disconnect reason is
// [ErrClosed]), refuses new clients, waits for the connections it served
// to end and closes the mounts' sources (what they buffered still plays).
// It does not close the servers run by Serve (cancel their context).
// Close is idempotent.
func (h *Harbor) Close() error {
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return nil
	}
	h.closed = true
	mounts := make([]*Mount, 0, len(h.mounts))
	for _, m := range h.mounts {
		mounts = append(mounts, m)
	}
	h.mu.Unlock()
	for _, m := range mounts {
		m.stop(ErrClosed)
	}
	h.wg.Wait()
	for _, m := range mounts {
		if m.live != nil {
			_ = m.live.Close()
		}
	}
	return nil
}

// liveSink is what a mount feeds: the decoder of its live source.
type liveSink interface {
	// Play decodes r until it ends, fails or ctx is done.
	Play(ctx context.Context, r io.Reader, contentType string) error
	// InsertMetadata places m at the current decode position.
	InsertMetadata(m onair.Metadata)
}
