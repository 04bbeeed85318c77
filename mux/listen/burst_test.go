package listen_test

import (
	"bytes"
	"testing"

	"github.com/onair-go/onair/mux/listen"
	"github.com/onair-go/onair/onairtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestBurstOnConnect: a listener that joins a running stream gets at once,
// before the next tick, the last BurstSize bytes or a little less: from
// the first MP3 frame boundary in them. Then it goes on with the live
// stream. A negative BurstSize starts listeners at the live edge.
func TestBurstOnConnect(t *testing.T) {
	const burst = 16 << 10
	enc, _ := mp3Source(t)
	srv := newServer(t, nil)
	ev := newEvents()
	m, err := srv.Mount("/radio.mp3", enc, ev.hook(&listen.MountOptions{BurstSize: burst}))
	require.NoError(t, err)
	live, err := srv.Mount("/live.mp3", enc, ev.hook(&listen.MountOptions{BurstSize: -1}))
	require.NoError(t, err)
	url := serve(t, srv)
	_, clk := onairtest.StartGraph(t, nil, m, live)

	ref := dial(t, url+"/radio.mp3", nil, false)
	ev.waitConnect(t)
	for range 200 { // 4 s, about 64 KB
		clk.Tick()
	}
	written := m.Stats().Bytes
	require.Greater(t, written, int64(3*burst))
	ref.waitBytes(t, written)
	full, _ := ref.data()

	late := dial(t, url+"/radio.mp3", nil, false)
	ev.waitConnect(t)
	late.waitBytes(t, 2048)
	got, _ := late.data()
	start := int64(bytes.Index(full, got[:2048]))
	require.GreaterOrEqual(t, start, int64(0), "the burst is a part of the stream")
	n := written - start
	t.Logf("burst of %d bytes from offset %d of %d", n, start, written)
	assert.LessOrEqual(t, n, int64(burst))
	assert.Greater(t, n, int64(burst-1024-1500), "within one start-point gap and one frame of BurstSize")
	assert.Equal(t, byte(0xFF), full[start], "starts on an MP3 frame header")
	assert.Equal(t, byte(0xE0), full[start+1]&0xE0)
	late.waitBytes(t, n) // all of it without a tick

	// With no burst, a listener starts at the next frame boundary.
	edge := dial(t, url+"/live.mp3", nil, false)
	ev.waitConnect(t)
	liveStart := live.Stats().Bytes
	for range 50 {
		clk.Tick()
	}
	written = m.Stats().Bytes
	ref.waitBytes(t, written)
	late.waitBytes(t, written-start)
	full, _ = ref.data()
	got, _ = late.data()
	assert.Equal(t, full[start:written], got[:written-start], "the late listener goes on with the live stream")
	assert.Empty(t, decodeErrors(t, "warning", "mp3", got), "the burst starts on a frame: it decodes cleanly")

	liveTotal := live.Stats().Bytes
	edge.waitBytes(t, 1)
	first, _ := edge.data()
	assert.Equal(t, byte(0xFF), first[0], "the live-edge listener starts on a frame")
	edge.waitBytes(t, liveTotal-liveStart-1500)
	edgeData, _ := edge.data()
	assert.LessOrEqual(t, int64(len(edgeData)), liveTotal-liveStart, "nothing from before the connection")
}
