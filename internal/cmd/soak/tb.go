package main

import (
	"fmt"
	"os"
	"sync"
	"testing"
)

// tb is the part of testing.TB that internal/peertest uses, for a program:
// failures are printed, Fatal stops the run (recovered in run), cleanups
// run at the end. The embedded interface is nil: a method it does not
// implement panics, which would show a new use at once.
type tb struct {
	testing.TB
	name     string
	mu       sync.Mutex
	failed   bool
	cleanups []func()
	dirs     []string
}

type fatal struct{}

func newTB(name string) *tb { return &tb{name: name} }

func (t *tb) Helper()          {}
func (t *tb) Name() string     { return t.name }
func (t *tb) Cleanup(f func()) { t.mu.Lock(); t.cleanups = append(t.cleanups, f); t.mu.Unlock() }
func (t *tb) Logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
}

func (t *tb) Errorf(format string, args ...any) {
	t.mu.Lock()
	t.failed = true
	t.mu.Unlock()
	fmt.Fprintf(os.Stderr, "soak: "+format+"\n", args...)
}

func (t *tb) Fatal(args ...any) {
	t.Errorf("%s", fmt.Sprint(args...))
	panic(fatal{})
}

func (t *tb) Fatalf(format string, args ...any) {
	t.Errorf(format, args...)
	panic(fatal{})
}

func (t *tb) Failed() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.failed
}

func (t *tb) TempDir() string {
	d, err := os.MkdirTemp("", "onair-soak-")
	if err != nil {
		t.Fatalf("TempDir: %v", err)
	}
	t.mu.Lock()
	t.dirs = append(t.dirs, d)
	t.mu.Unlock()
	return d
}

// cleanup runs the cleanups, last registered first, then removes the
// temporary folders.
func (t *tb) cleanup() {
	t.mu.Lock()
	cs, ds := t.cleanups, t.dirs
	t.cleanups, t.dirs = nil, nil
	t.mu.Unlock()
	for i := len(cs) - 1; i >= 0; i-- {
		cs[i]()
	}
	for _, d := range ds {
		_ = os.RemoveAll(d)
	}
}
