package hls

import (
	"bytes"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"
)

// MIME types of the files an output writes.
const (
	mimePlaylist = "application/vnd.apple.mpegurl"
	mimeTS       = "video/mp2t"
	mimeAudioMP4 = "audio/mp4"
	mimeVideoMP4 = "video/mp4"
)

// Handler returns an http.Handler that serves the output directory: the
// master playlist, the media playlists, the segments and initialization
// sections, by file name at the root of the handler's URL space (mount it
// under a prefix with http.StripPrefix). It answers GET and HEAD (with
// byte ranges and conditional requests) and CORS preflight OPTIONS
// requests; other methods get 405.
//
// Responses carry the HLS MIME types (application/vnd.apple.mpegurl,
// video/mp2t, audio/mp4 or video/mp4 for fMP4 depending on whether the
// variant has video), Access-Control-Allow-Origin ([Options.CORSOrigin])
// and, for playlists, Cache-Control: no-cache. Segments may be cached
// for as long as a live output keeps them. Only names the output writes
// are served (the state file, temporary files and anything else in the
// directory give 404), and files are opened within the directory, so no
// path escapes it. The handler may be used before, while and after the
// output runs.
func (o *Output) Handler() http.Handler {
	h := &handler{dir: o.dir, storage: o.st.storage, origin: o.cfg.CORSOrigin, master: o.cfg.Master, names: map[string]bool{}, seg: o.seg}
	for _, v := range o.cfg.variants {
		h.names[v.Name] = true
	}
	age := o.cfg.target * (o.cfg.Window + o.cfg.Overhead)
	if o.cfg.Type != Live || o.cfg.KeepSegments {
		age = 24 * 3600
	}
	h.segCache = "public, max-age=" + strconv.Itoa(age)
	return h
}

type handler struct {
	dir, origin, master, segCache string
	storage                       Storage         // read when dir is ""
	names                         map[string]bool // variant names
	seg                           *segmenter
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("Access-Control-Allow-Origin", h.origin)
	hd.Set("Access-Control-Expose-Headers", "Content-Length, Content-Range, Accept-Ranges")
	if h.origin != "*" {
		hd.Add("Vary", "Origin")
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead:
	case http.MethodOptions:
		hd.Set("Access-Control-Allow-Methods", "GET, HEAD, OPTIONS")
		hd.Set("Access-Control-Allow-Headers", "Range, Origin, Accept, Accept-Encoding")
		hd.Set("Access-Control-Max-Age", "86400")
		hd.Set("Allow", "GET, HEAD, OPTIONS")
		w.WriteHeader(http.StatusNoContent)
		return
	default:
		hd.Set("Allow", "GET, HEAD, OPTIONS")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	name := strings.TrimPrefix(r.URL.Path, "/")
	mime, playlist := h.classify(name)
	if mime == "" {
		http.NotFound(w, r)
		return
	}
	if h.dir == "" {
		h.serveStored(w, r, name, mime, playlist)
		return
	}
	// OpenInRoot refuses names (and symbolic links) that lead out of the
	// directory; whatever cannot be opened is not found.
	f, err := os.OpenInRoot(h.dir, name)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		http.NotFound(w, r)
		return
	}
	h.setType(hd, mime, playlist)
	http.ServeContent(w, r, name, fi.ModTime(), f)
}

// serveStored serves a file read from a storage that is not a directory.
func (h *handler) serveStored(w http.ResponseWriter, r *http.Request, name, mime string, playlist bool) {
	b, err := h.storage.Get(r.Context(), name)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	h.setType(w.Header(), mime, playlist)
	http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(b))
}

func (h *handler) setType(hd http.Header, mime string, playlist bool) {
	hd.Set("Content-Type", mime)
	if playlist {
		hd.Set("Cache-Control", "no-cache")
	} else {
		hd.Set("Cache-Control", h.segCache)
	}
}

// classify returns the MIME type of a name the output writes, or "" for
// any other name, and whether it is a playlist.
func (h *handler) classify(name string) (mime string, playlist bool) {
	if name == h.master {
		return mimePlaylist, true
	}
	if v, ok := strings.CutSuffix(name, ".m3u8"); ok {
		if h.names[v] {
			return mimePlaylist, true
		}
		return "", false
	}
	base, ext, ok := cutExt(name)
	if !ok {
		return "", false
	}
	i := strings.LastIndexByte(base, '_')
	if i < 0 {
		return "", false
	}
	v, num := base[:i], base[i+1:]
	if !h.names[v] {
		return "", false
	}
	if ext == "mp4" {
		var ok bool
		if num, ok = strings.CutPrefix(num, "init"); !ok {
			return "", false
		}
	}
	if !digits(num) {
		return "", false
	}
	switch ext {
	case "ts":
		return mimeTS, false
	default:
		if h.seg.hasVideo(v) {
			return mimeVideoMP4, false
		}
		return mimeAudioMP4, false
	}
}

func cutExt(name string) (base, ext string, ok bool) {
	i := strings.LastIndexByte(name, '.')
	if i < 0 {
		return "", "", false
	}
	switch ext = name[i+1:]; ext {
	case "ts", "m4s", "mp4":
		return name[:i], ext, true
	}
	return "", "", false
}

func digits(s string) bool {
	if s == "" || len(s) > 19 {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}
