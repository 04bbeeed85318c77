// Package page holds the browser pages of the WebRTC example and tests:
// a WHEP player ("listen live") and a WHIP publisher ("go live from this
// browser"), plain HTML and JavaScript without a build step.
//
// Both pages take their endpoints from the query: listen.html?whep=/live
// and golive.html?whip=/dj&token=TOKEN (the defaults are /live and /dj).
// Each leaves its RTCPeerConnection in window.pc, for getStats() by tests.
package page

import (
	"embed"
	"io/fs"
	"net/http"
)

//go:embed *.html
var files embed.FS

// FS returns the pages.
func FS() fs.FS { return files }

// Handler serves the pages: /listen.html, /golive.html, and / (listen).
func Handler() http.Handler {
	fsrv := http.FileServerFS(files)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/" {
			r2 := r.Clone(r.Context())
			r2.URL.Path = "/listen.html"
			fsrv.ServeHTTP(w, r2)
			return
		}
		fsrv.ServeHTTP(w, r)
	})
}
