package whip_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/onair-go/onair/decode/whip"
	"github.com/onair-go/onair/internal/rtc/rtctest"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
	"github.com/stretchr/testify/require"
)

// A publisher's 1 kHz tone, sent over RTP with 5% of its packets lost and
// some reordered, cuts into the 220 Hz fallback, plays without a gap
// (reordered packets are put back in order, lost ones concealed), and gives
// the air back to the fallback when the publisher leaves; a second show
// comes back on air.
func TestPublish(t *testing.T) {
	gone := make(chan error, 4)
	s := startStudio(t, &whip.Options{Token: "dj"}, &whip.MountOptions{
		// A long prebuffer: on a loaded machine (or under -race) the
		// publisher's 20 ms ticks come late, and an underrun would split
		// the show.
		Prebuffer:    time.Second,
		OnDisconnect: func(_ whip.Publisher, err error) { gone <- err },
	}, true)
	pkts := opusTone(t, 1000, 2*time.Second) // 100 packets
	for show := range 2 {
		p := s.publish(t, "dj")
		send(t, p, pkts, func(i int) bool { return i%20 == 10 }, func(i int) bool { return i%7 == 3 })
		code, err := p.Close(context.Background(), true)
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, code)
		select {
		case err := <-gone:
			require.ErrorIs(t, err, whip.ErrDeleted)
		case <-time.After(waitTimeout):
			t.Fatal("no disconnect after DELETE")
		}
		line := s.logs.Wait(t, waitTimeout, "publisher disconnected", "deleted", fmt.Sprintf("publisher=%s", p.Location[len(p.Location)-24:]))
		require.Contains(t, line, "lost=5 late=0", "show %d", show)
		// The rest of the show plays out (the prebuffer), then the
		// fallback for at least a second.
		n := len(s.output())
		require.Eventually(t, func() bool { return len(s.output()) > n+2*graphRate+graphRate/2 }, waitTimeout, 20*time.Millisecond)
	}

	runs := sections(windows(s.output(), graphRate/20))
	var kinds []string
	for _, r := range runs {
		if r.kind == "other" && r.n <= 2 { // a window across a switch
			continue
		}
		if len(kinds) > 0 && kinds[len(kinds)-1] == r.kind {
			continue
		}
		kinds = append(kinds, r.kind)
		if r.kind == "live" {
			// 2 s sent; the first and last windows may straddle a switch.
			require.GreaterOrEqual(t, r.n, 36, "a live run of %d windows: %v", r.n, runs)
		}
	}
	require.Equal(t, []string{"fallback", "live", "fallback", "live", "fallback"}, kinds, fmt.Sprint(runs))
	_, on := s.mount.Publisher()
	require.False(t, on)
}

// Refusals: each a clear 4xx with a log line; the publisher on air stays.
func TestRefused(t *testing.T) {
	s := startStudio(t, &whip.Options{Token: "dj"}, nil, true)
	ctx := context.Background()
	c := &http.Client{Timeout: waitTimeout}
	// A listener's offer (receive only) is no publisher's.
	pc, err := s.api.NewPeerConnection(webrtc.Configuration{})
	require.NoError(t, err)
	defer pc.Close()
	_, err = pc.AddTransceiverFromKind(webrtc.RTPCodecTypeAudio, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionRecvonly})
	require.NoError(t, err)
	recvOffer, err := pc.CreateOffer(nil)
	require.NoError(t, err)
	for _, tc := range []struct {
		name, method, path, token, ctype, body string
		code                                   int
		want                                   string
	}{
		{"no token", "POST", "/dj", "", "application/sdp", "v=0", 401, "token"},
		{"wrong token", "POST", "/dj", "nope", "application/sdp", "v=0", 401, "token"},
		{"not sdp", "POST", "/dj", "dj", "text/plain", "x", 415, "application/sdp"},
		{"malformed", "POST", "/dj", "dj", "application/sdp", "garbage\r\n", 400, "malformed SDP"},
		{"receive only", "POST", "/dj", "dj", "application/sdp", recvOffer.SDP, 400, "recvonly"},
		{"unknown mount", "POST", "/nope", "dj", "application/sdp", "v=0", 404, "no such mount"},
		{"delete unknown", "DELETE", "/dj/sessions/42", "dj", "", "", 404, "no such session"},
	} {
		code, body, _, err := rtctest.Do(ctx, c, tc.method, s.base+tc.path, tc.token, tc.ctype, tc.body)
		require.NoError(t, err, tc.name)
		require.Equal(t, tc.code, code, "%s: %s", tc.name, body)
		require.Contains(t, body, tc.want, tc.name)
	}
	s.logs.Wait(t, waitTimeout, "publisher refused", "status=401")
	s.logs.Wait(t, waitTimeout, "publisher refused", "recvonly")

	p := s.publish(t, "dj")
	tone := opusTone(t, 1000, time.Second)
	sent := make(chan struct{})
	go func() {
		defer close(sent)
		send(t, p, tone, nil, nil)
	}()
	defer func() { <-sent }()
	_, err = rtctest.Publish(ctx, s.api, s.url, "dj")
	var se *rtctest.StatusError
	require.ErrorAs(t, err, &se)
	require.Equal(t, http.StatusConflict, se.Code)
	s.logs.Wait(t, waitTimeout, "publisher refused", "status=409")
	info, on := s.mount.Publisher()
	require.True(t, on)
	require.Equal(t, "/dj", info.Mount)
}

