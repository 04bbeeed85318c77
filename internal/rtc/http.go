package rtc

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strings"

	"github.com/pion/webrtc/v4"
)

// MaxOffer is the largest SDP body read (a browser's offer is 2–6 KiB).
const MaxOffer = 64 << 10

// SetCORS sets the CORS headers of a WHIP or WHEP endpoint, so that a
// page of another origin may play or publish.
func SetCORS(h http.Header) {
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("Access-Control-Allow-Methods", "POST, DELETE, PATCH, OPTIONS")
	h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type, If-Match")
	h.Set("Access-Control-Expose-Headers", "Location, Link, ETag, Accept-Patch")
}

// Authorized reports whether r may use an endpoint: auth decides when set;
// else a non-empty token must come as "Authorization: Bearer TOKEN" (or,
// for players that cannot set headers, as ?token=TOKEN); with neither,
// everyone may.
func Authorized(r *http.Request, token string, auth func(*http.Request) bool) bool {
	if auth != nil {
		return auth(r)
	}
	if token == "" {
		return true
	}
	got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		got = r.URL.Query().Get("token")
	}
	return subtle.ConstantTimeCompare([]byte(strings.TrimSpace(got)), []byte(token)) == 1
}

// ReadOffer reads the SDP offer of a POST, answering the request itself
// (415, 413, 400) and returning false when there is none to read.
func ReadOffer(w http.ResponseWriter, r *http.Request) (string, bool) {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/sdp" {
		http.Error(w, "the offer must be sent as application/sdp", http.StatusUnsupportedMediaType)
		return "", false
	}
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxOffer))
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		http.Error(w, fmt.Sprintf("the offer is larger than %d bytes", MaxOffer), http.StatusRequestEntityTooLarge)
		return "", false
	case err != nil:
		http.Error(w, "cannot read the offer: "+err.Error(), http.StatusBadRequest)
		return "", false
	case len(b) == 0:
		http.Error(w, "empty offer", http.StatusBadRequest)
		return "", false
	}
	return string(b), true
}

// WriteAnswer answers a POST with 201 Created, the answer and the session's
// resource URL.
func WriteAnswer(w http.ResponseWriter, answer, location string) {
	w.Header().Set("Content-Type", "application/sdp")
	w.Header().Set("Location", location)
	w.Header().Set("Accept-Patch", "application/trickle-ice-sdpfrag")
	w.WriteHeader(http.StatusCreated)
	_, _ = io.WriteString(w, answer)
}

// NewID returns a random session ID.
func NewID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Candidates returns the a=candidate lines of a trickle-ice-sdpfrag body
// (RFC 8840), without their "a=" prefix.
func Candidates(frag string) []string {
	var out []string
	for _, line := range strings.Split(frag, "\n") {
		if c, ok := strings.CutPrefix(strings.TrimSpace(line), "a=candidate:"); ok {
			out = append(out, "candidate:"+c)
		}
	}
	return out
}

// SessionPath splits a request path into a mount path and a session ID
// when it is MOUNT/sessions/ID.
func SessionPath(p string) (mount, id string, ok bool) {
	i := strings.LastIndex(p, "/sessions/")
	if i < 0 {
		return "", "", false
	}
	id = p[i+len("/sessions/"):]
	if id == "" || strings.Contains(id, "/") {
		return "", "", false
	}
	return p[:i], id, true
}

// Patch adds the ICE candidates of a trickle-ice-sdpfrag PATCH to pc.
func Patch(w http.ResponseWriter, r *http.Request, pc *webrtc.PeerConnection, log *slog.Logger) {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "application/trickle-ice-sdpfrag" {
		http.Error(w, "PATCH takes application/trickle-ice-sdpfrag", http.StatusUnsupportedMediaType)
		return
	}
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxOffer))
	if err != nil {
		http.Error(w, "cannot read the body: "+err.Error(), http.StatusBadRequest)
		return
	}
	for _, c := range Candidates(string(b)) {
		if err := pc.AddICECandidate(webrtc.ICECandidateInit{Candidate: c}); err != nil {
			log.Warn("bad trickled ICE candidate", "candidate", c, "err", err)
			http.Error(w, "bad candidate: "+err.Error(), http.StatusBadRequest)
			return
		}
	}
	w.WriteHeader(http.StatusNoContent)
}
