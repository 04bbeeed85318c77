package listen_test

import (
	"testing"
	"time"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/mux/listen"
	"github.com/onair-go/onair/onairtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestHeardTitle: a new title is the mount's Title as soon as the muxer
// reaches it, and its Heard title exactly when the end of the stream is
// BurstSize bytes past the title's offset, where a listener that got a
// whole burst plays; a listener's own title follows its Position minus
// its Lead. Everything runs on the manual clock: the offsets decide.
func TestHeardTitle(t *testing.T) {
	enc, sine := mp3Source(t)
	srv := newServer(t, nil)
	const burst = 16 << 10        // 1 s of 128 kbit/s
	offsets := map[string]int64{} // OnMetadata runs on the clock goroutine: the test's
	m, err := srv.Mount("/radio.mp3", enc, &listen.MountOptions{BurstSize: burst, OnMetadata: func(md onair.Metadata, off int64) {
		offsets[md["title"]] = off
	}})
	require.NoError(t, err)
	url := serve(t, srv) + "/radio.mp3"
	sine.InsertMetadata(onair.Metadata{"title": "One"}, false)
	_, clk := onairtest.StartGraph(t, nil, m)
	for range 100 { // 2 s of stream
		clk.Tick()
	}
	title, from := m.Heard()
	assert.Equal(t, "One", title)
	assert.Zero(t, from, "One starts the stream")

	sine.InsertMetadata(onair.Metadata{"title": "Two"}, false)
	for m.Title() != "Two" {
		clk.Tick()
	}
	off2 := offsets["Two"]
	require.Positive(t, off2)

	// A listener connects now: its burst puts it about a second before
	// the end of the stream, where One plays.
	dial(t, url, nil, false)
	caughtUp := func() listen.ListenerInfo {
		t.Helper()
		deadline := time.Now().Add(waitTimeout)
		for {
			ls := m.Listeners()
			if len(ls) == 1 && ls[0].Position == m.Stats().Bytes {
				return ls[0]
			}
			require.True(t, time.Now().Before(deadline), "the listener never got the whole stream: %+v", ls)
			time.Sleep(5 * time.Millisecond)
		}
	}
	info := caughtUp()
	assert.Positive(t, info.Lead)
	assert.LessOrEqual(t, info.Lead, int64(burst), "the burst is at most BurstSize")
	require.Less(t, info.Position-info.Lead, off2, "the test needs the listener to start before Two")
	assert.Equal(t, "One", info.Title, "the listener hears One: Two is in the part of its buffer not played yet")

	// Tick until the mount's listeners hear Two: exactly when the end of
	// the stream is BurstSize past Two's offset.
	ticks := 0
	for {
		heard, from := m.Heard()
		end := m.Stats().Bytes
		if end-burst >= off2 {
			assert.Equal(t, "Two", heard, "at %d bytes", end)
			assert.Equal(t, off2, from)
			break
		}
		assert.Equal(t, "One", heard, "at %d bytes", end)
		assert.Equal(t, "Two", m.Title(), "the muxer's title is Two all along")
		require.Less(t, ticks, 500)
		clk.Tick()
		ticks++
	}
	t.Logf("Two muxed at byte %d, heard %d ticks (%v of stream) later", off2, ticks, time.Duration(ticks)*20*time.Millisecond)
	assert.InDelta(t, 50, ticks, 5, "a 16 KiB burst is about a second of 128 kbit/s")

	// The listener keeps up: it plays Lead bytes behind what it was sent,
	// which is now past Two.
	info = caughtUp()
	assert.GreaterOrEqual(t, info.Position-info.Lead, off2)
	assert.Equal(t, "Two", info.Title)
}
