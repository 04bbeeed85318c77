package decode

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/fault"
)

// ErrTimeout is the cause (wrapped) of a connection an [HTTPSource] gave
// up on: the server sent no response or no data for
// [HTTPOptions.Timeout].
var ErrTimeout = errors.New("decode: stream timed out")

// HTTPStatusError reports a server that answered a stream request with a
// status other than 200 OK.
type HTTPStatusError struct {
	URL    string
	Code   int    // e.g. 404
	Status string // e.g. "404 Not Found"
}

func (e *HTTPStatusError) Error() string {
	return "decode: http " + e.URL + ": server answered " + e.Status
}

// HTTPOptions configure [HTTP]. A nil *HTTPOptions is valid.
type HTTPOptions struct {
	// ID names the source. It defaults to "http".
	ID string
	// Logger receives connections, errors, reconnections, underruns and
	// overruns, and FFmpeg's messages about the stream (see package
	// avlog). It defaults to discarding them.
	Logger *slog.Logger
	// Prebuffer, MaxBuffer, Format and NewTrackOnMetadata are as in
	// [LiveOptions] (defaults 1s, 10s, probing, off).
	Prebuffer, MaxBuffer time.Duration
	Format               string
	NewTrackOnMetadata   bool
	// MinDelay is the delay before the first reconnection after the
	// server dropped the stream or failed; each failed attempt in a row
	// doubles it, up to MaxDelay. Delays are randomized by ±25%. MinDelay
	// defaults to 1s and MaxDelay to 30s.
	MinDelay, MaxDelay time.Duration
	// Timeout is how long the source waits for the server's response,
	// and then for each piece of data, before it drops the connection and
	// reconnects. It defaults to 10s.
	Timeout time.Duration
	// Client makes the requests. It defaults to a client with Go's
	// default transport settings (environment proxies, HTTP/2 over TLS)
	// that also accepts the "ICY 200 OK" status line of Shoutcast v1
	// servers.
	Client *http.Client
	// Header is added to every request. The source sets Icy-MetaData: 1
	// and, unless Header sets one, User-Agent: onair.
	Header http.Header
	// OnConnect and OnDisconnect are called on the source's helper
	// goroutine when a stream is opened and when it ends (with the
	// reason; nil when the server ended it cleanly).
	OnConnect    func()
	OnDisconnect func(err error)
}

// HTTPSource plays an HTTP audio stream, such as an Icecast or Shoutcast
// mount: MP3, AAC, Ogg or anything else FFmpeg reads, decoded to the
// graph format through a [LiveSource] (see there for readiness, buffers,
// tracks and metadata).
//
// A helper goroutine, started when the source wakes up and stopped when
// it goes to sleep or is closed, requests the stream with
// "Icy-MetaData: 1" and decodes it. When the server sends ICY metadata
// (an icy-metaint header), the titles become track metadata at the
// audio they belong to (within one codec frame): StreamTitle gives
// "title", or "artist" and "title" when it reads "Artist - Title";
// StreamUrl gives "url". In-band metadata of the stream itself (Ogg
// comments) is kept too.
//
// When the server cannot be reached, answers an error status, ends the
// stream or stops sending for [HTTPOptions.Timeout], the source logs it
// and reconnects after a growing, randomized delay; it is unready
// meanwhile (it is fallible: put it in a [onair.Fallback] with an
// infallible source). The clock never waits for the network.
//
// Its methods are safe to call from any goroutine.
type HTTPSource struct {
	live   *LiveSource
	url    string
	opts   HTTPOptions
	log    *slog.Logger
	client *http.Client

	mu      sync.Mutex // guards following
	cancel  context.CancelFunc
	closed  bool
	running bool
	wg      sync.WaitGroup

	ownClient bool // client is ours: Close closes its idle connections
}

