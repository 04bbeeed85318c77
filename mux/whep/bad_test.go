package whep_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/onair-go/onair/fault"
	"github.com/onair-go/onair/internal/rtc/rtctest"
	"github.com/onair-go/onair/mux/whep"
	"github.com/pion/webrtc/v4"
	"github.com/stretchr/testify/require"
)

// pcmuOffer is a real offer (pion's) that receives PCMU audio only.
func pcmuOffer(t *testing.T) string {
	t.Helper()
	me := &webrtc.MediaEngine{}
	require.NoError(t, me.RegisterCodec(webrtc.RTPCodecParameters{
		RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypePCMU, ClockRate: 8000, Channels: 1},
		PayloadType:        0}, webrtc.RTPCodecTypeAudio))
	pc, err := webrtc.NewAPI(webrtc.WithMediaEngine(me)).NewPeerConnection(webrtc.Configuration{})
	require.NoError(t, err)
	defer pc.Close()
	_, err = pc.AddTransceiverFromKind(webrtc.RTPCodecTypeAudio, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionRecvonly})
	require.NoError(t, err)
	offer, err := pc.CreateOffer(nil)
	require.NoError(t, err)
	return offer.SDP
}

// Bad requests get a clear 4xx and a log line, never a panic; the station
// plays on.
func TestBadRequests(t *testing.T) {
	st := startStation(t, 440, nil, &whep.MountOptions{Token: "s3cret"})
	ctx := context.Background()
	c := &http.Client{Timeout: waitTimeout}
	for _, tc := range []struct {
		name, method, path, token, ctype, body string
		code                                   int
		body2                                  string // in the answer
	}{
		{"no token", "POST", "/live", "", "application/sdp", "v=0", 401, "token"},
		{"wrong token", "POST", "/live", "nope", "application/sdp", "v=0", 401, "token"},
		{"not sdp", "POST", "/live", "s3cret", "text/plain", "hello", 415, "application/sdp"},
		{"empty", "POST", "/live", "s3cret", "application/sdp", "", 400, "empty"},
		{"malformed", "POST", "/live", "s3cret", "application/sdp", "this is not SDP\r\n", 400, "malformed SDP"},
		{"no opus", "POST", "/live", "s3cret", "application/sdp", pcmuOffer(t), 400, "without Opus"},
		{"too large", "POST", "/live", "s3cret", "application/sdp", strings.Repeat("a", 70<<10), 413, "larger"},
		{"unknown mount", "POST", "/nope", "s3cret", "application/sdp", "v=0", 404, "no such mount"},
		{"get", "GET", "/live", "s3cret", "", "", 405, "POST"},
		{"delete unknown", "DELETE", "/live/sessions/0123", "s3cret", "", "", 404, "no such session"},
		{"patch unknown", "PATCH", "/live/sessions/0123", "s3cret", "application/trickle-ice-sdpfrag", "", 404, "no such session"},
	} {
		code, body, _, err := rtctest.Do(ctx, c, tc.method, st.base+tc.path, tc.token, tc.ctype, tc.body)
		require.NoError(t, err, tc.name)
		require.Equal(t, tc.code, code, "%s: %s", tc.name, body)
		require.Contains(t, body, tc.body2, tc.name)
	}
	st.logs.Wait(t, waitTimeout, "listener refused", "status=401")
	st.logs.Wait(t, waitTimeout, "listener refused", "without Opus")
	st.logs.Wait(t, waitTimeout, "listener refused", "no such session")

	// A good listener still plays, and answers OPTIONS with CORS headers.
	p := st.play(t, "s3cret", false, false)
	require.Positive(t, p.Packets.Load())
	code, _, hdr, err := rtctest.Do(ctx, c, "OPTIONS", st.url, "", "", "")
	require.NoError(t, err)
	require.Equal(t, http.StatusNoContent, code)
	require.Equal(t, "*", hdr.Get("Access-Control-Allow-Origin"))
	code, body, _, err := rtctest.Do(ctx, c, "PATCH", p.Location, "s3cret", "text/plain", "")
	require.NoError(t, err)
	require.Equal(t, http.StatusUnsupportedMediaType, code, body)
}

// Listener limits: the mount's and the server's, each 503 with a log line.
func TestLimits(t *testing.T) {
	st := startStation(t, 440, &whep.Options{MaxListeners: 2}, &whep.MountOptions{MaxListeners: 1})
	st.play(t, "", false, false)
	_, err := rtctest.Play(context.Background(), st.api, st.url, "", false, false)
	var se *rtctest.StatusError
	require.ErrorAs(t, err, &se)
	require.Equal(t, http.StatusServiceUnavailable, se.Code)
	st.logs.Wait(t, waitTimeout, "listener refused", "status=503")
	require.Equal(t, 1, st.srv.Listeners())
}

