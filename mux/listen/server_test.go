package listen_test

import (
	"bufio"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/onair-go/onair/mux"
	"github.com/onair-go/onair/mux/listen"
	"github.com/onair-go/onair/onairtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMountErrors(t *testing.T) {
	enc, _ := mp3Source(t)
	srv := newServer(t, nil)
	cases := []struct {
		name, path string
		opts       *listen.MountOptions
		want       error
	}{
		{"relative path", "radio.mp3", nil, listen.ErrMount},
		{"unclean path", "/a/../radio.mp3", nil, listen.ErrMount},
		{"query in path", "/radio.mp3?x", nil, listen.ErrMount},
		{"unknown extension", "/radio.wav", nil, mux.ErrFormat},
		{"format listeners cannot join", "/radio", &listen.MountOptions{Format: "mp4"}, mux.ErrFormat},
		{"unknown FFmpeg format", "/radio", &listen.MountOptions{Format: "nope"}, mux.ErrFormat},
		{"MaxLag not above BurstSize", "/a.mp3", &listen.MountOptions{BurstSize: 100 << 10, MaxLag: 100 << 10}, listen.ErrOption},
		{"negative MetaInterval", "/a.mp3", &listen.MountOptions{MetaInterval: -1}, listen.ErrOption},
		{"unknown ICY mode", "/a.mp3", &listen.MountOptions{ICY: 9}, listen.ErrOption},
		{"header with a line break", "/a.mp3", &listen.MountOptions{Headers: map[string]string{"X": "a\r\nb"}}, listen.ErrOption},
		{"negative MaxListeners", "/a.mp3", &listen.MountOptions{MaxListeners: -1}, listen.ErrOption},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := srv.Mount(c.path, enc, c.opts)
			require.ErrorIs(t, err, c.want)
		})
	}
	_, err := srv.Mount("/radio.mp3", enc, nil)
	require.NoError(t, err)
	_, err = srv.Mount("/radio.mp3", enc, nil)
	require.ErrorIs(t, err, listen.ErrMount, "a path mounted twice")
	_, err = srv.Mount("/x.mp3", nil, nil)
	require.ErrorIs(t, err, listen.ErrMount, "nil source")
	_, err = listen.NewServer(&listen.Options{MaxListeners: -1})
	require.ErrorIs(t, err, listen.ErrOption)
	assert.Len(t, srv.Mounts(), 1)
}

// TestHTTPAnswers: 404 for an unknown path, 405 for other methods, HEAD
// with the stream's headers and no listener, OPTIONS with CORS headers.
func TestHTTPAnswers(t *testing.T) {
	enc, _ := mp3Source(t)
	srv := newServer(t, nil)
	_, err := srv.Mount("/radio.mp3", enc, &listen.MountOptions{Name: "Test Radio", Genre: "test", BitRate: 128, Description: "line\r\nbreak"})
	require.NoError(t, err)
	url := serve(t, srv)
	hc := &http.Client{Timeout: waitTimeout}

	resp, err := hc.Get(url + "/nope.mp3")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)

	resp, err = hc.Post(url+"/radio.mp3", "text/plain", strings.NewReader("x"))
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode)
	assert.Equal(t, "GET, HEAD, OPTIONS", resp.Header.Get("Allow"))

	req, _ := http.NewRequest(http.MethodHead, url+"/radio.mp3", nil)
	req.Header.Set("Icy-MetaData", "1")
	resp, err = hc.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "audio/mpeg", resp.Header.Get("Content-Type"))
	assert.Equal(t, "Test Radio", resp.Header.Get("icy-name"))
	assert.Equal(t, "test", resp.Header.Get("icy-genre"))
	assert.Equal(t, "128", resp.Header.Get("icy-br"))
	assert.Equal(t, "line  break", resp.Header.Get("icy-description"))
	assert.Equal(t, "16000", resp.Header.Get("icy-metaint"))
	assert.Equal(t, "*", resp.Header.Get("Access-Control-Allow-Origin"))
	assert.Equal(t, 0, srv.Listeners(), "HEAD is not a listener")

	req, _ = http.NewRequest(http.MethodOptions, url+"/radio.mp3", nil)
	resp, err = hc.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusNoContent, resp.StatusCode)
	assert.Contains(t, resp.Header.Get("Access-Control-Allow-Headers"), "Icy-MetaData")
}

