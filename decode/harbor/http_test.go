package harbor

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/onair-go/onair"
)

// TestLibshoutHandshake replays what libshout (ezstream, oggfwd,
// GStreamer) sends: an unauthenticated SOURCE probe over HTTP/1.0 with
// keep-alive, answered 401 with a challenge, then the authenticated
// SOURCE on the same connection.
func TestLibshoutHandshake(t *testing.T) {
	fh := startFake(t, Options{})
	c := fh.dial(t)
	br := bufio.NewReader(c)
	_, err := io.WriteString(c, "SOURCE /live HTTP/1.0\r\nHost: x\r\nContent-Type: audio/mpeg\r\nContent-Length: 0\r\nConnection: Keep-Alive\r\nPrefer: return=minimal\r\n\r\n")
	require.NoError(t, err)
	resp := readResponse(t, br, "SOURCE")
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	assert.Equal(t, `Basic realm="onair harbor"`, resp.Header.Get("WWW-Authenticate"))
	assert.False(t, resp.Close, "the probe's connection is kept alive")

	_, err = io.WriteString(c, "SOURCE /live HTTP/1.0\r\nHost: x\r\nAuthorization: "+basic("source", "hackme")+"\r\nContent-Type: audio/mpeg\r\n\r\nstream bytes")
	require.NoError(t, err)
	require.Equal(t, "HTTP/1.0 200 OK", readStatusLine(t, br))
	fh.sink.wait(t, "the stream", func(f *fakeSink) bool { return f.data.String() == "stream bytes" })
	require.NoError(t, c.Close())
	require.NoError(t, <-fh.disc, "a client that closes its stream ends cleanly")
	fh.log.Wait(t, 10*time.Second, "authentication required")
	fh.log.Wait(t, 10*time.Second, "source connected")
	fh.sink.mu.Lock()
	assert.Equal(t, []string{"audio/mpeg"}, fh.sink.ctype)
	fh.sink.mu.Unlock()
}

// TestPutExpectContinue is FFmpeg's icecast:// request: PUT over
// HTTP/1.1 with Expect: 100-continue and no Content-Length.
func TestPutExpectContinue(t *testing.T) {
	fh := startFake(t, Options{})
	c := fh.dial(t)
	br := bufio.NewReader(c)
	_, err := io.WriteString(c, "PUT /live HTTP/1.1\r\nHost: x\r\nAuthorization: "+basic("source", "hackme")+"\r\nExpect: 100-continue\r\nContent-Type: audio/mpeg\r\nIce-Name: Test\r\n\r\n")
	require.NoError(t, err)
	require.Equal(t, "HTTP/1.1 100 Continue", readStatusLine(t, br))
	_, err = io.WriteString(c, "0123456789")
	require.NoError(t, err)
	fh.sink.wait(t, "the stream", func(f *fakeSink) bool { return f.data.Len() == 10 })
	cl, ok := fh.m.Client()
	require.True(t, ok)
	assert.Equal(t, "PUT", cl.Method)
	assert.Equal(t, "Test", cl.Header.Get("Ice-Name"))
	assert.Empty(t, cl.Header.Get("Authorization"))
	require.NoError(t, c.Close())
	require.NoError(t, <-fh.disc)
	assert.False(t, fh.m.Connected())
}

// TestChunkedAndSizedBodies: curl PUT sends a Content-Length (or chunks
// when it reads a pipe); the stream ends where the body ends.
func TestChunkedAndSizedBodies(t *testing.T) {
	fh := startFake(t, Options{})
	for _, tc := range []struct{ name, req, want string }{
		{"sized", "PUT /live HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n", "abcde"},
		{"chunked", "PUT /live HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n", "hello world"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fh.sink.mu.Lock()
			fh.sink.data.Reset()
			fh.sink.mu.Unlock()
			c := fh.dial(t)
			body := tc.want
			if strings.Contains(tc.req, "chunked") {
				body = "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"
			}
			_, err := io.WriteString(c, tc.req+"Authorization: "+basic("source", "hackme")+"\r\n\r\n"+body)
			require.NoError(t, err)
			br := bufio.NewReader(c)
			require.Equal(t, "HTTP/1.0 200 OK", readStatusLine(t, br))
			require.NoError(t, <-fh.disc, "the body's end ends the stream")
			requireClosed(t, c, br)
			fh.sink.mu.Lock()
			assert.Equal(t, tc.want, fh.sink.data.String())
			fh.sink.mu.Unlock()
		})
	}
}

