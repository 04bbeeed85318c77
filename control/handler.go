package control

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/onair-go/onair"
)

// ServeHTTP serves the routes listed in [Controller]. Every answer is
// JSON; errors are {"error": "..."} with a 4xx status:
//
//   - 401 without the bearer token, or with a wrong one;
//   - 403 for a browser post from another origin (Sec-Fetch-Site or
//     Origin), and for any action on a ReadOnly controller;
//   - 405 for a method other than GET on status and events, or POST on
//     actions; 415 for an action body that is not application/json;
//   - 413 for a body over Options.MaxBody; 400 for bad JSON;
//   - 429 past the rate limit (with Retry-After);
//   - 404 for an unknown ID, 422 for a source of the wrong kind;
//   - 409 when the graph is not running;
//   - 503 for an event stream past Options.MaxSubscribers.
//
// Actions answer 200 with a [Done] once the clock ran them, or 202 with
// Done.Queued set when it did not within Options.Wait.
func (c *Controller) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	path := r.URL.Path
	switch path {
	case "/status", "/events":
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			writeError(w, http.StatusMethodNotAllowed, r.Method+" not allowed on "+path+": use GET")
			return
		}
		if !c.opts.PublicStatus && !c.authorized(r) {
			c.unauthorized(w, r)
			return
		}
		if path == "/status" {
			writeJSON(w, http.StatusOK, c.Status())
			return
		}
		c.serveEvents(w, r)
		return
	case "/skip", "/push", "/metadata", "/select", "/stop", "/start":
		c.serveAction(w, r, path[1:])
		return
	}
	writeError(w, http.StatusNotFound, "no route "+strconv.Quote(path)+": see GET /status, GET /events, POST /skip /push /metadata /select /stop /start")
}

func (c *Controller) serveAction(w http.ResponseWriter, r *http.Request, action string) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		writeError(w, http.StatusMethodNotAllowed, r.Method+" not allowed on /"+action+": actions are POST with a JSON body")
		return
	}
	if msg := c.crossOrigin(r); msg != "" {
		c.log.Warn("control: cross-origin action refused", "action", action, "remote", r.RemoteAddr, "why", msg)
		writeError(w, http.StatusForbidden, msg)
		return
	}
	if c.opts.ReadOnly {
		writeError(w, http.StatusForbidden, "this controller is read-only: actions are disabled")
		return
	}
	if !c.authorized(r) {
		c.unauthorized(w, r)
		return
	}
	if ok, wait := c.limit.allow(); !ok {
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
		writeError(w, http.StatusTooManyRequests, "too many actions: try again in "+wait.Round(time.Millisecond).String())
		return
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		writeError(w, http.StatusUnsupportedMediaType, "the body must be application/json")
		return
	}
	var req actionRequest
	if status, msg := decodeBody(w, r, c.opts.MaxBody, &req); status != 0 {
		writeError(w, status, msg)
		return
	}
	// An action outlives a client that goes away: it is queued already.
	ctx := context.WithoutCancel(r.Context())
	var d Done
	var err error
	switch action {
	case "skip":
		d, err = c.Skip(ctx, req.Source)
	case "push":
		d, err = c.Push(ctx, req.Queue, req.URI, req.Metadata)
	case "metadata":
		d, err = c.InsertMetadata(ctx, req.Source, req.Metadata, req.NewTrack)
	case "select":
		if req.Child == nil {
			writeError(w, http.StatusBadRequest, `select needs "child": a child's ID, or "" to give the choice back`)
			return
		}
		d, err = c.Select(ctx, req.Switch, *req.Child)
	case "stop":
		d, err = c.StopOutput(ctx, req.Output)
	case "start":
		d, err = c.StartOutput(ctx, req.Output)
	}
	if err != nil {
		var e *Error
		if errors.As(err, &e) {
			c.log.Info("control: action refused", "action", action, "status", e.Status, "err", e.Msg)
			writeError(w, e.Status, e.Msg)
			return
		}
		writeError(w, http.StatusUnprocessableEntity, err.Error())
		return
	}
	status := http.StatusOK
	if d.Queued {
		status = http.StatusAccepted
	}
	writeJSON(w, status, d)
}

