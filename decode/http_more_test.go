package decode_test

import (
	"bufio"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/decode"
	"github.com/onair-go/onair/internal/logtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestHTTPOgg plays a chained Ogg stream over HTTP (no ICY metadata, as
// Icecast serves Ogg): the comments of each link become the metadata.
func TestHTTPOgg(t *testing.T) {
	ctx := deadline(t)
	dir := t.TempDir()
	vorbis := []string{"-c:a", "libvorbis"}
	a := readFile(t, makeTone(t, dir, tone{name: "a.ogg", seconds: 1, codec: vorbis, tags: map[string]string{"title": "One", "artist": "A"}}))
	b := readFile(t, makeTone(t, dir, tone{name: "b.ogg", seconds: 1, codec: vorbis, tags: map[string]string{"title": "Two", "artist": "B"}}))
	stream := &icyStream{data: append(append([]byte{}, a...), b...), contentType: "application/ogg", metaint: 4096}
	_, addr := serve(t, "127.0.0.1:0", stream)
	ended := make(chan error, 1)
	src, err := decode.HTTP("http://"+addr+"/live.ogg", &decode.HTTPOptions{
		Prebuffer: 300 * time.Millisecond, MinDelay: time.Hour,
		OnDisconnect: func(err error) { ended <- err },
	})
	require.NoError(t, err)
	defer src.Close()
	r := newRig(t, src, true)
	select {
	case err := <-ended:
		require.NoError(t, err)
	case <-ctx.Done():
		t.Fatal("the stream never ended")
	}
	r.drain(src, 500)
	assert.InDelta(t, 2*44100, r.cap.samples, 882)
	require.Len(t, r.cap.meta, 2, "metadata: %v", r.cap.meta)
	assert.Equal(t, "One", r.cap.meta[0].Metadata["title"])
	assert.Equal(t, "A", r.cap.meta[0].Metadata["artist"])
	assert.Equal(t, "Two", r.cap.meta[1].Metadata["title"])
	assert.Equal(t, "B", r.cap.meta[1].Metadata["artist"])
	assert.InDelta(t, 44100, r.cap.meta[1].Pos, 2048)
}

// TestHTTPErrors covers invalid options, error statuses (named in the
// logs, then a reconnection), a silent server (timeout) and a body that
// is not audio.
func TestHTTPErrors(t *testing.T) {
	ctx := deadline(t)
	for _, u := range []string{"ftp://host/x.mp3", "http:///x.mp3", "/x.mp3", "://"} {
		_, err := decode.HTTP(u, nil)
		assert.ErrorIs(t, err, onair.ErrInvalidOption, "URL %q", u)
	}
	_, err := decode.HTTP("http://h/x", &decode.HTTPOptions{MinDelay: 2 * time.Second, MaxDelay: time.Second})
	assert.ErrorIs(t, err, onair.ErrInvalidOption)
	_, err = decode.HTTP("http://h/x", &decode.HTTPOptions{Prebuffer: -time.Second})
	assert.ErrorIs(t, err, onair.ErrInvalidOption)

	data := readFile(t, makeTone(t, t.TempDir(), tone{name: "a.mp3", codec: mp3Codec}))
	stream := &icyStream{data: data, contentType: "audio/mpeg", hold: true,
		status: func(n int) int { return []int{404, 503, 200}[min(n, 3)-1] }}
	_, addr := serve(t, "127.0.0.1:0", stream)
	logs := &logtest.Handler{}
	src, err := decode.HTTP("http://"+addr+"/live.mp3", &decode.HTTPOptions{
		Prebuffer: 200 * time.Millisecond, MinDelay: 10 * time.Millisecond, Logger: slog.New(logs)})
	require.NoError(t, err)
	defer src.Close()
	newRig(t, src, true)
	waitLive(t, ctx, decode.HTTPLive(src), "connected", func(s decode.LiveState) bool { return s.Connected })
	var statuses []string
	for _, rec := range logs.Find("server error") {
		statuses = append(statuses, logtest.Attr(rec, "status").String())
	}
	assert.Equal(t, []string{"404 Not Found", "503 Service Unavailable"}, statuses)
	assert.Equal(t, 3, stream.count())

	// A server that answers and then says nothing, and one that sends a
	// web page.
	silent := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "audio/mpeg")
		w.WriteHeader(200)
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	})
	page := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		_, _ = w.Write([]byte("<html><body>It works!</body></html>"))
	})
	for _, tc := range []struct {
		name string
		h    http.Handler
		want func(error) bool
	}{
		{"silent", silent, func(err error) bool { return errors.Is(err, decode.ErrTimeout) }},
		{"page", page, func(err error) bool { var pe *decode.PathError; return errors.As(err, &pe) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, addr := serve(t, "127.0.0.1:0", tc.h)
			logs := &logtest.Handler{}
			src, err := decode.HTTP("http://"+addr+"/", &decode.HTTPOptions{
				MinDelay: time.Hour, Timeout: 100 * time.Millisecond, Logger: slog.New(logs)})
			require.NoError(t, err)
			defer src.Close()
			newRig(t, src, true)
			rec := logs.Wait(t, ctx, "cannot connect")
			err, _ = logtest.Attr(rec, "err").Any().(error)
			assert.True(t, tc.want(err), "logged error: %v", err)
			t.Logf("%s: %v", tc.name, err)
		})
	}
}

// TestHTTPShoutcastV1 talks to a server that answers the way Shoutcast v1
// does ("ICY 200 OK", LF line ends), which net/http alone refuses.
func TestHTTPShoutcastV1(t *testing.T) {
	ctx := deadline(t)
	data := readFile(t, makeTone(t, t.TempDir(), tone{name: "a.mp3", codec: mp3Codec}))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	served := make(chan error, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			served <- err
			return
		}
		defer c.Close()
		req, err := http.ReadRequest(bufio.NewReader(c))
		if err == nil {
			_, err = io.WriteString(c, "ICY 200 OK\nicy-name: Old School\nicy-metaint: 8192\ncontent-type: audio/mpeg\n\n")
		}
		for d := data; err == nil && len(d) > 0; {
			n := min(8192, len(d))
			if _, err = c.Write(d[:n]); err == nil && n == 8192 {
				_, err = c.Write(icyBlock("Old - Times"))
			}
			d = d[n:]
		}
		if err == nil && req.Header.Get("Icy-MetaData") != "1" {
			err = errors.New("no Icy-MetaData header")
		}
		served <- err
	}()
	ended := make(chan error, 1)
	src, err := decode.HTTP("http://"+ln.Addr().String()+"/", &decode.HTTPOptions{
		Prebuffer: 200 * time.Millisecond, MinDelay: time.Hour,
		OnDisconnect: func(err error) { ended <- err },
	})
	require.NoError(t, err)
	defer src.Close()
	r := newRig(t, src, true)
	for _, ch := range []chan error{served, ended} {
		select {
		case err := <-ch:
			require.NoError(t, err)
		case <-ctx.Done():
			t.Fatal("the stream did not end")
		}
	}
	r.drain(src, 500)
	assert.InDelta(t, 2*44100, r.cap.samples, 882)
	assert.Equal(t, 1, countTitle(r.cap.meta, "Times"), "metadata: %v", r.cap.meta)
}
