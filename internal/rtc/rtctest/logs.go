package rtctest

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"
)

// Logs is the output of a test's slog handler, safe for concurrent use.
type Logs struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *Logs) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *Logs) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// Wait waits, at most timeout, until the log has a line containing every
// substring, and returns it; it fails the test otherwise.
func (l *Logs) Wait(t testing.TB, timeout time.Duration, substr ...string) string {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		for _, line := range strings.Split(l.String(), "\n") {
			all := true
			for _, s := range substr {
				all = all && strings.Contains(line, s)
			}
			if all {
				return line
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no log line with %q in:\n%s", substr, l.String())
	return ""
}
