package whep_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/encode"
	"github.com/onair-go/onair/mux/whep"
	"github.com/pion/webrtc/v4"
)

// A station served over WHEP, and a pion listener: it POSTs its offer,
// gets the answer, and receives the Opus packets.
func Example() {
	// The station: a tone encoded once to Opus, served at /live.
	srv, _ := whep.NewServer(&whep.Options{ICE: whep.ICE{Loopback: true}})
	defer srv.Close()
	enc, _ := encode.Audio(onair.Sine(440, nil), &encode.AudioOptions{Codec: "libopus"})
	live, _ := srv.Mount("/live", enc, nil)
	graph, _ := onair.NewGraph(&onair.GraphOptions{Format: onair.Format{SampleRate: 48000}})
	_ = graph.Add(live)
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan error, 1)
	go func() { ran <- graph.Run(ctx) }()
	defer func() { cancel(); <-ran; graph.Close() }()
	hs := httptest.NewServer(srv) // or http.Handle("/live", srv); http.Handle("/live/", srv)
	defer hs.Close()

	// A listener (a browser does the same in JavaScript).
	var se webrtc.SettingEngine
	se.SetIncludeLoopbackCandidate(true)
	pc, _ := webrtc.NewAPI(webrtc.WithSettingEngine(se)).NewPeerConnection(webrtc.Configuration{})
	defer pc.Close()
	_, _ = pc.AddTransceiverFromKind(webrtc.RTPCodecTypeAudio,
		webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionRecvonly})
	got := make(chan string, 1)
	pc.OnTrack(func(t *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		if _, _, err := t.ReadRTP(); err == nil {
			got <- t.Codec().MimeType
		}
	})
	offer, _ := pc.CreateOffer(nil)
	gathered := webrtc.GatheringCompletePromise(pc)
	_ = pc.SetLocalDescription(offer)
	<-gathered
	resp, err := http.Post(hs.URL+"/live", "application/sdp", strings.NewReader(pc.LocalDescription().SDP))
	if err != nil {
		fmt.Println(err)
		return
	}
	answer, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Println(resp.Status, strings.HasPrefix(resp.Header.Get("Location"), "/live/sessions/"))
	_ = pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: string(answer)})
	select {
	case codec := <-got:
		fmt.Println("receiving", codec)
	case <-time.After(30 * time.Second):
		fmt.Println("no audio")
	}
	// Output:
	// 201 Created true
	// receiving audio/opus
}