// TestBadClientsDoNotDisturbTheStream runs every bad client against the
// harbor while a source streams to /live, and checks each answer, each
// log line, and that the stream went on.
func TestBadClientsDoNotDisturbTheStream(t *testing.T) {
	fh := startFake(t, Options{HeaderTimeout: 300 * time.Millisecond, MaxHeaderBytes: 1024})
	src, _ := fh.startSource(t)
	feed := func(s string) {
		t.Helper()
		before := fh.sink.bytes()
		_, err := io.WriteString(src, s)
		require.NoError(t, err)
		fh.sink.wait(t, "the live stream", func(f *fakeSink) bool { return f.data.Len() == before+len(s) })
	}
	feed("first")

	request := func(t *testing.T, raw string) (*http.Response, *bufio.Reader) {
		c := fh.dial(t)
		_, err := io.WriteString(c, raw)
		require.NoError(t, err)
		br := bufio.NewReader(c)
		resp := readResponse(t, br, "GET")
		return resp, br
	}
	auth := "Authorization: " + basic("source", "hackme") + "\r\n"
	cases := []struct {
		name, raw string
		status    int
		log       string
	}{
		{"busy mount", "PUT /live HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n" + auth + "\r\n", 403, "mount in use"},
		{"busy mount, legacy SOURCE", "SOURCE /live HTTP/1.0\r\n" + auth + "\r\nbytes that must not reach the mount", 403, "mount in use"},
		{"wrong password", "SOURCE /live HTTP/1.0\r\nAuthorization: " + basic("source", "nope") + "\r\n\r\n", 401, "wrong user or password"},
		{"wrong user", "SOURCE /live HTTP/1.0\r\nAuthorization: " + basic("dj", "hackme") + "\r\n\r\n", 401, "wrong user or password"},
		{"unknown mount", "SOURCE /other HTTP/1.0\r\n" + auth + "\r\n", 404, "unknown mount"},
		{"garbage", "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 garbage\r\n\r\n", 400, "malformed request"},
		{"oversized headers", "SOURCE /live HTTP/1.0\r\nX-Big: " + strings.Repeat("a", 8<<10) + "\r\n\r\n", 431, "request headers too large"},
		{"listener GET", "GET /live HTTP/1.0\r\n\r\n", 405, "request refused"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp, br := request(t, tc.raw)
			assert.Equal(t, tc.status, resp.StatusCode)
			if tc.status == 401 {
				assert.NotEmpty(t, resp.Header.Get("WWW-Authenticate"))
			}
			if tc.status != 405 {
				requireClosed(t, nil, br)
			}
			fh.log.Wait(t, 10*time.Second, tc.log)
		})
	}
	t.Run("silent client", func(t *testing.T) {
		c := fh.dial(t)
		requireClosed(t, c, bufio.NewReader(c))
		fh.log.Wait(t, 10*time.Second, "no complete request before the header timeout")
	})
	t.Run("endless headers", func(t *testing.T) {
		// A header line every 50 ms, never the end of the headers: the
		// header timeout closes the connection.
		c := fh.dial(t)
		closed := make(chan struct{})
		go func() {
			defer close(closed)
			_, _ = io.Copy(io.Discard, c)
		}()
		_, err := io.WriteString(c, "SOURCE /live HTTP/1.0\r\n")
		require.NoError(t, err)
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for i := 0; ; i++ {
			select {
			case <-closed:
				fh.log.Wait(t, 10*time.Second, "no complete request before the header timeout")
				return
			case <-tick.C:
				if _, err := fmt.Fprintf(c, "X-Header-%d: more\r\n", i); err != nil {
					<-closed
					return
				}
			}
		}
	})
	t.Run("OPTIONS upgrade to TLS", func(t *testing.T) {
		resp, br := request(t, "OPTIONS * HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: TLS/1.0, HTTP/1.1\r\n\r\n")
		assert.NotEqual(t, http.StatusSwitchingProtocols, resp.StatusCode)
		requireClosed(t, nil, br)
		fh.log.Wait(t, 10*time.Second, "protocol upgrade refused")
	})

	feed("second")
	require.True(t, fh.m.Connected(), "the live source is still connected")
	fh.sink.mu.Lock()
	assert.Equal(t, "firstsecond", fh.sink.data.String(), "the live stream got all its bytes and nothing else")
	assert.Equal(t, 1, fh.sink.playing)
	fh.sink.mu.Unlock()
	select {
	case err := <-fh.disc:
		t.Fatalf("the live source was disconnected: %v", err)
	default:
	}
}

// TestSourceTimeout: a source that stops sending is disconnected after
// Options.Timeout with ErrTimeout, and the mount accepts a new client.
func TestSourceTimeout(t *testing.T) {
	fh := startFake(t, Options{Timeout: 200 * time.Millisecond})
	src, br := fh.startSource(t)
	_, err := io.WriteString(src, "some audio")
	require.NoError(t, err)
	err = <-fh.disc
	require.ErrorIs(t, err, ErrTimeout)
	requireClosed(t, src, br)
	fh.log.Wait(t, 10*time.Second, "source timed out")
	assert.False(t, fh.m.Connected())
	fh.startSource(t)
	require.Eventually(t, fh.m.Connected, 5*time.Second, 5*time.Millisecond)
}

