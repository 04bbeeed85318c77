package harbor

import (
	"encoding/xml"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/onair-go/onair"
)

// serveMetadata handles /admin/metadata?mode=updinfo&mount=...: the
// metadata update every source client sends (with the source credentials)
// when the title changes. The mount may be URL-encoded (%2flive) and the
// title given as song, or as artist and title (libshout), or all three
// (Liquidsoap). It answers like Icecast, with an XML iceresponse.
func (h *Harbor) serveMetadata(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	mount := q.Get("mount")
	log := h.log.With("mount", mount, "remote", r.RemoteAddr)
	if mount == "" {
		h.iceResponse(w, r, http.StatusBadRequest, "Missing parameter: mount", log)
		return
	}
	m := h.lookup(mount)
	user, sent, ok := h.authorize(m, r, normPath(mount))
	if !ok {
		w.Header().Set("WWW-Authenticate", `Basic realm="onair harbor"`)
		if sent {
			log = log.With("user", user)
		}
		h.iceResponse(w, r, http.StatusUnauthorized, "Authentication required", log)
		return
	}
	if mode := q.Get("mode"); mode != "updinfo" {
		h.iceResponse(w, r, http.StatusBadRequest, fmt.Sprintf("Unsupported mode %q (only updinfo)", mode), log)
		return
	}
	if m == nil {
		h.iceResponse(w, r, http.StatusBadRequest, "Source does not exist", log)
		return
	}
	md := metadataFromQuery(q)
	if len(md) == 0 {
		h.iceResponse(w, r, http.StatusBadRequest, "No metadata (song, title or artist)", log)
		return
	}
	if !m.Connected() {
		if !m.holdEarly(md) {
			h.iceResponse(w, r, http.StatusBadRequest, "Source does not exist", log)
			return
		}
		log.Info("harbor: metadata before the stream, applied when it starts", "metadata", md)
		h.iceResponse(w, r, http.StatusOK, "Metadata update successful", nil)
		return
	}
	if m.newMetadata(md) {
		m.sink.InsertMetadata(md)
		log.Info("harbor: metadata updated", "metadata", md)
	} else {
		log.Debug("harbor: metadata repeated, ignored", "metadata", md)
	}
	h.iceResponse(w, r, http.StatusOK, "Metadata update successful", nil)
}

// metadataFromQuery turns the parameters of a metadata update into track
// metadata. artist and title are kept as they are; song becomes title
// when neither is given (it is "artist - title" as one string). The text
// is converted to UTF-8 when charset names Latin-1 or when it is not
// valid UTF-8 (old clients send Latin-1 without saying so).
func metadataFromQuery(q url.Values) onair.Metadata {
	latin1 := false
	switch strings.ToLower(strings.ReplaceAll(q.Get("charset"), "_", "-")) {
	case "iso-8859-1", "latin1", "latin-1", "l1", "iso8859-1":
		latin1 = true
	}
	md := onair.Metadata{}
	for _, k := range []string{"artist", "title", "album"} {
		if v := q.Get(k); v != "" {
			md[k] = toUTF8(v, latin1)
		}
	}
	if md["artist"] == "" && md["title"] == "" {
		if v := q.Get("song"); v != "" {
			md["title"] = toUTF8(v, latin1)
		}
	}
	return md
}

func toUTF8(s string, latin1 bool) string {
	if !latin1 && utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		b.WriteRune(rune(s[i]))
	}
	return b.String()
}

// iceResponse writes Icecast's XML answer to an admin request; return is
// 1 for success. Failures are logged with log.
func (h *Harbor) iceResponse(w http.ResponseWriter, r *http.Request, code int, msg string, log *slog.Logger) {
	ret := 0
	if code == http.StatusOK {
		ret = 1
	}
	if log != nil {
		if code == http.StatusUnauthorized && r.Header.Get("Authorization") == "" {
			log.Info("harbor: metadata update refused", "status", code, "reason", msg)
		} else {
			log.Warn("harbor: metadata update refused", "status", code, "reason", msg)
		}
	}
	var esc strings.Builder
	_ = xml.EscapeText(&esc, []byte(msg))
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	w.WriteHeader(code)
	fmt.Fprintf(w, "<?xml version=\"1.0\"?>\n<iceresponse><message>%s</message><return>%d</return></iceresponse>\n", esc.String(), ret)
}
