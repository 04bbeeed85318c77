package control_test

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/onair-go/onair/control"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Over HTTP/2 (no hijacking) the stream is written through the
// ResponseWriter: the same events arrive.
func TestEventsHTTP2(t *testing.T) {
	r := newRig(t, &control.Options{Token: token, SampleEvery: 1})
	r.start()
	srv := httptest.NewUnstartedServer(r.ctl)
	srv.EnableHTTP2 = true
	srv.StartTLS()
	t.Cleanup(srv.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "GET", srv.URL+"/events", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := srv.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, 2, resp.ProtoMajor, "the test needs HTTP/2")
	require.Equal(t, "text/event-stream", resp.Header.Get("Content-Type"))
	sse := &sseReader{t: t, sc: bufio.NewScanner(resp.Body)}
	name, hello := sse.next()
	require.Equal(t, "hello", name)
	assert.Equal(t, "Band - One", hello.Title)
	r.act("/skip", `{"source":"music"}`)
	r.clk.Tick()
	assert.Equal(t, "Band - Two", sse.until("track").Title)
	require.NoError(t, r.ctl.Close())
	for sse.sc.Scan() {
	}
	assert.Zero(t, r.ctl.Subscribers())
}

// A client that stops reading holds nothing for ever: events past its
// buffer are missed, and Close returns (its connection is closed once
// the end of the stream could not be written within a second).
func TestEventsStuckClient(t *testing.T) {
	r := newRig(t, &control.Options{Token: token, SampleEvery: 1, PublicStatus: true})
	r.start()
	addr := strings.TrimPrefix(r.srv.URL, "http://")
	conn, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer conn.Close()
	if tc, ok := conn.(*net.TCPConn); ok {
		require.NoError(t, tc.SetReadBuffer(4096))
	}
	_, err = fmt.Fprintf(conn, "GET /events HTTP/1.1\r\nHost: %s\r\n\r\n", addr)
	require.NoError(t, err)
	require.Eventually(t, func() bool { return r.ctl.Subscribers() == 1 }, 10*time.Second, time.Millisecond)
	// Fill the socket buffers until the stream's writer is stuck in a
	// write: it takes no event for 100 in a row.
	title := strings.Repeat("x", 10000)
	for i := 0; r.ctl.Missed() < 100; i++ {
		require.Less(t, i, 100000, "the writer never got stuck")
		r.ctl.Publish(control.Event{Type: "metadata", Title: fmt.Sprint(title, i)})
	}
	closed := make(chan error, 1)
	go func() { closed <- r.ctl.Close() }()
	select {
	case err := <-closed:
		require.NoError(t, err)
	case <-time.After(30 * time.Second):
		t.Fatal("Close hangs on a client that stopped reading")
	}
	assert.Zero(t, r.ctl.Subscribers())
}

// An HTTP/1.0 client gets the stream without chunks, ended by the end of
// the connection.
func TestEventsHTTP10(t *testing.T) {
	r := newRig(t, &control.Options{Token: token, SampleEvery: 1, PublicStatus: true})
	r.start()
	addr := strings.TrimPrefix(r.srv.URL, "http://")
	conn, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer conn.Close()
	_, err = fmt.Fprintf(conn, "GET /events HTTP/1.0\r\nHost: %s\r\n\r\n", addr)
	require.NoError(t, err)
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Empty(t, resp.TransferEncoding, "no chunks for HTTP/1.0")
	assert.True(t, resp.Close)
	sse := &sseReader{t: t, sc: bufio.NewScanner(resp.Body)}
	name, hello := sse.next()
	require.Equal(t, "hello", name)
	assert.Equal(t, "Band - One", hello.Title)
	r.ctl.Publish(control.Event{Type: "metadata", Title: "After"})
	assert.Equal(t, "After", sse.until("metadata").Title)
	require.NoError(t, r.ctl.Close())
	for sse.sc.Scan() {
	}
	assert.NoError(t, sse.sc.Err(), "the stream ends with the connection")
}
