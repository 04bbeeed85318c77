// Package peertest starts the real programs that network tests talk to
// (test peers) on 127.0.0.1, each on a free port, and stops them by PID
// when the test ends.
//
// The peers are Debian packages installed by scripts/test-deps.sh. A test
// whose peer is missing fails with the install hint: it never skips.
package peertest

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"testing"
	"time"
)

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago.
// Another process may take it before the caller binds it; the peers
// started here are bound right away, which keeps that window small.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("peertest: no free port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// LookPath returns the path of the program name, or fails the test with
// the hint to install it.
func LookPath(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("peertest: %s is not installed (%v): run scripts/test-deps.sh (or make test-deps) as root", name, err)
	}
	return p
}

// Poll calls check every interval until it returns nil or ctx is done; it
// then returns ctx's error joined with check's last error.
func Poll(ctx context.Context, interval time.Duration, check func() error) error {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		err := check()
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (last: %w)", ctx.Err(), err)
		case <-t.C:
		}
	}
}

// get does an HTTP GET with basic auth and returns the status and body.
func get(ctx context.Context, c *http.Client, url, user, password string) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, nil, err
	}
	req.SetBasicAuth(user, password)
	resp, err := c.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, b, err
}
