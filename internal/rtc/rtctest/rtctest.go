// Package rtctest has WHEP and WHIP clients made with pion, the peers of the
// tests of mux/whep and decode/whip (real peer connections over loopback).
package rtctest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/onair-go/onair/internal/rtc"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

// NewAPI returns a client API for Opus that offers loopback candidates.
func NewAPI() (*rtc.API, error) { return rtc.NewAPI(rtc.ICE{Loopback: true}, false, nil) }

// Packet is a received RTP packet and when it arrived.
type Packet struct {
	RTP *rtp.Packet
	At  time.Time
}

// Player is a WHEP client.
type Player struct {
	PC       *webrtc.PeerConnection
	Location string // the session's resource URL
	Packets  atomic.Int64
	Bytes    atomic.Int64

	keep    bool
	mu      sync.Mutex // guards the fields below
	got     []Packet
	meta    []string
	done    chan struct{}
	client  *http.Client
	token   string
	started chan struct{} // closed at the first packet
	once    sync.Once
}

// StatusError is a refused offer: the status code and the body.
type StatusError struct {
	Code int
	Body string
}

func (e *StatusError) Error() string { return fmt.Sprintf("status %d: %s", e.Code, e.Body) }

// Play connects a WHEP player to endpoint. keep keeps the packets (Take
// returns them); meta opens a data channel for the now-playing metadata.
func Play(ctx context.Context, api *rtc.API, endpoint, token string, keep, meta bool) (*Player, error) {
	pc, err := api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		return nil, err
	}
	p := &Player{PC: pc, keep: keep, done: make(chan struct{}), client: &http.Client{Timeout: 10 * time.Second},
		token: token, started: make(chan struct{})}
	if _, err := pc.AddTransceiverFromKind(webrtc.RTPCodecTypeAudio,
		webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionRecvonly}); err != nil {
		_ = pc.Close()
		return nil, err
	}
	if meta {
		dc, err := pc.CreateDataChannel("metadata", nil)
		if err != nil {
			_ = pc.Close()
			return nil, err
		}
		dc.OnMessage(func(msg webrtc.DataChannelMessage) {
			p.mu.Lock()
			p.meta = append(p.meta, string(msg.Data))
			p.mu.Unlock()
		})
	}
	pc.OnTrack(func(t *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		for {
			pkt, _, err := t.ReadRTP()
			if err != nil {
				return
			}
			now := time.Now()
			p.once.Do(func() { close(p.started) })
			p.Packets.Add(1)
			p.Bytes.Add(int64(len(pkt.Payload)))
			if p.keep {
				p.mu.Lock()
				p.got = append(p.got, Packet{RTP: pkt, At: now})
				p.mu.Unlock()
			}
		}
	})
	loc, answer, err := post(ctx, p.client, pc, endpoint, token)
	if err != nil {
		_ = pc.Close()
		return nil, err
	}
	p.Location = loc
	if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: answer}); err != nil {
		_ = pc.Close()
		return nil, err
	}
	return p, nil
}

// post sends pc's offer to endpoint and returns the resource URL and the answer.
func post(ctx context.Context, client *http.Client, pc *webrtc.PeerConnection, endpoint, token string) (string, string, error) {
	offer, err := pc.CreateOffer(nil)
	if err != nil {
		return "", "", err
	}
	gathered := webrtc.GatheringCompletePromise(pc)
	if err := pc.SetLocalDescription(offer); err != nil {
		return "", "", err
	}
	select {
	case <-gathered:
	case <-ctx.Done():
		return "", "", ctx.Err()
	}
	code, body, hdr, err := Do(ctx, client, http.MethodPost, endpoint, token, "application/sdp", pc.LocalDescription().SDP)
	if err != nil {
		return "", "", err
	}
	if code != http.StatusCreated {
		return "", "", &StatusError{Code: code, Body: body}
	}
	loc, err := url.Parse(endpoint)
	if err != nil {
		return "", "", err
	}
	ref, err := loc.Parse(hdr.Get("Location"))
	if err != nil || hdr.Get("Location") == "" {
		return "", "", fmt.Errorf("no Location in the answer: %v", err)
	}
	return ref.String(), body, nil
}

// Do makes an HTTP request and returns its status, body and headers.
func Do(ctx context.Context, client *http.Client, method, u, token, ctype, body string) (int, string, http.Header, error) {
	req, err := http.NewRequestWithContext(ctx, method, u, bytes.NewBufferString(body))
	if err != nil {
		return 0, "", nil, err
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, "", nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header, err
}

// Started is closed when the first packet arrives.
func (p *Player) Started() <-chan struct{} { return p.started }

// Take returns the packets received so far and forgets them.
func (p *Player) Take() []Packet {
	p.mu.Lock()
	defer p.mu.Unlock()
	got := p.got
	p.got = nil
	return got
}

// Metadata returns the data channel messages received so far.
func (p *Player) Metadata() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.meta...)
}

// Close sends DELETE for the session (when del is set) and closes the peer
// connection. It returns the status of the DELETE.
func (p *Player) Close(ctx context.Context, del bool) (int, error) {
	code := 0
	var err error
	if del {
		code, _, _, err = Do(ctx, p.client, http.MethodDelete, p.Location, p.token, "", "")
	}
	return code, errors.Join(err, p.PC.Close())
}

// Publisher is a WHIP client sending Opus packets.
type Publisher struct {
	PC       *webrtc.PeerConnection
	Location string
	Track    *webrtc.TrackLocalStaticRTP
	client   *http.Client
	token    string
	up       chan struct{}
	once     sync.Once
}

// Publish connects a WHIP publisher to endpoint.
func Publish(ctx context.Context, api *rtc.API, endpoint, token string) (*Publisher, error) {
	pc, err := api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		return nil, err
	}
	p := &Publisher{PC: pc, client: &http.Client{Timeout: 10 * time.Second}, token: token, up: make(chan struct{})}
	p.Track, err = webrtc.NewTrackLocalStaticRTP(rtc.OpusCodec, "audio", "publisher")
	if err != nil {
		_ = pc.Close()
		return nil, err
	}
	if _, err := pc.AddTransceiverFromTrack(p.Track,
		webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendonly}); err != nil {
		_ = pc.Close()
		return nil, err
	}
	pc.OnConnectionStateChange(func(s webrtc.PeerConnectionState) {
		if s == webrtc.PeerConnectionStateConnected {
			p.once.Do(func() { close(p.up) })
		}
	})
	loc, answer, err := post(ctx, p.client, pc, endpoint, token)
	if err != nil {
		_ = pc.Close()
		return nil, err
	}
	p.Location = loc
	if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: answer}); err != nil {
		_ = pc.Close()
		return nil, err
	}
	return p, nil
}

// Connected is closed when the peer connection is up.
func (p *Publisher) Connected() <-chan struct{} { return p.up }

// Close sends DELETE (when del is set) and closes the peer connection.
func (p *Publisher) Close(ctx context.Context, del bool) (int, error) {
	code := 0
	var err error
	if del {
		code, _, _, err = Do(ctx, p.client, http.MethodDelete, p.Location, p.token, "", "")
	}
	return code, errors.Join(err, p.PC.Close())
}
