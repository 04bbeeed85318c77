package decode_test

import (
	"context"
	"io"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/decode"
	"github.com/stretchr/testify/require"
)

// liveDeadline bounds every wait of the live tests.
const liveDeadline = 30 * time.Second

func deadline(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), liveDeadline)
	t.Cleanup(cancel)
	return ctx
}

// gate is a stream reader that hands out its data only as far as the
// test allows, and tells when the reader waits for more: then everything
// handed out so far has been decoded as far as it can be.
type gate struct {
	mu          sync.Mutex
	data        []byte
	pos, limit  int
	eof         bool // io.EOF once all data is handed out
	waiting     bool
	interrupted bool
	changed     chan struct{}
}

func newGate(data []byte) *gate { return &gate{data: data, changed: make(chan struct{})} }

func (g *gate) notify() {
	close(g.changed)
	g.changed = make(chan struct{})
}

func (g *gate) Read(p []byte) (int, error) {
	for {
		g.mu.Lock()
		switch {
		case g.interrupted:
			g.mu.Unlock()
			return 0, os.ErrDeadlineExceeded
		case g.pos < g.limit:
			n := copy(p, g.data[g.pos:g.limit])
			g.pos += n
			g.waiting = false
			g.notify()
			g.mu.Unlock()
			return n, nil
		case g.eof && g.pos == len(g.data):
			g.mu.Unlock()
			return 0, io.EOF
		}
		g.waiting = true
		g.notify()
		ch := g.changed
		g.mu.Unlock()
		<-ch
	}
}

// SetReadDeadline interrupts a blocked Read (as a net.Conn's does).
func (g *gate) SetReadDeadline(t time.Time) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if !t.IsZero() && t.Before(time.Now()) {
		g.interrupted = true
		g.notify()
	}
	return nil
}

// allow hands out n more bytes (the rest when n < 0); end makes the
// reader return io.EOF after the data.
func (g *gate) allow(n int, end bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if n < 0 {
		n = len(g.data)
	}
	g.limit = min(len(g.data), g.limit+n)
	g.eof = g.eof || end
	g.notify()
}

// waitBlocked waits until the reader asked for more than it was allowed.
func (g *gate) waitBlocked(t *testing.T, ctx context.Context) {
	t.Helper()
	for {
		g.mu.Lock()
		ok := g.waiting && g.pos == g.limit
		ch := g.changed
		g.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-ch:
		case <-ctx.Done():
			t.Fatalf("the stream reader never blocked: %v", context.Cause(ctx))
		}
	}
}

func (g *gate) handedOut() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.pos
}

// playAsync runs Play on its own goroutine and returns its result channel.
func playAsync(ctx context.Context, s *decode.LiveSource, r io.Reader, contentType string) <-chan error {
	done := make(chan error, 1)
	go func() { done <- s.Play(ctx, r, contentType) }()
	return done
}

func waitErr(t *testing.T, ctx context.Context, done <-chan error) error {
	t.Helper()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		t.Fatalf("Play did not return: %v", context.Cause(ctx))
		return nil
	}
}

func waitLive(t *testing.T, ctx context.Context, s *decode.LiveSource, what string, cond func(decode.LiveState) bool) {
	t.Helper()
	require.NoError(t, decode.WaitLive(ctx, s, cond), "waiting for: %s", what)
}

// drain ticks until the source is no longer ready after having produced
// data (at most max ticks).
func (r *rig) drain(src onair.Source, max int) {
	for range max {
		r.clk.Tick()
		if r.cap.samples > 0 && !src.Node().Ready() {
			return
		}
	}
}
