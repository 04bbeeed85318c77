package harbor

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"slices"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

// serveSource handles a source client: SOURCE (Icecast 1 and libshout)
// or PUT (Icecast 2.4+, FFmpeg). After the checks it takes the connection
// over from net/http, answers like Icecast and decodes the stream until
// the client goes, times out, or is disconnected.
func (h *Harbor) serveSource(w http.ResponseWriter, r *http.Request) {
	log := h.log.With("mount", r.URL.Path, "remote", r.RemoteAddr, "method", r.Method)
	m := h.lookup(r.URL.Path)
	if m == nil {
		h.refuse(w, r, log, http.StatusNotFound, "unknown mount")
		return
	}
	user, sent, ok := h.authorize(m, r, m.path)
	if !ok {
		w.Header().Set("WWW-Authenticate", `Basic realm="onair harbor"`)
		if sent {
			h.refuse(w, r, log.With("user", user), http.StatusUnauthorized, "wrong user or password")
		} else {
			// libshout probes without credentials first and expects this.
			h.refuse(w, r, log, http.StatusUnauthorized, "authentication required")
		}
		return
	}
	hdr := r.Header.Clone()
	hdr.Del("Authorization")
	c := &Client{
		Mount: m.path, RemoteAddr: r.RemoteAddr, User: user, Method: r.Method, Proto: r.Proto,
		ContentType: r.Header.Get("Content-Type"), UserAgent: r.UserAgent(), Header: hdr,
	}
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	h.mu.Lock()
	closed := h.closed
	if !closed {
		h.wg.Add(1)
	}
	h.mu.Unlock()
	if closed {
		h.refuse(w, r, log, http.StatusServiceUnavailable, "harbor closed")
		return
	}
	defer h.wg.Done()
	if !m.claim(c, cancel) {
		h.refuse(w, r, log, http.StatusForbidden, "mount in use")
		return
	}
	ok, reason := h.stream(ctx, w, r, m, c, log)
	m.release()
	if ok && m.opts.OnDisconnect != nil {
		m.opts.OnDisconnect(*c, reason)
	}
}

