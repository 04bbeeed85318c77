package listen

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/onair-go/onair/fault"
)

// ListenerInfo describes a listener.
type ListenerInfo struct {
	// ID is unique among the server's listeners.
	ID uint64
	// Mount is the path of the mount listened to.
	Mount string
	// RemoteAddr is the client's address (host:port) and UserAgent its
	// User-Agent header.
	RemoteAddr, UserAgent string
	// ICY is set when the listener gets ICY metadata blocks.
	ICY bool
	// Connected is when the listener was admitted.
	Connected time.Time
	// Sent is the number of bytes sent to the listener, ICY metadata and
	// Ogg header pages included.
	Sent int64
	// Position is the stream offset up to which the stream was sent to
	// the listener (-1 before it started), and Lead the stream bytes it
	// got at once when it started (its burst): the stream offset it plays
	// now is Position - Lead (see [Mount.Heard]).
	Position, Lead int64
	// Title is the title the listener hears now, the title in force at
	// Position - Lead. It is set by [Mount.Listeners] only.
	Title string
}

// chunkSize is the most stream bytes a listener sends in one write.
const chunkSize = 16 << 10

// listener is one client receiving a mount.
type listener struct {
	info ListenerInfo
	// pos is the stream offset up to which bytes were handed to the
	// network: the reaper's measure of the listener's lag. It is -1 until
	// the listener starts.
	pos  atomic.Int64
	sent atomic.Int64
	lead atomic.Int64 // stream bytes of the burst, set at the start
	// target is the stream offset the listener starts at or after (the
	// burst measured back from the live edge when it was admitted, not
	// when its goroutine first ran: on a loaded machine that can be many
	// frames later, and a live-edge listener would then miss them).
	target int64

	conn     net.Conn // the hijacked connection, or nil (HTTP/2)
	stop     chan struct{}
	dropOnce sync.Once
	reason   error // set once, before stop is closed
}

func (l *listener) snapshot() ListenerInfo {
	i := l.info
	i.Sent = l.sent.Load()
	i.Position, i.Lead = l.pos.Load(), l.lead.Load()
	return i
}

// drop disconnects the listener for err: its connection is closed, which
// ends a write stuck on a client that stopped reading. Safe from any
// goroutine; only the first call counts.
func (l *listener) drop(err error) {
	l.dropOnce.Do(func() {
		l.reason = err
		close(l.stop)
		if l.conn != nil {
			l.conn.Close()
		}
	})
}

func lagError(lag int64, limit int) error {
	return fmt.Errorf("%w: %d bytes behind the live edge (MaxLag %d)", ErrSlowListener, lag, limit)
}

// serve answers one request for the mount.
func (m *Mount) serve(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet, http.MethodHead:
	case http.MethodOptions:
		m.setHeaders(w.Header(), false)
		w.Header().Set("Allow", "GET, HEAD, OPTIONS")
		w.Header().Set("Access-Control-Allow-Methods", "GET, HEAD, OPTIONS")
		w.Header().Set("Access-Control-Allow-Headers", "Icy-MetaData, Range")
		w.WriteHeader(http.StatusNoContent)
		return
	default:
		w.Header().Set("Allow", "GET, HEAD, OPTIONS")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if m.ring.isEnded() {
		// As Icecast answers for a mount without a source; the mount's
		// output was closed and cannot start again.
		http.Error(w, "mount ended", http.StatusNotFound)
		return
	}
	if !m.authorized(r) {
		w.Header().Set("WWW-Authenticate", `Basic realm="onair"`)
		http.Error(w, "authentication required", http.StatusUnauthorized)
		return
	}
	// Range is ignored: a live stream has no earlier bytes to seek to, and
	// players that send "Range: bytes=0-" (VLC, browsers) take the 200.
	icy := m.cfg.icy && r.Header.Get("Icy-MetaData") == "1"
	if r.Method == http.MethodHead {
		m.setHeaders(w.Header(), icy)
		w.WriteHeader(http.StatusOK)
		return
	}
	l := &listener{stop: make(chan struct{}), info: ListenerInfo{
		ID: m.srv.nextID.Add(1), Mount: m.path, RemoteAddr: r.RemoteAddr,
		UserAgent: r.UserAgent(), ICY: icy, Connected: time.Now(),
	}}
	l.pos.Store(-1)
	rc := http.NewResponseController(w)
	conn, _, err := rc.Hijack()
	switch {
	case err == nil:
		l.conn = conn
		_ = conn.SetDeadline(time.Time{})
		if sb, ok := conn.(interface{ SetWriteBuffer(int) error }); ok && m.cfg.SendBuffer > 0 {
			_ = sb.SetWriteBuffer(m.cfg.SendBuffer)
		}
	case errors.Is(err, http.ErrNotSupported):
		// HTTP/2, or a wrapper without Hijack: stream through w.
	default:
		m.log.Warn("hijack failed", "mount", m.path, "remote", r.RemoteAddr, "err", err)
		return
	}
	l.target = m.ring.written.Load() - int64(m.cfg.BurstSize)
	if code, msg := m.srv.admit(m, l); code != 0 {
		m.refuse(w, l.conn, code, msg)
		return
	}
	if l.conn == nil {
		// HTTP/2: the stream must be written from the handler.
		m.setHeaders(w.Header(), icy)
		m.run(l, &responseSink{w: w, rc: rc, timeout: m.cfg.Timeout}, nil)
		return
	}
	// Return from the handler, so that net/http releases the request and
	// its buffers: a listener holds only its goroutine and connection.
	chunked := r.ProtoAtLeast(1, 1) && !m.cfg.HTTP10
	go m.run(l, &connSink{conn: l.conn, timeout: m.cfg.Timeout, chunked: chunked}, m.responseHead(icy, chunked))
}