// A publisher that connects and never sends audio is disconnected by the
// watchdog, logged, and the mount takes the next one.
func TestNoMedia(t *testing.T) {
	s := startStudio(t, &whip.Options{MediaTimeout: 300 * time.Millisecond}, nil, true)
	s.publish(t, "")
	s.logs.Wait(t, waitTimeout, "publisher disconnected", "sent no audio")
	require.Eventually(t, func() bool { _, on := s.mount.Publisher(); return !on }, waitTimeout, 10*time.Millisecond)
	p := s.publish(t, "")
	require.NotEmpty(t, p.Location)
}

// While the mount's graph is not running a publisher gets 503.
func TestInactive(t *testing.T) {
	s := startStudio(t, nil, nil, false)
	_, err := rtctest.Publish(context.Background(), s.api, s.url, "")
	var se *rtctest.StatusError
	require.ErrorAs(t, err, &se)
	require.Equal(t, http.StatusServiceUnavailable, se.Code, se.Body)
	s.logs.Wait(t, waitTimeout, "publisher refused", "status=503")
}

// A publisher that offers video too (OBS sends H.264 beside Opus) gets its
// audio on air; the video is accepted and dropped.
func TestAudioAndVideoOffer(t *testing.T) {
	s := startStudio(t, nil, nil, true)
	var se webrtc.SettingEngine
	se.SetIncludeLoopbackCandidate(true)
	pc, err := webrtc.NewAPI(webrtc.WithSettingEngine(se)).NewPeerConnection(webrtc.Configuration{})
	require.NoError(t, err)
	defer pc.Close()
	audio, err := webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2}, "a", "obs")
	require.NoError(t, err)
	video, err := webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeH264, ClockRate: 90000}, "v", "obs")
	require.NoError(t, err)
	for _, tr := range []webrtc.TrackLocal{audio, video} {
		_, err := pc.AddTransceiverFromTrack(tr, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendonly})
		require.NoError(t, err)
	}
	offer, err := pc.CreateOffer(nil)
	require.NoError(t, err)
	gathered := webrtc.GatheringCompletePromise(pc)
	require.NoError(t, pc.SetLocalDescription(offer))
	<-gathered
	code, answer, _, err := rtctest.Do(context.Background(), &http.Client{Timeout: waitTimeout}, "POST", s.url, "",
		"application/sdp", pc.LocalDescription().SDP)
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, code, answer)
	require.Contains(t, answer, "m=video 9 ", "video accepted")
	require.NoError(t, pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: answer}))
	tone := opusTone(t, 1000, time.Second)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for i, p := range tone {
		<-tick.C
		require.NoError(t, audio.WriteRTP(&rtp.Packet{Header: rtp.Header{Version: 2, SequenceNumber: uint16(i), Timestamp: uint32(960 * i)}, Payload: p}))
		require.NoError(t, video.WriteRTP(&rtp.Packet{Header: rtp.Header{Version: 2, SequenceNumber: uint16(i), Timestamp: uint32(1800 * i)},
			Payload: []byte{0x65, 0x88, 0x84, 0x00}}))
	}
	s.logs.Wait(t, waitTimeout, "publisher on air")
}