// TestHTTP10AndRange: an HTTP/1.0 request with Icy-MetaData (VLC's second
// request, most radio players) gets Icecast's answer: HTTP/1.0 200, no
// chunking, the stream until the connection closes; so does an HTTP/1.1
// request with "Range: bytes=0-" (VLC's first, browsers) to a mount with
// HTTP10 set. Without it, the HTTP/1.1 request gets a chunked HTTP/1.1
// answer.
func TestHTTP10AndRange(t *testing.T) {
	enc, _ := mp3Source(t)
	srv := newServer(t, nil)
	m, err := srv.Mount("/radio.mp3", enc, nil)
	require.NoError(t, err)
	m10, err := srv.Mount("/ice.mp3", enc, &listen.MountOptions{HTTP10: true})
	require.NoError(t, err)
	url := serve(t, srv)
	_, clk := onairtest.StartGraph(t, nil, m, m10)
	for range 10 {
		clk.Tick()
	}
	host := strings.TrimPrefix(url, "http://")
	for _, req := range []string{
		"GET /radio.mp3 HTTP/1.0\r\nIcy-MetaData: 1\r\nUser-Agent: NSPlayer/4.1\r\n\r\n",
		"GET /ice.mp3 HTTP/1.1\r\nHost: " + host + "\r\nRange: bytes=0-\r\n\r\n",
		"GET /radio.mp3 HTTP/1.1\r\nHost: " + host + "\r\nRange: bytes=0-\r\n\r\n",
	} {
		chunked := strings.HasPrefix(req, "GET /radio.mp3 HTTP/1.1")
		conn, err := net.Dial("tcp", host)
		require.NoError(t, err)
		require.NoError(t, conn.SetDeadline(time.Now().Add(waitTimeout)))
		_, err = conn.Write([]byte(req))
		require.NoError(t, err)
		br := bufio.NewReader(conn)
		status, err := br.ReadString('\n')
		require.NoError(t, err)
		if chunked {
			assert.Equal(t, "HTTP/1.1 200 OK\r\n", status)
		} else {
			assert.Equal(t, "HTTP/1.0 200 OK\r\n", status)
		}
		head := map[string]string{}
		for {
			line, err := br.ReadString('\n')
			require.NoError(t, err)
			if line == "\r\n" {
				break
			}
			k, v, _ := strings.Cut(strings.TrimSpace(line), ": ")
			head[strings.ToLower(k)] = v
		}
		assert.Equal(t, "close", head["connection"])
		assert.Empty(t, head["content-length"])
		if chunked {
			assert.Equal(t, "chunked", head["transfer-encoding"])
			size, err := br.ReadString('\n')
			require.NoError(t, err)
			assert.Regexp(t, `^[0-9a-f]+\r\n$`, size, "a chunk size line")
		} else {
			assert.Empty(t, head["transfer-encoding"])
		}
		if strings.Contains(req, "Icy-MetaData") {
			assert.Equal(t, "16000", head["icy-metaint"])
		} else {
			assert.Empty(t, head["icy-metaint"])
		}
		// The body is the MP3 stream: an ID3v2 tag, then frames.
		b := make([]byte, 3)
		_, err = br.Read(b)
		require.NoError(t, err)
		assert.Equal(t, "ID3", string(b))
		conn.Close()
	}
}

// TestAuth: Basic credentials, and an Auth callback reading a token.
func TestAuth(t *testing.T) {
	enc, _ := mp3Source(t)
	srv := newServer(t, nil)
	_, err := srv.Mount("/basic.mp3", enc, &listen.MountOptions{User: "fan", Password: "secret"})
	require.NoError(t, err)
	_, err = srv.Mount("/token.mp3", enc, &listen.MountOptions{Auth: func(r *http.Request) bool {
		return r.URL.Query().Get("token") == "t0k3n"
	}})
	require.NoError(t, err)
	url := serve(t, srv)
	hc := &http.Client{Timeout: waitTimeout}
	for _, c := range []struct {
		name, url, user, pass string
		want                  int
	}{
		{"no credentials", url + "/basic.mp3", "", "", 401},
		{"wrong password", url + "/basic.mp3", "fan", "nope", 401},
		{"wrong user", url + "/basic.mp3", "other", "secret", 401},
		{"right", url + "/basic.mp3", "fan", "secret", 200},
		{"no token", url + "/token.mp3", "", "", 401},
		{"token", url + "/token.mp3?token=t0k3n", "", "", 200},
	} {
		t.Run(c.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodHead, c.url, nil)
			if c.user != "" {
				req.SetBasicAuth(c.user, c.pass)
			}
			resp, err := hc.Do(req)
			require.NoError(t, err)
			resp.Body.Close()
			assert.Equal(t, c.want, resp.StatusCode)
			if c.want == 401 {
				assert.Equal(t, `Basic realm="onair"`, resp.Header.Get("WWW-Authenticate"))
			}
		})
	}
	// And a GET, not only HEAD, is refused or served.
	c := dial(t, url+"/basic.mp3", nil, false)
	assert.Equal(t, 401, c.resp.StatusCode)
	req, _ := http.NewRequest(http.MethodGet, url+"/basic.mp3", nil)
	req.SetBasicAuth("fan", "secret")
	c = dial(t, url+"/basic.mp3", map[string]string{"Authorization": req.Header.Get("Authorization")}, false)
	assert.Equal(t, 200, c.resp.StatusCode)
}