// run sends the stream to an admitted listener until it is dropped, goes
// away or the stream ends, then reports and unregisters it.
func (m *Mount) run(l *listener, out sink, head []byte) {
	defer m.srv.leave(m, l)
	if m.cfg.OnConnect != nil {
		m.cfg.OnConnect(l.snapshot())
	}
	m.log.Info("listener connected", "mount", m.path, "id", l.info.ID, "remote", l.info.RemoteAddr, "agent", l.info.UserAgent, "icy", l.info.ICY)
	err := out.start(head)
	if err == nil {
		err = m.stream(l, out)
	}
	if err == io.EOF {
		// The mount's stream ended and every byte of it was sent: end the
		// response in order (last chunk, then the connection's end).
		out.finish()
	}
	l.drop(err) // close the connection; keeps an earlier reason
	err = l.reason
	if errors.Is(err, ErrSlowListener) {
		m.dropped.Add(1)
		m.log.Warn("listener dropped", fault.ListenerDropped.Attr(), fault.KeyMount, m.path, "id", l.info.ID,
			fault.KeyRemote, l.info.RemoteAddr, "sent", l.sent.Load(), fault.KeyErr, err)
	} else {
		m.log.Info("listener disconnected", fault.KeyMount, m.path, "id", l.info.ID, fault.KeyRemote, l.info.RemoteAddr, "sent", l.sent.Load(), "reason", err)
	}
	if m.cfg.OnDisconnect != nil {
		m.cfg.OnDisconnect(l.snapshot(), err)
	}
}

// refuse answers 503 (limit reached, server closed) or 404 (mount ended)
// on the hijacked connection or through w.
func (m *Mount) refuse(w http.ResponseWriter, conn net.Conn, code int, msg string) {
	if conn == nil {
		http.Error(w, msg, code)
		return
	}
	_ = conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
	fmt.Fprintf(conn, "HTTP/1.0 %d %s\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s\n",
		code, http.StatusText(code), len(msg)+1, msg)
	conn.Close()
}

func (m *Mount) authorized(r *http.Request) bool {
	if m.cfg.Auth != nil {
		return m.cfg.Auth(r)
	}
	if m.cfg.Password == "" {
		return true
	}
	user, pass, ok := r.BasicAuth()
	if !ok {
		return false
	}
	userOK := m.cfg.User == "" || subtle.ConstantTimeCompare([]byte(user), []byte(m.cfg.User)) == 1
	return subtle.ConstantTimeCompare([]byte(pass), []byte(m.cfg.Password)) == 1 && userOK
}

// headers returns the response headers of the mount, in a fixed order.
func (m *Mount) headers(icy bool) [][2]string {
	c := &m.cfg
	h := [][2]string{
		{"Content-Type", c.ContentType},
		{"Cache-Control", "no-cache, no-store"},
		{"Pragma", "no-cache"},
		{"Expires", "Mon, 26 Jul 1997 05:00:00 GMT"},
		{"Server", "onair"},
	}
	for _, kv := range [][2]string{{"icy-name", c.Name}, {"icy-description", c.Description}, {"icy-genre", c.Genre}, {"icy-url", c.URL}} {
		if kv[1] != "" {
			h = append(h, [2]string{kv[0], oneLine(kv[1])})
		}
	}
	if c.BitRate > 0 {
		h = append(h, [2]string{"icy-br", strconv.Itoa(c.BitRate)})
	}
	h = append(h, [2]string{"icy-pub", map[bool]string{true: "1", false: "0"}[c.Public]})
	if icy {
		h = append(h, [2]string{"icy-metaint", strconv.Itoa(c.MetaInterval)})
	}
	if _, ok := c.Headers["Access-Control-Allow-Origin"]; ok {
		h = append(h, [2]string{"Access-Control-Expose-Headers", "icy-metaint, icy-name, icy-description, icy-genre, icy-url, icy-br, icy-pub"})
	}
	for _, k := range slices.Sorted(maps.Keys(c.Headers)) {
		h = append(h, [2]string{k, c.Headers[k]})
	}
	return h
}

func (m *Mount) setHeaders(h http.Header, icy bool) {
	for _, kv := range m.headers(icy) {
		h[kv[0]] = []string{kv[1]} // keep icy-* in lower case, as Icecast
	}
}

// responseHead is the status line and headers written on a hijacked
// connection: HTTP/1.0, no chunking, the body runs until the connection
// closes, as Icecast answers; or, when chunked, HTTP/1.1 with a chunked
// body whose last chunk marks the end of the stream.
func (m *Mount) responseHead(icy, chunked bool) []byte {
	var b strings.Builder
	if chunked {
		b.WriteString("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n")
	} else {
		b.WriteString("HTTP/1.0 200 OK\r\n")
	}
	for _, kv := range m.headers(icy) {
		b.WriteString(kv[0] + ": " + kv[1] + "\r\n")
	}
	b.WriteString("Connection: close\r\n\r\n")
	return []byte(b.String())
}

func oneLine(s string) string { return strings.NewReplacer("\r", " ", "\n", " ").Replace(s) }