// A client that posts an offer and never connects is dropped after
// ConnectTimeout, logged.
func TestNeverConnects(t *testing.T) {
	st := startStation(t, 440, &whep.Options{ConnectTimeout: 500 * time.Millisecond}, nil)
	pc, err := st.api.NewPeerConnection(webrtc.Configuration{})
	require.NoError(t, err)
	defer pc.Close()
	_, err = pc.AddTransceiverFromKind(webrtc.RTPCodecTypeAudio, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionRecvonly})
	require.NoError(t, err)
	offer, err := pc.CreateOffer(nil)
	require.NoError(t, err)
	// The offer has no candidates and pc never gets the answer: ICE
	// cannot complete.
	code, body, _, err := rtctest.Do(context.Background(), &http.Client{}, "POST", st.url, "", "application/sdp", offer.SDP)
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, code, body)
	require.Equal(t, 1, st.srv.Listeners())
	st.logs.Wait(t, waitTimeout, "listener dropped", "peer connection failed", "connected=false")
	require.Eventually(t, func() bool { return st.srv.Listeners() == 0 }, waitTimeout, 10*time.Millisecond)
	st.faults.Check(t, fault.ListenerDropped, fault.KeyMount, "/live", 1, fault.KeyRemote, fault.KeyErr)
}

// A listener that cannot keep up (its goroutine is stuck: here in
// OnConnect) is dropped when its queue fills; the other one plays on.
func TestSlowListener(t *testing.T) {
	release := make(chan struct{})
	gone := make(chan error, 4)
	var first atomic.Bool
	first.Store(true)
	st := startStation(t, 440, nil, &whep.MountOptions{
		Queue: 5,
		OnConnect: func(whep.ListenerInfo) {
			if first.CompareAndSwap(true, false) { // the first listener's goroutine blocks
				<-release
			}
		},
		OnDisconnect: func(_ whep.ListenerInfo, err error) { gone <- err },
	})
	// The first listener's OnConnect blocks: it gets no packet, so wait
	// for the drop instead of its first packet.
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	slow, err := rtctest.Play(ctx, st.api, st.url, "", false, false)
	require.NoError(t, err)
	defer slow.Close(ctx, false)
	st.logs.Wait(t, waitTimeout, "listener connected")
	ok := st.play(t, "", false, false)
	require.Eventually(t, func() bool { return st.mount.Stats().Dropped == 1 }, waitTimeout, 10*time.Millisecond)
	close(release)
	select {
	case err := <-gone:
		require.ErrorIs(t, err, whep.ErrSlowListener)
	case <-time.After(waitTimeout):
		t.Fatal("the slow listener was not dropped")
	}
	st.logs.Wait(t, waitTimeout, "listener dropped", "too slow")
	st.faults.Check(t, fault.ListenerDropped, fault.KeyMount, "/live", 1, fault.KeyRemote, fault.KeyErr)
	n := ok.Packets.Load()
	require.Eventually(t, func() bool { return ok.Packets.Load() > n+10 }, waitTimeout, 10*time.Millisecond)
}

// A listener's late ICE candidates come by PATCH (trickle ICE): a good one
// gets 204, a malformed one 400.
func TestTrickle(t *testing.T) {
	st := startStation(t, 440, nil, nil)
	p := st.play(t, "", false, false)
	c := &http.Client{Timeout: waitTimeout}
	frag := "a=ice-ufrag:x\r\na=ice-pwd:y\r\nm=audio 9 UDP/TLS/RTP/SAVPF 0\r\na=mid:0\r\n" +
		"a=candidate:1 1 udp 2130706431 127.0.0.1 50000 typ host\r\n"
	code, body, _, err := rtctest.Do(context.Background(), c, "PATCH", p.Location, "", "application/trickle-ice-sdpfrag", frag)
	require.NoError(t, err)
	require.Equal(t, http.StatusNoContent, code, body)
	code, body, _, err = rtctest.Do(context.Background(), c, "PATCH", p.Location, "", "application/trickle-ice-sdpfrag",
		"a=candidate:garbage\r\n")
	require.NoError(t, err)
	require.Equal(t, http.StatusBadRequest, code, body)
	n := p.Packets.Load()
	require.Eventually(t, func() bool { return p.Packets.Load() > n+10 }, waitTimeout, 10*time.Millisecond)
}

// With ICE.UDPAddr every listener shares one UDP port.
func TestOneUDPPort(t *testing.T) {
	st := startStation(t, 440, &whep.Options{ICE: whep.ICE{UDPAddr: "127.0.0.1:0"}}, nil)
	a := st.play(t, "", false, false)
	b := st.play(t, "", false, false)
	ports := map[string]bool{}
	for _, p := range []*rtctest.Player{a, b} {
		pair, err := p.PC.SCTP().Transport().ICETransport().GetSelectedCandidatePair()
		require.NoError(t, err)
		require.NotNil(t, pair)
		ports[fmt.Sprint(pair.Remote.Port)] = true
	}
	require.Len(t, ports, 1, "both listeners reach the server on one port")
}