// TestLimitsCallbacksAndClose: the mount and server listener limits
// answer 503; OnConnect and OnDisconnect report each listener with its
// address and user agent; a client that leaves is reported with its
// network error; Close disconnects the rest with ErrServerClosed.
func TestLimitsCallbacksAndClose(t *testing.T) {
	enc, _ := mp3Source(t)
	srv := newServer(t, &listen.Options{MaxListeners: 3})
	ev := newEvents()
	a, err := srv.Mount("/a.mp3", enc, ev.hook(&listen.MountOptions{MaxListeners: 2}))
	require.NoError(t, err)
	b, err := srv.Mount("/b.mp3", enc, ev.hook(&listen.MountOptions{}))
	require.NoError(t, err)
	url := serve(t, srv)
	_, clk := onairtest.StartGraph(t, nil, a, b)

	ua := map[string]string{"User-Agent": "test-agent/1", "Icy-MetaData": "1"}
	c1 := dial(t, url+"/a.mp3", ua, false)
	info := ev.waitConnect(t)
	assert.Equal(t, c1.conn.LocalAddr().String(), info.RemoteAddr)
	assert.Equal(t, "test-agent/1", info.UserAgent)
	assert.Equal(t, "/a.mp3", info.Mount)
	assert.True(t, info.ICY)
	c2 := dial(t, url+"/a.mp3", nil, false)
	ev.waitConnect(t)
	c3 := dial(t, url+"/a.mp3", nil, false)
	assert.Equal(t, http.StatusServiceUnavailable, c3.resp.StatusCode, "mount limit")
	c4 := dial(t, url+"/b.mp3", nil, false)
	ev.waitConnect(t)
	c5 := dial(t, url+"/b.mp3", nil, false)
	assert.Equal(t, http.StatusServiceUnavailable, c5.resp.StatusCode, "server limit")
	assert.Equal(t, 3, srv.Listeners())
	assert.Equal(t, 2, a.Stats().Listeners)
	assert.Len(t, a.Listeners(), 2)

	// The encoder hands its codec 100 ms at a time, and the packets of a
	// job come out with the next one: 15 ticks make packets for both
	// mounts.
	for range 15 {
		clk.Tick()
	}
	require.Positive(t, a.Stats().Bytes)
	c1.waitBytes(t, a.Stats().Bytes)
	// A client that goes away is reported when the next bytes fail.
	c2.conn.Close()
	var d disconnect
	for i := 0; d.info.ID == 0; i++ {
		require.Less(t, i, 3000, "the closed client was never reported")
		clk.Tick()
		select {
		case d = <-ev.disconnect:
		default:
		}
	}
	assert.NotErrorIs(t, d.err, listen.ErrSlowListener)
	assert.NotErrorIs(t, d.err, listen.ErrServerClosed)
	assert.Equal(t, "/a.mp3", d.info.Mount)

	require.NoError(t, srv.Close())
	for range 2 {
		d := ev.waitDisconnect(t)
		assert.ErrorIs(t, d.err, listen.ErrServerClosed)
		assert.Positive(t, d.info.Sent)
	}
	assert.Error(t, c1.waitEnd(t))
	assert.Error(t, c4.waitEnd(t))
	assert.Equal(t, 0, srv.Listeners())
	st := a.Stats()
	assert.Equal(t, 2, st.Peak)
	assert.Equal(t, uint64(2), st.Connections)
	assert.Zero(t, st.Dropped)
	assert.NoError(t, srv.Close(), "Close is idempotent")
}
