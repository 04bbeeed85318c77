package icecast_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/encode"
	"github.com/onair-go/onair/internal/peertest"
	"github.com/onair-go/onair/mux/icecast"
	"github.com/stretchr/testify/require"
)

// tlog is an slog handler target that writes to the test log until the
// test ends.
type tlog struct {
	mu   sync.Mutex
	t    testing.TB
	done bool
}

func (w *tlog) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.done {
		w.t.Log(strings.TrimSpace(string(p)))
	}
	return len(p), nil
}

func testLogger(t testing.TB) *slog.Logger {
	w := &tlog{t: t}
	t.Cleanup(func() {
		w.mu.Lock()
		w.done = true
		w.mu.Unlock()
	})
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelInfo}))
}

// station is a sine tone, an encoder and an Icecast output in a graph.
type station struct {
	sine *onair.Node
	out  *icecast.Output
	clk  *onair.Clock
	g    *onair.Graph
	stop func() error // stops a running graph and returns Run's error
}

// newStation builds the graph; clk nil means a real-time clock.
func newStation(t *testing.T, enc *encode.AudioOptions, opts *icecast.Options, clk *onair.Clock) *station {
	t.Helper()
	s := &station{sine: onair.Sine(440, nil)}
	e := *enc
	if e.Track == "" {
		e.Track = "audio_enc"
	}
	a, err := encode.Audio(s.sine, &e)
	require.NoError(t, err)
	if opts.Logger == nil {
		opts.Logger = testLogger(t)
	}
	s.out, err = icecast.New(a, opts)
	require.NoError(t, err)
	if clk == nil {
		clk = onair.NewClock("main", nil)
	}
	s.clk = clk
	s.g, err = onair.NewGraph(&onair.GraphOptions{Clock: clk, Logger: opts.Logger})
	require.NoError(t, err)
	require.NoError(t, s.g.Add(s.out))
	return s
}

// run runs the graph's real-time clock until the test ends (or stop).
func (s *station) run(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.g.Run(ctx) }()
	var once sync.Once
	var runErr error
	s.stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case runErr = <-done:
				if errors.Is(runErr, context.Canceled) {
					runErr = nil
				}
			case <-time.After(15 * time.Second):
				runErr = errors.New("graph did not stop within 15s")
			}
		})
		return runErr
	}
	t.Cleanup(func() {
		if err := s.stop(); err != nil {
			t.Errorf("graph: %v", err)
		}
	})
}

// waitStatus polls the output's status until cond holds.
func waitStatus(t *testing.T, out *icecast.Output, d time.Duration, what string, cond func(icecast.Status) bool) icecast.Status {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	var st icecast.Status
	err := peertest.Poll(ctx, 10*time.Millisecond, func() error {
		st = out.Status()
		if cond(st) {
			return nil
		}
		return errors.New(what)
	})
	require.NoError(t, err, "status: %+v", st)
	return st
}

// ffmpegDecode reads url with ffmpeg for d of media and returns what it
// printed at log level ("warning", "error"): nothing when the stream
// decodes cleanly.
func ffmpegDecode(t *testing.T, url string, d time.Duration, level string) string {
	t.Helper()
	bin := peertest.LookPath(t, "ffmpeg")
	ctx, cancel := context.WithTimeout(context.Background(), d+20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "-nostdin", "-hide_banner", "-v", level, "-i", url,
		"-t", strings.TrimSuffix(d.String(), "s"), "-f", "null", "-")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	require.NoError(t, err, "ffmpeg: %s", out.String())
	return strings.TrimSpace(out.String())
}

// mountHas returns a WaitMount condition.
func mountHas(cond func(m *peertest.IcecastMount) bool, what string) func(*peertest.IcecastMount) error {
	return func(m *peertest.IcecastMount) error {
		if cond(m) {
			return nil
		}
		return errors.New(what)
	}
}