// TestDisconnectAndClose: Mount.Disconnect kicks the client; Harbor.Close
// disconnects sources and refuses new ones.
func TestDisconnectAndClose(t *testing.T) {
	fh := startFake(t, Options{})
	src, br := fh.startSource(t)
	fh.sink.wait(t, "Play", func(f *fakeSink) bool { return f.playing == 1 })
	fh.m.Disconnect()
	require.ErrorIs(t, <-fh.disc, ErrKicked)
	requireClosed(t, src, br)

	src, br = fh.startSource(t)
	fh.sink.wait(t, "Play", func(f *fakeSink) bool { return f.playing == 1 })
	require.NoError(t, fh.h.Close())
	require.ErrorIs(t, <-fh.disc, ErrClosed)
	requireClosed(t, src, br)
	require.NoError(t, fh.h.Close(), "Close is idempotent")

	c := fh.dial(t)
	_, err := io.WriteString(c, "SOURCE /live HTTP/1.0\r\nAuthorization: "+basic("source", "hackme")+"\r\n\r\n")
	require.NoError(t, err)
	resp := readResponse(t, bufio.NewReader(c), "SOURCE")
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
	_, err = fh.h.addMount("/late", nil, newFakeSink(), nil)
	require.ErrorIs(t, err, ErrClosed)
}

// TestDecoderRefuses: when the decoder refuses a stream before reading it
// (its graph is not running), the client gets a 503 naming the cause, and
// is never connected.
func TestDecoderRefuses(t *testing.T) {
	var connected atomic.Bool
	fh := startFake(t, Options{}, func(mo *MountOptions) {
		mo.OnConnect = func(Client) { connected.Store(true) }
	})
	fh.sink.mu.Lock()
	fh.sink.refuse = errors.New("live source is not active")
	fh.sink.mu.Unlock()
	c := fh.dial(t)
	_, err := io.WriteString(c, "SOURCE /live HTTP/1.0\r\nAuthorization: "+basic("source", "hackme")+"\r\n\r\n")
	require.NoError(t, err)
	resp := readResponse(t, bufio.NewReader(c), "SOURCE")
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
	body, _ := io.ReadAll(resp.Body)
	assert.Contains(t, string(body), "live source is not active")
	fh.log.Wait(t, 10*time.Second, "source refused")
	assert.False(t, connected.Load())
	assert.False(t, fh.m.Connected())
	select {
	case err := <-fh.disc:
		t.Fatalf("OnDisconnect called for a client never connected: %v", err)
	default:
	}
}

// TestAuthFunc: the callback sees user, password, mount and address; a
// mount's own password replaces the harbor's.
func TestAuthFunc(t *testing.T) {
	var mu sync.Mutex
	var seen []Credentials
	fh := startFake(t, Options{Auth: func(c Credentials) bool {
		mu.Lock()
		defer mu.Unlock()
		seen = append(seen, c)
		return c.User == "dj" && c.Password == "secret" && strings.HasPrefix(c.RemoteAddr, "127.0.0.1:")
	}})
	c := fh.dial(t)
	_, err := io.WriteString(c, "SOURCE /live HTTP/1.0\r\nAuthorization: "+basic("dj", "secret")+"\r\n\r\n")
	require.NoError(t, err)
	require.Equal(t, "HTTP/1.0 200 OK", readStatusLine(t, bufio.NewReader(c)))
	mu.Lock()
	require.Len(t, seen, 1)
	assert.Equal(t, "/live", seen[0].Mount)
	mu.Unlock()
	c.Close()
	require.NoError(t, <-fh.disc)

	sink := newFakeSink()
	_, err = fh.h.addMount("/own", &MountOptions{Password: "own"}, sink, nil)
	require.NoError(t, err)
	for _, tc := range []struct {
		user, pass string
		want       string
	}{
		{"dj", "secret", "HTTP/1.0 401 Unauthorized"},
		{"source", "own", "HTTP/1.0 200 OK"},
	} {
		c := fh.dial(t)
		_, err := io.WriteString(c, "SOURCE /own HTTP/1.0\r\nAuthorization: "+basic(tc.user, tc.pass)+"\r\n\r\n")
		require.NoError(t, err)
		assert.Equal(t, tc.want, readStatusLine(t, bufio.NewReader(c)))
		c.Close()
	}
}

func TestOptionsAndMounts(t *testing.T) {
	_, err := New(nil)
	require.ErrorIs(t, err, onair.ErrInvalidOption)
	_, err = New(&Options{})
	require.ErrorIs(t, err, onair.ErrInvalidOption)
	_, err = New(&Options{Password: "x", Timeout: -1})
	require.ErrorIs(t, err, onair.ErrInvalidOption)
	h, err := New(&Options{Password: "x"})
	require.NoError(t, err)
	for _, p := range []string{"", "/", "/admin", "/admin/metadata", "/a b", "/a?b"} {
		_, err := h.addMount(p, nil, newFakeSink(), nil)
		require.ErrorIs(t, err, onair.ErrInvalidOption, "path %q", p)
	}
	_, err = h.addMount("live", nil, newFakeSink(), nil)
	require.NoError(t, err)
	_, err = h.addMount("/live", nil, newFakeSink(), nil)
	require.True(t, errors.Is(err, ErrMountExists))
	assert.Equal(t, []string{"/live"}, h.Mounts())
}
