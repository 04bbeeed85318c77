package netout_test

import (
	"errors"
	"log/slog"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/internal/netout"
	"github.com/onair-go/onair/internal/streamtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func config(url string) *netout.Config {
	return &netout.Config{ID: "t", URL: url, Shown: url, Format: "flv", Queue: 1000,
		MinRetry: 10 * time.Millisecond, MaxRetry: 40 * time.Millisecond, Log: slog.New(slog.DiscardHandler)}
}

// TestFile writes through FFmpeg's file protocol: a connection is a file.
func TestFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out.flv")
	src := streamtest.Encoded(t, true)
	e, err := netout.New(src, config("file:"+path))
	require.NoError(t, err)
	g, clk := streamtest.NewGraph(t, streamtest.AVFormat, onair.NewOutput(src, e, nil))
	streamtest.TickUntil(t, clk, "connected", e.Connected)
	for range 250 {
		clk.Tick()
	}
	require.NoError(t, g.Close())
	require.NoError(t, e.Close(), "idempotent")
	s := e.Stats()
	assert.Equal(t, int64(1), s.Connects)
	assert.Zero(t, s.Dropped)
	streamtest.CheckStream(t, streamtest.Probe(t, path), true, 5, 1.0)
}

// TestRetry: a URL that cannot be opened is retried with backoff until
// Classify says it is pointless; Close never waits on it.
func TestRetry(t *testing.T) {
	var n atomic.Int32
	errFatal := errors.New("fatal")
	cfg := config("file:" + filepath.Join(t.TempDir(), "missing", "out.flv"))
	cfg.Classify = func(err error, streamed bool) (error, bool) {
		if n.Add(1) == 3 {
			return errors.Join(errFatal, err), true
		}
		return err, false
	}
	src := streamtest.Encoded(t, false)
	e, err := netout.New(src, cfg)
	require.NoError(t, err)
	g, clk := streamtest.NewGraph(t, onair.Format{}, onair.NewOutput(src, e, nil))
	streamtest.TickUntil(t, clk, "given up", func() bool { return e.Err() != nil })
	for range 10 {
		clk.Tick()
	}
	require.NoError(t, g.Close())
	assert.ErrorIs(t, e.Err(), errFatal)
	assert.Equal(t, int32(3), n.Load())
	assert.Equal(t, int64(3), e.Stats().Failures)
	assert.Positive(t, e.Stats().Offline, "nothing muxed without a connection")
}
