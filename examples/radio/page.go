package main

import (
	"crypto/rand"
	"embed"
	"encoding/hex"
	"encoding/json"
	"io/fs"
	"net/http"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/control"
	"github.com/onair-go/onair/encode"
	"github.com/onair-go/onair/metrics"
	"github.com/onair-go/onair/mux/hls"
	"github.com/onair-go/onair/mux/listen"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// The live status page: plain HTML, CSS and JavaScript, embedded in the
// program (no build step).
//
//go:embed page
var pageFiles embed.FS

// newToken returns a random token for the control API.
func newToken() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// operate adds the control API, the metrics and the live page to the
// station: call it once the graph's outputs are added, before it starts.
func (st *station) operate(nowPlaying onair.Source, encoders []*encode.Shared) error {
	cfg := st.cfg
	var err error
	st.ctl, err = control.New(&control.Station{
		Graph: st.graph, NowPlaying: nowPlaying, Listen: []*listen.Server{st.listen},
		HLS: []*hls.Output{st.hls}, Encoders: encoders,
	}, &control.Options{Token: cfg.Token, PublicStatus: true, Logger: st.log})
	if err != nil {
		return err
	}
	st.metrics = metrics.New(st.ctl, &metrics.Options{Faults: st.faults})
	st.registry = prometheus.NewRegistry()
	st.registry.MustRegister(st.metrics, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	st.skip = nowPlaying.Node().ID()
	return nil
}

// routes mounts the page, the API and the metrics on hm.
func (st *station) routes(hm *http.ServeMux) {
	sub, _ := fs.Sub(pageFiles, "page")
	index, _ := fs.ReadFile(sub, "index.html")
	hm.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Security-Policy", "default-src 'self'; media-src 'self' blob:")
		_, _ = w.Write(index)
	})
	hm.HandleFunc("GET /page/config.json", st.pageConfig)
	hm.Handle("GET /page/", http.StripPrefix("/page/", http.FileServerFS(sub)))
	hm.Handle("/api/", http.StripPrefix("/api", st.ctl))
	hm.Handle("GET /metrics", promhttp.HandlerFor(st.registry, promhttp.HandlerOpts{}))
}

// pageConfig tells the page what it can play and which source its skip
// button skips.
func (st *station) pageConfig(w http.ResponseWriter, r *http.Request) {
	type stream struct {
		Name  string `json:"name"`
		URL   string `json:"url"`
		Mount string `json:"mount,omitempty"`
		HLS   bool   `json:"hls,omitempty"`
	}
	var c struct {
		Streams []stream `json:"streams"`
		Skip    string   `json:"skip"`
	}
	names := map[string]string{"/radio.mp3": "MP3 128k", "/radio.aac": "AAC 192k", "/radio-low.aac": "AAC 48k"}
	for _, m := range mounts {
		c.Streams = append(c.Streams, stream{Name: names[m.path], URL: m.path, Mount: m.path})
	}
	c.Streams = append(c.Streams, stream{Name: "HLS (AAC)", URL: "/hls/" + st.hls.Master(), HLS: true})
	c.Skip = st.skip
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(c)
}
