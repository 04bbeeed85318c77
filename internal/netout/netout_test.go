package netout_test

import (
	"errors"
	"log/slog"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/encode"
	"github.com/onair-go/onair/fault"
	"github.com/onair-go/onair/internal/faulttest"
	"github.com/onair-go/onair/internal/netout"
	"github.com/onair-go/onair/internal/streamtest"
	"github.com/onair-go/onair/onairtest"
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
	fl := faulttest.New()
	cfg.Log = fl.Logger()
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
	// The two failures retried are one reconnect record each; giving up
	// is not a reconnect.
	fl.Check(t, fault.Reconnect, fault.KeyOutput, cfg.ID, 2, fault.KeyURL, fault.KeyRetryIn, fault.KeyErr)
}

// TestFallible: the source fails for a second and comes back; the output
// stops (the container ended, the connection closed once the queue is
// sent) and starts again on a new connection with a new container.
func TestFallible(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out.flv")
	script := onairtest.NewSource(&onairtest.Script{
		Segments: []onairtest.Segment{{Len: 1 << 30, Value: 0.1}},
		Ready:    func(tick uint64) bool { return tick <= 100 || tick > 150 },
		Fallible: true,
	})
	aac, err := encode.Audio(script, &encode.AudioOptions{Codec: "aac"})
	require.NoError(t, err)
	e, err := netout.New(aac, config("file:"+path))
	require.NoError(t, err)
	g, clk := streamtest.NewGraph(t, onair.Format{}, onair.NewOutput(aac, e, &onair.OutputOptions{Fallible: true}))
	streamtest.TickUntil(t, clk, "the source failed", func() bool { return clk.Ticks() > 120 })
	streamtest.WaitFor(t, "disconnected", func() bool { return !e.Connected() })
	streamtest.TickUntil(t, clk, "connected again", func() bool { return e.Stats().Connects == 2 && e.Connected() })
	for range 100 {
		clk.Tick()
	}
	require.NoError(t, g.Close())
	assert.NoError(t, e.Err())
	assert.Zero(t, e.Stats().Failures)
	streamtest.CheckStream(t, streamtest.Probe(t, path), false, -1, 1.0)
}