// actionRequest is the body of every action; each uses its own fields.
type actionRequest struct {
	Source   string         `json:"source"`
	Queue    string         `json:"queue"`
	URI      string         `json:"uri"`
	Metadata onair.Metadata `json:"metadata"`
	NewTrack bool           `json:"new_track"`
	Switch   string         `json:"switch"`
	Child    *string        `json:"child"`
	Output   string         `json:"output"`
}

// decodeBody reads one JSON object of at most max bytes into v, and
// returns the status and message of what is wrong with it.
func decodeBody(w http.ResponseWriter, r *http.Request, max int64, v any) (int, string) {
	body := http.MaxBytesReader(w, r.Body, max)
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return http.StatusRequestEntityTooLarge, fmt.Sprintf("the body is over %d bytes", max)
		}
		if errors.Is(err, io.EOF) {
			return http.StatusBadRequest, "empty body: a JSON object is needed"
		}
		return http.StatusBadRequest, "bad JSON body: " + err.Error()
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return http.StatusRequestEntityTooLarge, fmt.Sprintf("the body is over %d bytes", max)
		}
		return http.StatusBadRequest, "bad JSON body: data after the object"
	}
	return 0, ""
}

// authorized checks the bearer token in constant time (of the token's
// hash, so that its length does not leak either).
func (c *Controller) authorized(r *http.Request) bool {
	if c.opts.Token == "" {
		return false
	}
	h := r.Header.Get("Authorization")
	const prefix = "Bearer "
	if len(h) < len(prefix) || !strings.EqualFold(h[:len(prefix)], prefix) {
		return false
	}
	got := sha256.Sum256([]byte(strings.TrimSpace(h[len(prefix):])))
	want := sha256.Sum256([]byte(c.opts.Token))
	return subtle.ConstantTimeCompare(got[:], want[:]) == 1
}

func (c *Controller) unauthorized(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("WWW-Authenticate", `Bearer realm="onair control"`)
	msg := "missing bearer token (Authorization: Bearer TOKEN)"
	if r.Header.Get("Authorization") != "" {
		msg = "wrong token"
		c.log.Warn("control: wrong token", "remote", r.RemoteAddr, "path", r.URL.Path)
	}
	writeError(w, http.StatusUnauthorized, msg)
}

// crossOrigin returns why a request is a cross-origin browser request, or
// "". Browsers send Sec-Fetch-Site (all current ones) and Origin on posts;
// other clients send neither and are let through to the token check.
func (c *Controller) crossOrigin(r *http.Request) string {
	origin := r.Header.Get("Origin")
	if origin != "" && c.allowedOrigin(origin) {
		return ""
	}
	switch site := r.Header.Get("Sec-Fetch-Site"); site {
	case "", "same-origin", "none":
	default:
		return "cross-origin request refused (Sec-Fetch-Site: " + site + ")"
	}
	if origin == "" {
		return ""
	}
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" {
		return "cross-origin request refused (Origin: " + strconv.Quote(origin) + ")"
	}
	if !strings.EqualFold(u.Host, r.Host) {
		return "cross-origin request refused (Origin " + origin + " is not this server's)"
	}
	return ""
}

func (c *Controller) allowedOrigin(origin string) bool {
	for _, o := range c.opts.AllowedOrigins {
		if strings.EqualFold(strings.TrimSuffix(o, "/"), origin) {
			return true
		}
	}
	return false
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}

// limiter is a token bucket shared by every client (its state does not
// grow with the number of clients).
type limiter struct {
	mu     sync.Mutex
	rate   float64
	burst  float64
	tokens float64
	last   time.Time
}

func newLimiter(rate float64, burst int) *limiter {
	return &limiter{rate: rate, burst: float64(burst), tokens: float64(burst)}
}

// allow takes a token, or says how long until one is free.
func (l *limiter) allow() (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := time.Now()
	if !l.last.IsZero() {
		l.tokens = min(l.burst, l.tokens+now.Sub(l.last).Seconds()*l.rate)
	}
	l.last = now
	if l.tokens >= 1 {
		l.tokens--
		return true, 0
	}
	return false, time.Duration((1 - l.tokens) / l.rate * float64(time.Second))
}
