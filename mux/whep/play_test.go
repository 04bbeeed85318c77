package whep_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/onair-go/onair/internal/tonetest"
	"github.com/onair-go/onair/mux/whep"
	"github.com/stretchr/testify/require"
)

// A pion listener gets the sine as Opus over RTP: consecutive sequence
// numbers, 960-sample timestamps, audio that decodes back (with FFmpeg's
// libopus) to the sine's level and frequency, the metadata over its data
// channel, and a DELETE that ends its session.
func TestPlay(t *testing.T) {
	events := make(chan error, 4)
	st := startStation(t, 440, nil, &whep.MountOptions{
		OnDisconnect: func(_ whep.ListenerInfo, err error) { events <- err },
	})
	p := st.play(t, "", true, true)
	pkts := collect(t, p, 100) // 2 s
	for i := 1; i < len(pkts); i++ {
		require.Equal(t, pkts[i-1].RTP.SequenceNumber+1, pkts[i].RTP.SequenceNumber, "packet %d", i)
		require.Equal(t, pkts[i-1].RTP.Timestamp+960, pkts[i].RTP.Timestamp, "packet %d", i)
		require.Equal(t, uint8(111), pkts[i].RTP.PayloadType)
	}
	left := decode(t, pkts)
	require.Len(t, left, 960*len(pkts))
	rms, freq := tonetest.Measure(left[4800:], 48000) // past the codec's start
	require.InDelta(t, 0.5/1.4142, rms, 0.05, "level of a 0.5 sine")
	require.InDelta(t, 440, freq, 5)

	require.Eventually(t, func() bool { return len(p.Metadata()) > 0 }, waitTimeout, 20*time.Millisecond)
	var md map[string]string
	require.NoError(t, json.Unmarshal([]byte(p.Metadata()[0]), &md))
	require.Equal(t, "Tone", md["title"])
	require.Equal(t, "onair", md["artist"])

	require.Equal(t, 1, st.mount.Stats().Listeners)
	require.Len(t, st.mount.Listeners(), 1)
	code, err := p.Close(context.Background(), true)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, code)
	select {
	case err := <-events:
		require.ErrorIs(t, err, whep.ErrDeleted)
	case <-time.After(waitTimeout):
		t.Fatal("no disconnect after DELETE")
	}
	require.Equal(t, 0, st.srv.Listeners())
	st.logs.Wait(t, waitTimeout, "listener disconnected", "deleted")
}

// Two listeners get the same packets: encoded and packetized once.
func TestPlayShared(t *testing.T) {
	st := startStation(t, 440, nil, nil)
	a := st.play(t, "", true, false)
	b := st.play(t, "", true, false)
	pa, pb := collect(t, a, 50), collect(t, b, 50)
	seqs := map[uint16][]byte{}
	for _, p := range pa {
		seqs[p.RTP.SequenceNumber] = p.RTP.Payload
	}
	common := 0
	for _, p := range pb {
		if want, ok := seqs[p.RTP.SequenceNumber]; ok {
			require.Equal(t, want, p.RTP.Payload)
			common++
		}
	}
	require.Positive(t, common)
	require.Equal(t, 2, st.mount.Stats().Peak)
}