// stream takes the connection of a source client over and decodes its
// stream. The client is answered (and accepted: logged, OnConnect) when
// the decoder first reads, so that a decoder that refuses to start (its
// graph is not running) is reported to the client as an HTTP error. It
// reports whether the client was accepted, and the disconnect reason.
func (h *Harbor) stream(ctx context.Context, w http.ResponseWriter, r *http.Request, m *Mount, c *Client, log *slog.Logger) (accepted bool, reason error) {
	conn, brw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		log.Error("harbor: cannot take the connection over (source clients need HTTP/1.x)", "err", err)
		http.Error(w, "harbor: source clients need HTTP/1.x", http.StatusHTTPVersionNotSupported)
		return false, err
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()

	// Answer like Icecast: 100 Continue to a client that waits for it
	// (FFmpeg's PUT), else 200 (the client streams right away).
	status := okStatus
	if strings.EqualFold(r.Header.Get("Expect"), "100-continue") {
		status = continueStatus
	}
	body := &streamReader{conn: conn, r: bodyReader(r, brw.Reader), timeout: h.opts.Timeout, status: status}
	body.accept = func() {
		c.Since = time.Now() // before accept publishes c
		m.accept()
		log.Info("harbor: source connected", "user", c.User, "content_type", c.ContentType, "user_agent", c.UserAgent, "proto", r.Proto)
		if m.opts.OnConnect != nil {
			m.opts.OnConnect(*c)
		}
	}
	playErr := m.sink.Play(ctx, body, c.ContentType)
	if !body.accepted.Load() {
		if playErr == nil {
			playErr = errors.New("the decoder did not read the stream")
		}
		log.Warn("harbor: source refused", "status", http.StatusServiceUnavailable, "reason", playErr)
		msg := "harbor: mount " + m.path + " cannot play now: " + playErr.Error() + "\n"
		_ = conn.SetWriteDeadline(time.Now().Add(h.opts.Timeout))
		fmt.Fprintf(conn, "HTTP/1.0 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s", len(msg), msg)
		return false, playErr
	}
	reason = disconnectReason(ctx, body, playErr, h.opts.Timeout)
	if reason == nil && body.status != okStatus {
		// A client that sent Expect: 100-continue and a body of known
		// length (curl) waits for the final answer when it is done.
		_ = conn.SetWriteDeadline(time.Now().Add(h.opts.Timeout))
		_, _ = io.WriteString(conn, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
	}
	args := []any{"duration", time.Since(c.Since).Round(time.Millisecond), "bytes", body.n.Load()}
	if reason != nil {
		log.Warn("harbor: source disconnected", append(args, "reason", reason)...)
	} else {
		log.Info("harbor: source disconnected", append(args, "reason", "end of stream")...)
	}
	return true, reason
}

// Icecast's answers to a source client.
const (
	okStatus       = "HTTP/1.0 200 OK\r\n\r\n"
	continueStatus = "HTTP/1.1 100 Continue\r\n\r\n"
)

// refuse answers a request that is not served. A source request whose
// body is not framed (SOURCE, FFmpeg's PUT) may be followed by stream
// bytes, so its connection is closed after the answer; a framed one
// (libshout's probe has Content-Length: 0) may be kept alive.
func (h *Harbor) refuse(w http.ResponseWriter, r *http.Request, log *slog.Logger, code int, why string) {
	lvl := slog.LevelWarn
	if code == http.StatusUnauthorized && r.Header.Get("Authorization") == "" {
		lvl = slog.LevelInfo
	}
	log.Log(r.Context(), lvl, "harbor: source refused", "status", code, "reason", why, "user_agent", r.UserAgent())
	if _, framed := r.Header["Content-Length"]; !framed && !slices.Contains(r.TransferEncoding, "chunked") {
		w.Header().Set("Connection", "close")
	}
	http.Error(w, "harbor: "+why, code)
}

// bodyReader returns the stream of a source request, read from br (the
// connection's buffered reader): chunked, bounded by a positive
// Content-Length, or (SOURCE, FFmpeg's PUT) everything until the client
// closes. A Content-Length of 0 is ignored, as Icecast does.
func bodyReader(r *http.Request, br *bufio.Reader) io.Reader {
	switch {
	case slices.Contains(r.TransferEncoding, "chunked"):
		return httputil.NewChunkedReader(br)
	case r.ContentLength > 0:
		return io.LimitReader(br, r.ContentLength)
	}
	return br
}

// streamReader reads a source's stream for the decoder. Its first Read
// answers the client (status) and accepts it; every Read renews the read
// deadline, so that a source that sends nothing for timeout is cut. It
// records the first read error. Read is called by the decoder, on the
// connection's goroutine.
type streamReader struct {
	conn     net.Conn
	r        io.Reader
	timeout  time.Duration
	status   string
	accept   func()
	accepted atomic.Bool
	n        atomic.Int64
	err      atomic.Pointer[error]
}

func (s *streamReader) Read(p []byte) (int, error) {
	if !s.accepted.Load() {
		s.accepted.Store(true)
		_ = s.conn.SetWriteDeadline(time.Now().Add(s.timeout))
		if _, err := io.WriteString(s.conn, s.status); err != nil {
			s.err.CompareAndSwap(nil, &err)
			return 0, err
		}
		_ = s.conn.SetWriteDeadline(time.Time{})
		s.accept()
	}
	_ = s.conn.SetReadDeadline(time.Now().Add(s.timeout))
	n, err := s.r.Read(p)
	s.n.Add(int64(n))
	if err != nil {
		s.err.CompareAndSwap(nil, &err)
	}
	return n, err
}

// disconnectReason says why a stream ended: nil for a clean end (the
// client closed its stream), the context's cause (kicked, harbor closed),
// ErrTimeout, the network error, or the decoder's error.
func disconnectReason(ctx context.Context, body *streamReader, playErr error, timeout time.Duration) error {
	if cause := context.Cause(ctx); cause != nil {
		return cause
	}
	if p := body.err.Load(); p != nil {
		err := *p
		var ne net.Error
		switch {
		case errors.Is(err, io.EOF):
			return nil
		case errors.As(err, &ne) && ne.Timeout():
			return fmt.Errorf("%w: no data for %v", ErrTimeout, timeout)
		case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, syscall.ECONNRESET):
			// The client went away: in the middle of a chunk, or closing
			// its socket with our answer unread (FFmpeg's SOURCE).
			return nil
		}
		return err
	}
	if playErr != nil && !errors.Is(playErr, io.EOF) {
		return playErr
	}
	return nil
}
