package icecast_test

import (
	"errors"
	"sync"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/onair-go/onair/internal/peertest"
	"github.com/onair-go/onair/mux/icecast"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRetryDelayCapped: with the default options, an output whose server
// is down tries again after 1 s, 2 s, then every DefaultMaxRetryDelay
// (3 s), not after a delay that keeps doubling: a server back after 12 s
// is streamed to again within 3 s. Fake time (synctest) gives the exact
// attempt times; the server's port refuses connections.
func TestRetryDelayCapped(t *testing.T) {
	port := peertest.FreePort(t)
	synctest.Test(t, func(t *testing.T) {
		var mu sync.Mutex
		var at, backoffs []time.Duration
		start := time.Now()
		s, clk := manualStation(t, &icecast.Options{
			Host: "127.0.0.1", Port: port, Mount: "capped.mp3",
			OnError: func(err error, attempt int, backoff time.Duration) time.Duration {
				assert.ErrorIs(t, err, syscall.ECONNREFUSED)
				mu.Lock()
				defer mu.Unlock()
				assert.Equal(t, len(at)+1, attempt)
				at = append(at, time.Since(start))
				backoffs = append(backoffs, backoff)
				return backoff
			},
		})
		clk.Tick()
		time.Sleep(20 * time.Second)
		synctest.Wait()
		assert.Equal(t, icecast.StateRetrying, s.out.Status().State)
		assert.True(t, errors.Is(s.out.Status().LastError, syscall.ECONNREFUSED))
		require.NoError(t, s.g.Close())

		mu.Lock()
		defer mu.Unlock()
		s3 := icecast.DefaultMaxRetryDelay
		assert.Equal(t, 3*time.Second, s3)
		assert.Equal(t, []time.Duration{time.Second, 2 * time.Second, s3, s3, s3, s3, s3, s3}, backoffs)
		sec := time.Second
		assert.Equal(t, []time.Duration{0, 1 * sec, 3 * sec, 6 * sec, 9 * sec, 12 * sec, 15 * sec, 18 * sec}, at,
			"attempts at the backoff delays, capped at MaxRetryDelay")
	})
}
