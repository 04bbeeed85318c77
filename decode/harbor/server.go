package harbor

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Run listens on [Options.Addr] and serves the harbor until ctx is done
// (see [Harbor.Serve]).
func (h *Harbor) Run(ctx context.Context) error {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", h.opts.Addr)
	if err != nil {
		return err
	}
	return h.Serve(ctx, ln)
}

// Serve serves the harbor on ln until ctx is done, then closes ln, the
// connections that are not streaming, and the harbor itself (every source
// is disconnected, see [Harbor.Close]), and returns ctx's cause. It
// returns earlier with the error of ln's Accept.
//
// The server it runs limits request headers to [Options.MaxHeaderBytes]
// (431 beyond), gives a client [Options.HeaderTimeout] to send them
// (then closes the connection), answers a malformed request with 400 and
// closes, and logs each such client.
func (h *Harbor) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:                      h,
		ReadHeaderTimeout:            h.opts.HeaderTimeout,
		IdleTimeout:                  h.opts.HeaderTimeout,
		MaxHeaderBytes:               h.opts.MaxHeaderBytes,
		DisableGeneralOptionsHandler: true,
		ErrorLog:                     slog.NewLogLogger(h.log.Handler(), slog.LevelWarn),
		ConnContext: func(ctx context.Context, c net.Conn) context.Context {
			return context.WithValue(ctx, connKey{}, c)
		},
		ConnState: h.connState,
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(&watchedListener{Listener: ln}) }()
	select {
	case err := <-errc:
		_ = srv.Close()
		return err
	case <-ctx.Done():
	}
	err := srv.Close()
	<-errc
	h.Close()
	if err != nil && !errors.Is(err, net.ErrClosed) {
		return err
	}
	return context.Cause(ctx)
}

// connKey is the context key under which Serve's server stores the
// connection, so that ServeHTTP can count the requests it saw.
type connKey struct{}

// connState logs, when a connection closes, the clients that never sent
// a request the handler could serve: garbage, oversized headers, or
// nothing before the header timeout.
func (h *Harbor) connState(c net.Conn, st http.ConnState) {
	wc, ok := c.(*watchedConn)
	if !ok || st != http.StateClosed || wc.requests.Load() > 0 {
		return
	}
	args := []any{"remote", wc.RemoteAddr().String(), "bytes", wc.read.Load(), "duration", time.Since(wc.start).Round(time.Millisecond)}
	code := int(wc.status.Load())
	rerr := wc.readErr()
	var ne net.Error
	switch {
	case code == http.StatusRequestHeaderFieldsTooLarge:
		h.log.Warn("harbor: client refused: request headers too large", append(args, "status", code)...)
	case code != 0:
		h.log.Warn("harbor: client refused: malformed request", append(args, "status", code)...)
	case errors.As(rerr, &ne) && ne.Timeout():
		h.log.Warn("harbor: client closed: no complete request before the header timeout", append(args, "timeout", h.opts.HeaderTimeout)...)
	case wc.read.Load() > 0:
		h.log.Warn("harbor: client went away in the middle of its request", args...)
	default:
		h.log.Info("harbor: client connected and left without a request", args...)
	}
}

// watchedListener wraps the connections it accepts in watchedConns.
type watchedListener struct{ net.Listener }

func (l *watchedListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &watchedConn{Conn: c, start: time.Now()}, nil
}

// watchedConn records what a connection did, for the logs of connState:
// bytes read, the first read error, the status of the last response
// net/http wrote, and the number of requests ServeHTTP saw.
type watchedConn struct {
	net.Conn
	start    time.Time
	read     atomic.Int64
	status   atomic.Int32
	requests atomic.Int32

	mu  sync.Mutex // guards err
	err error
}

func (c *watchedConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.read.Add(int64(n))
	if err != nil {
		c.mu.Lock()
		if c.err == nil {
			c.err = err
		}
		c.mu.Unlock()
	}
	return n, err
}

func (c *watchedConn) Write(p []byte) (int, error) {
	// A write that starts a response starts with its status line.
	if len(p) >= 12 && string(p[:7]) == "HTTP/1." && p[8] == ' ' {
		if code, err := strconv.Atoi(string(p[9:12])); err == nil && code >= 200 {
			c.status.Store(int32(code))
		}
	}
	return c.Conn.Write(p)
}

func (c *watchedConn) readErr() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}
