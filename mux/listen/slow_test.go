package listen_test

import (
	"io"
	"os"
	"testing"
	"time"

	"github.com/onair-go/onair/fault"
	"github.com/onair-go/onair/internal/faulttest"
	"github.com/onair-go/onair/mux/listen"
	"github.com/onair-go/onair/onairtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSlowListenerDropped: one client stops reading after the response
// head. The test goroutine ticks the manual clock itself, so a tick that
// waited for that client would hang the test; instead the mount keeps
// muxing, the stuck client falls MaxLag bytes behind and is disconnected
// with ErrSlowListener, and the other listeners receive every byte.
func TestSlowListenerDropped(t *testing.T) {
	enc, _ := mp3Source(t)
	srv := newServer(t, nil)
	ev := newEvents()
	const maxLag = 48 << 10
	fl := faulttest.New()
	m, err := srv.Mount("/radio.mp3", enc, ev.hook(&listen.MountOptions{BurstSize: 8 << 10, MaxLag: maxLag, SendBuffer: 16 << 10, Logger: fl.Logger()}))
	require.NoError(t, err)
	url := serve(t, srv) + "/radio.mp3"
	_, clk := onairtest.StartGraph(t, nil, m)

	good := []*client{
		dial(t, url, nil, false),
		dial(t, url, map[string]string{"Icy-MetaData": "1"}, false),
		dial(t, url, nil, false),
	}
	for range good {
		ev.waitConnect(t)
	}
	stuck := dial(t, url, nil, true)
	stuckInfo := ev.waitConnect(t)
	require.Equal(t, stuck.conn.LocalAddr().String(), stuckInfo.RemoteAddr)

	// Tick until the stuck client is dropped. Every second of stream the
	// good listeners must have caught up; the stuck one never reads.
	var (
		dropped  disconnect
		ticks    int
		slowest  time.Duration
		deadline = time.Now().Add(2 * waitTimeout)
	)
	for dropped.info.ID == 0 {
		require.Less(t, ticks, 30000, "the stuck listener was never dropped (10 minutes of stream)")
		require.True(t, time.Now().Before(deadline), "ticking took too long")
		start := time.Now()
		clk.Tick()
		slowest = max(slowest, time.Since(start))
		ticks++
		if ticks%50 == 0 {
			total := m.Stats().Bytes
			for _, c := range good {
				c.waitBytes(t, total)
			}
		}
		select {
		case dropped = <-ev.disconnect:
		default:
		}
	}
	require.Equal(t, stuckInfo.ID, dropped.info.ID, "only the stuck listener is dropped")
	require.ErrorIs(t, dropped.err, listen.ErrSlowListener)
	assert.Less(t, dropped.info.Sent, m.Stats().Bytes-maxLag, "dropped once more than MaxLag behind")
	// The drop is one listener_dropped record, counted once (disconnect
	// runs the callback after logging).
	fl.Check(t, fault.ListenerDropped, fault.KeyMount, "/radio.mp3", 1, fault.KeyRemote, fault.KeyErr)
	t.Logf("dropped after %d ticks (%d stream bytes, %d sent to it): %v; slowest tick %v",
		ticks, m.Stats().Bytes, dropped.info.Sent, dropped.err, slowest)

	// The others go on.
	for range 100 {
		clk.Tick()
	}
	total := m.Stats().Bytes
	var ref []byte
	for i, c := range good {
		c.waitBytes(t, total)
		data, _ := c.data()
		if i == 0 {
			ref = data[:total]
			continue
		}
		assert.Equal(t, ref, data[:total], "listener %d got the whole stream", i)
	}
	assert.Empty(t, decodeErrors(t, "warning", "mp3", ref))
	st := m.Stats()
	assert.Equal(t, uint64(1), st.Dropped)
	assert.Equal(t, 3, st.Listeners)
	// The server closed the stuck client's connection.
	require.NoError(t, stuck.conn.SetReadDeadline(time.Now().Add(waitTimeout)))
	_, err = io.Copy(io.Discard, stuck.conn)
	assert.NotErrorIs(t, err, os.ErrDeadlineExceeded)
}
