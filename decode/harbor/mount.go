package harbor

import (
	"context"
	"crypto/subtle"
	"maps"
	"net/http"
	"sync"
	"time"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/decode"
)

// MountOptions configure a mount ([Harbor.Mount]). A nil *MountOptions is
// valid.
type MountOptions struct {
	// ID names the mount's source in the graph. It defaults to "harbor"
	// followed by the mount path ("harbor/live").
	ID string
	// Prebuffer is how much decoded audio the source holds before it is
	// ready, after a client connects. It defaults to 1s (Liquidsoap's 12s
	// is meant for crossfades; set it as long as the longest transition
	// the source feeds).
	Prebuffer time.Duration
	// MaxBuffer caps the decoded audio held; past it the oldest audio is
	// dropped and the overrun logged. It defaults to 10s, or twice
	// Prebuffer when that is larger, and must be larger than Prebuffer.
	MaxBuffer time.Duration
	// User, Password and Auth replace the harbor's credentials for this
	// mount when Password or Auth is set (User defaults to "source").
	User, Password string
	Auth           AuthFunc
	// OnConnect is called when a source client has been accepted, before
	// its stream is decoded; OnDisconnect when it has gone, with the
	// reason: nil when the client ended its stream, [ErrTimeout],
	// [ErrKicked], [ErrClosed], a network error, or the decoder's error.
	// Both run on the connection's goroutine; a slow OnConnect delays the
	// stream (the client's data waits in the network buffers).
	OnConnect    func(c Client)
	OnDisconnect func(c Client, err error)
}

// Client describes a connected source client.
type Client struct {
	// Mount is the mount's path.
	Mount string
	// RemoteAddr is the client's network address.
	RemoteAddr string
	// User is the user name the client authenticated with.
	User string
	// Method is SOURCE or PUT; Proto the HTTP version of the request.
	Method, Proto string
	// ContentType is the stream's announced type (audio/mpeg,
	// application/ogg, ...). Some clients announce the wrong one (VLC
	// sends application/ogg for MP3); the decoder probes the stream.
	ContentType string
	// UserAgent is the client's User-Agent header.
	UserAgent string
	// Header holds the request's headers (Ice-Name, Ice-Description,
	// ice-audio-info, ...), Authorization removed.
	Header http.Header
	// Since is when the client was accepted.
	Since time.Time
}

// Mount is one mount point of a [Harbor]: a live graph source fed by at
// most one source client at a time. It is fallible: ready while a client
// streams and the prebuffer is full. A disconnect ends the current track
// (a track mark), so that a Fallback above it moves on at a track
// boundary.
//
// Its methods are safe for concurrent use.
type Mount struct {
	h    *Harbor
	path string
	opts MountOptions
	sink liveSink
	node *onair.Node
	live *decode.LiveSource // nil in tests with a fake sink

	mu       sync.Mutex // guards following
	client   *Client    // the client being served, accepted or not
	accepted bool       // the client was answered and streams
	cancel   context.CancelCauseFunc
	lastMeta onair.Metadata // the client's last metadata update
	early    onair.Metadata // an update that came before the stream did
}

// Node returns the mount's graph source.
func (m *Mount) Node() *onair.Node { return m.node }

// Path returns the mount's path ("/live").
func (m *Mount) Path() string { return m.path }

// Client returns the connected client, if any.
func (m *Mount) Client() (Client, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.client == nil || !m.accepted {
		return Client{}, false
	}
	return *m.client, true
}

// Connected reports whether a source client is streaming to the mount.
func (m *Mount) Connected() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.client != nil && m.accepted
}

// Buffered returns how much decoded audio the mount's source holds.
func (m *Mount) Buffered() time.Duration {
	if m.live == nil {
		return 0
	}
	return m.live.Buffered()
}

// Disconnect disconnects the connected client, if any; its disconnect
// reason is [ErrKicked]. The client may connect again.
func (m *Mount) Disconnect() { m.stop(ErrKicked) }

func (m *Mount) stop(cause error) {
	m.mu.Lock()
	cancel := m.cancel
	m.mu.Unlock()
	if cancel != nil {
		cancel(cause)
	}
}

// claim makes c the mount's client; it reports false when the mount is in
// use.
func (m *Mount) claim(c *Client, cancel context.CancelCauseFunc) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.client != nil {
		return false
	}
	m.client, m.cancel = c, cancel
	return true
}

// accept marks the claimed client as streaming.
func (m *Mount) accept() {
	m.mu.Lock()
	m.accepted, m.lastMeta = true, nil
	early := m.early
	m.early = nil
	m.mu.Unlock()
	if early != nil && m.newMetadata(early) {
		m.sink.InsertMetadata(early)
	}
}

// holdEarly keeps md for the source client that is connecting (its
// request is in, its stream not accepted yet) and reports whether there
// is one: source clients such as Liquidsoap send their first metadata
// update on a second connection at the same time as the stream, and it
// can arrive first. The update is applied when the stream starts.
func (m *Mount) holdEarly(md onair.Metadata) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.client == nil || m.accepted {
		return false
	}
	m.early = md
	return true
}

func (m *Mount) release() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.client, m.cancel, m.accepted, m.early = nil, nil, false, nil
}

// newMetadata reports whether md differs from the client's last update,
// and remembers it (some clients, GStreamer's shout2send, repeat the
// same title many times).
func (m *Mount) newMetadata(md onair.Metadata) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if maps.Equal(md, m.lastMeta) {
		return false
	}
	m.lastMeta = md
	return true
}

// authorize checks the request's credentials against the mount's (or,
// with m nil, the harbor's). It returns the user name and whether the
// request carried credentials at all.
func (h *Harbor) authorize(m *Mount, r *http.Request, mount string) (user string, sent, ok bool) {
	user, pass, sent := r.BasicAuth()
	wantUser, wantPass, auth := h.opts.User, h.opts.Password, h.opts.Auth
	if m != nil && (m.opts.Password != "" || m.opts.Auth != nil) {
		wantUser, wantPass, auth = m.opts.User, m.opts.Password, m.opts.Auth
		if wantUser == "" {
			wantUser = "source"
		}
	}
	if !sent {
		return "", false, false
	}
	if auth != nil {
		return user, true, auth(Credentials{User: user, Password: pass, Mount: mount, RemoteAddr: r.RemoteAddr})
	}
	uok := subtle.ConstantTimeCompare([]byte(user), []byte(wantUser)) == 1
	pok := subtle.ConstantTimeCompare([]byte(pass), []byte(wantPass)) == 1
	return user, true, uok && pok
}