// HTTP returns a source that plays the stream at rawURL, an http or https
// URL. opts may be nil. It returns an error wrapping
// [onair.ErrInvalidOption] for another URL or invalid options; it does
// not connect before the source wakes up.
func HTTP(rawURL string, opts *HTTPOptions) (*HTTPSource, error) {
	var o HTTPOptions
	if opts != nil {
		o = *opts
	}
	if o.ID == "" {
		o.ID = "http"
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("%w: http source %q: %w", onair.ErrInvalidOption, o.ID, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%w: http source %q: %q is not an http:// or https:// URL", onair.ErrInvalidOption, o.ID, rawURL)
	}
	if o.MinDelay == 0 {
		o.MinDelay = time.Second
	}
	if o.MaxDelay == 0 {
		o.MaxDelay = max(30*time.Second, o.MinDelay)
	}
	if o.Timeout == 0 {
		o.Timeout = 10 * time.Second
	}
	switch {
	case o.MinDelay < 0 || o.MaxDelay < o.MinDelay:
		return nil, fmt.Errorf("%w: http source %q: reconnection delays %v to %v", onair.ErrInvalidOption, o.ID, o.MinDelay, o.MaxDelay)
	case o.Timeout < 0:
		return nil, fmt.Errorf("%w: http source %q: negative timeout %v", onair.ErrInvalidOption, o.ID, o.Timeout)
	}
	h := &HTTPSource{url: u.String(), opts: o, log: o.Logger, client: o.Client}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	if h.client == nil {
		h.client = newHTTPClient()
		h.ownClient = true
	}
	h.live, err = Live(&LiveOptions{
		ID: o.ID, Logger: h.log, Prebuffer: o.Prebuffer, MaxBuffer: o.MaxBuffer,
		Format: o.Format, NewTrackOnMetadata: o.NewTrackOnMetadata,
		OnConnect: o.OnConnect, OnDisconnect: o.OnDisconnect,
	})
	if err != nil {
		return nil, err
	}
	h.live.onWake, h.live.onSleep = h.start, h.stop
	return h, nil
}

// Node returns the source's graph node.
func (h *HTTPSource) Node() *onair.Node { return h.live.node }

// URL returns the stream's URL.
func (h *HTTPSource) URL() string { return h.url }

// Connected reports whether a stream is being decoded.
func (h *HTTPSource) Connected() bool { return h.live.Connected() }

// Buffered returns the decoded audio held, waiting to be played.
func (h *HTTPSource) Buffered() time.Duration { return h.live.Buffered() }

// Stats returns the source's state and counters.
func (h *HTTPSource) Stats() LiveStats { return h.live.Stats() }

// InsertMetadata places m after the audio decoded so far (see
// [LiveSource.InsertMetadata]).
func (h *HTTPSource) InsertMetadata(m onair.Metadata) { h.live.InsertMetadata(m) }

// Close stops the helper goroutine, waiting for it (it drops the
// connection at once), and makes the source unable to start again. It is
// idempotent.
func (h *HTTPSource) Close() error {
	h.mu.Lock()
	h.closed = true
	h.mu.Unlock()
	h.stop()
	if h.ownClient {
		h.client.CloseIdleConnections()
	}
	return h.live.Close()
}

// start runs the helper goroutine (WakeUp).
func (h *HTTPSource) start() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed || h.running {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel, h.running = cancel, true
	h.wg.Add(1)
	go h.run(ctx)
}

// stop ends the helper goroutine and waits for it (Sleep, Close).
func (h *HTTPSource) stop() {
	h.mu.Lock()
	if h.cancel != nil {
		h.cancel()
		h.cancel = nil
	}
	h.mu.Unlock()
	h.wg.Wait()
	h.mu.Lock()
	h.running = false
	h.mu.Unlock()
}

// logStatus logs how a connection ended and when the next one starts.
func (h *HTTPSource) logStatus(err error, played bool, delay time.Duration) {
	var se *HTTPStatusError
	attrs := []any{fault.Reconnect.Attr(), fault.KeySource, h.opts.ID, fault.KeyURL, h.url, fault.KeyRetryIn, delay}
	if err != nil {
		attrs = append(attrs, fault.KeyErr, err)
	}
	switch {
	case errors.As(err, &se):
		h.log.Error("http stream: server error, reconnecting", append(attrs, "status", se.Status)...)
	case err == nil:
		h.log.Info("http stream: the server ended the stream, reconnecting", attrs...)
	case played:
		h.log.Warn("http stream: connection lost, reconnecting", attrs...)
	default:
		h.log.Error("http stream: cannot connect", attrs...)
	}
}

// userAgent is the default User-Agent of stream requests.
const userAgent = "onair"

func (h *HTTPSource) request(ctx context.Context) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, h.url, nil)
	if err != nil {
		return nil, err
	}
	for k, v := range h.opts.Header {
		req.Header[k] = append([]string(nil), v...)
	}
	if req.Header.Get("User-Agent") == "" {
		req.Header.Set("User-Agent", userAgent)
	}
	req.Header.Set("Icy-MetaData", "1")
	return req, nil
}

// contentType returns the type of the stream, for probing.
func contentType(resp *http.Response) string {
	ct := resp.Header.Get("Content-Type")
	if ct == "" || strings.HasPrefix(ct, "application/octet-stream") {
		// Shoutcast servers name the codec in their own header.
		ct = resp.Header.Get("Icy-Content-Type")
	}
	return ct
}
