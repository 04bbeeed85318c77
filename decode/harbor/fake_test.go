package harbor

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/internal/logtest"
)

// fakeSink stands for the live decoder: it keeps what it is sent.
type fakeSink struct {
	mu      sync.Mutex // guards following
	data    bytes.Buffer
	ctype   []string
	meta    []onair.Metadata
	playing int
	refuse  error         // Play returns it without reading
	changed chan struct{} // closed and replaced on every change
}

func newFakeSink() *fakeSink { return &fakeSink{changed: make(chan struct{})} }

func (f *fakeSink) notify() {
	close(f.changed)
	f.changed = make(chan struct{})
}

func (f *fakeSink) Play(ctx context.Context, r io.Reader, contentType string) error {
	f.mu.Lock()
	if f.refuse != nil {
		f.mu.Unlock()
		return f.refuse
	}
	f.ctype = append(f.ctype, contentType)
	f.playing++
	f.notify()
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		f.playing--
		f.notify()
		f.mu.Unlock()
	}()
	buf := make([]byte, 4096)
	for {
		n, err := r.Read(buf)
		f.mu.Lock()
		f.data.Write(buf[:n])
		if n > 0 {
			f.notify()
		}
		f.mu.Unlock()
		if err != nil {
			return err
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
}

func (f *fakeSink) InsertMetadata(m onair.Metadata) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.meta = append(f.meta, m)
	f.notify()
}

// wait waits until cond (called with the sink locked) holds.
func (f *fakeSink) wait(t *testing.T, what string, cond func(f *fakeSink) bool) {
	t.Helper()
	deadline := time.NewTimer(10 * time.Second)
	defer deadline.Stop()
	for {
		f.mu.Lock()
		ok, ch := cond(f), f.changed
		f.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-ch:
		case <-deadline.C:
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

func (f *fakeSink) bytes() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.data.Len()
}

type fakeHarbor struct {
	h    *Harbor
	addr string
	log  *logtest.Buffer
	sink *fakeSink
	m    *Mount
	disc chan error
}

// startFake serves a harbor with one mount, /live, fed to a fake sink.
// edit, when given, changes the mount's options.
func startFake(t *testing.T, o Options, edit ...func(*MountOptions)) *fakeHarbor {
	t.Helper()
	lb := &logtest.Buffer{}
	if o.Password == "" && o.Auth == nil {
		o.Password = "hackme"
	}
	o.Logger = slog.New(slog.NewTextHandler(lb, &slog.HandlerOptions{Level: slog.LevelDebug}))
	h, err := New(&o)
	require.NoError(t, err)
	fh := &fakeHarbor{h: h, log: lb, sink: newFakeSink(), disc: make(chan error, 16)}
	mo := &MountOptions{OnDisconnect: func(_ Client, err error) { fh.disc <- err }}
	for _, e := range edit {
		e(mo)
	}
	fh.m, err = h.addMount("/live", mo, fh.sink, nil)
	require.NoError(t, err)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	fh.addr = ln.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if !errors.Is(err, context.Canceled) {
				t.Errorf("Serve: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Errorf("Serve did not return after its context was cancelled")
		}
	})
	return fh
}

// dial opens a connection to the harbor with a deadline for the whole test step.
func (fh *fakeHarbor) dial(t *testing.T) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", fh.addr, 5*time.Second)
	require.NoError(t, err)
	require.NoError(t, c.SetDeadline(time.Now().Add(15*time.Second)))
	t.Cleanup(func() { c.Close() })
	return c
}

func basic(user, pass string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
}

// readResponse reads one response (headers and body) from br.
func readResponse(t *testing.T, br *bufio.Reader, method string) *http.Response {
	t.Helper()
	resp, err := http.ReadResponse(br, &http.Request{Method: method})
	require.NoError(t, err)
	// A refused client's connection may end with a reset once the status
	// and headers are through (net/http closes with unread input): keep
	// what was read.
	body, _ := io.ReadAll(resp.Body)
	resp.Body = io.NopCloser(bytes.NewReader(body))
	return resp
}

// readStatusLine reads the first line the harbor answers.
func readStatusLine(t *testing.T, br *bufio.Reader) string {
	t.Helper()
	line, err := br.ReadString('\n')
	require.NoError(t, err)
	return strings.TrimRight(line, "\r\n")
}

// requireClosed checks that the server closes c (reads reach EOF or a
// reset) well before the connection's own deadline.
func requireClosed(t *testing.T, c net.Conn, br *bufio.Reader) {
	t.Helper()
	_, err := io.Copy(io.Discard, br)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("the harbor did not close the connection")
	}
}

// startSource connects an authenticated SOURCE client to /live and
// returns its connection once the harbor accepted it.
func (fh *fakeHarbor) startSource(t *testing.T) (net.Conn, *bufio.Reader) {
	t.Helper()
	c := fh.dial(t)
	_, err := io.WriteString(c, "SOURCE /live HTTP/1.0\r\nAuthorization: "+basic("source", "hackme")+"\r\nContent-Type: audio/mpeg\r\nIce-Name: Test\r\n\r\n")
	require.NoError(t, err)
	br := bufio.NewReader(c)
	require.Equal(t, "HTTP/1.0 200 OK", readStatusLine(t, br))
	return c, br
}
