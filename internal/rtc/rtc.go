// Package rtc holds what the WHEP output (mux/whep) and the WHIP input
// (decode/whip) share: the pion API they build their peer connections with
// (Opus only, ICE settings), the checks of an SDP offer, and the HTTP side
// of WHIP and WHEP sessions (bearer tokens, CORS, resource URLs).
package rtc

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"
)

// ICE configures how peer connections find a path to their peers.
type ICE struct {
	// Servers are STUN and TURN servers (for hosts behind NAT). Default
	// none: only the host's own addresses are offered.
	Servers []webrtc.ICEServer
	// HostIPs replace the addresses of the host candidates (1:1 NAT: the
	// public address of a host with a private one). Default: the
	// interfaces' addresses.
	HostIPs []string
	// UDPAddr, when set (":8443"), makes every peer connection share one
	// UDP socket on that address, for firewalls that open one port.
	// By default each peer connection gets ephemeral ports.
	UDPAddr string
	// Loopback adds loopback addresses (127.0.0.1) to the candidates, for
	// peers on the same host. Default false, as pion's.
	Loopback bool
	// DisconnectedTimeout is how long a peer may stay silent before its
	// connection counts as lost (ICE disconnected); FailedTimeout how long
	// after that it is closed. They default to 5s and 10s.
	DisconnectedTimeout, FailedTimeout time.Duration
}

// API is a pion API for Opus audio with ICE settings, and what closing
// it releases (the shared UDP socket).
type API struct {
	*webrtc.API
	closer io.Closer
}

// Close releases the shared UDP socket, if any.
func (a *API) Close() error {
	if a.closer == nil {
		return nil
	}
	return a.closer.Close()
}

// OpusCodec is the codec every session negotiates.
var OpusCodec = webrtc.RTPCodecCapability{
	MimeType:    webrtc.MimeTypeOpus,
	ClockRate:   48000,
	Channels:    2,
	SDPFmtpLine: "minptime=10;useinbandfec=1",
}

// videoCodecs are the video codecs a publisher may offer beside its
// audio (OBS sends H.264, browsers VP8): accepting them keeps such offers
// valid for clients that fail on a declined section; the video is read and
// dropped.
var videoCodecs = []webrtc.RTPCodecParameters{
	{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeH264, ClockRate: 90000,
		SDPFmtpLine: "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f"}, PayloadType: 102},
	{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeH264, ClockRate: 90000,
		SDPFmtpLine: "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=4d001f"}, PayloadType: 104},
	{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeH264, ClockRate: 90000,
		SDPFmtpLine: "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=640032"}, PayloadType: 106},
	{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000}, PayloadType: 96},
	{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeAV1, ClockRate: 90000}, PayloadType: 45},
}

// NewAPI builds an API for ice; with video, it also accepts video sections
// (a publisher's). pion's own log lines go to log (nil: nowhere), never to
// stderr.
func NewAPI(ice ICE, video bool, log *slog.Logger) (*API, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	me := &webrtc.MediaEngine{}
	if err := me.RegisterCodec(webrtc.RTPCodecParameters{RTPCodecCapability: OpusCodec, PayloadType: 111}, webrtc.RTPCodecTypeAudio); err != nil {
		return nil, fmt.Errorf("register opus: %w", err)
	}
	for _, c := range videoCodecs {
		if !video {
			break
		}
		if err := me.RegisterCodec(c, webrtc.RTPCodecTypeVideo); err != nil {
			return nil, fmt.Errorf("register %s: %w", c.MimeType, err)
		}
	}
	se := webrtc.SettingEngine{LoggerFactory: pionLogs{log}}
	disc, failed := ice.DisconnectedTimeout, ice.FailedTimeout
	if disc <= 0 {
		disc = 5 * time.Second
	}
	if failed <= 0 {
		failed = 10 * time.Second
	}
	se.SetICETimeouts(disc, failed, time.Second)
	se.SetIncludeLoopbackCandidate(ice.Loopback)
	if len(ice.HostIPs) > 0 {
		// Host candidates announce these addresses instead of the local
		// ones (a 1:1 NAT).
		if err := se.SetICEAddressRewriteRules(webrtc.ICEAddressRewriteRule{
			External: ice.HostIPs, AsCandidateType: webrtc.ICECandidateTypeHost, Mode: webrtc.ICEAddressRewriteReplace,
		}); err != nil {
			return nil, fmt.Errorf("ice host addresses: %w", err)
		}
	}
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4, webrtc.NetworkTypeUDP6})
	a := &API{}
	if ice.UDPAddr != "" {
		conn, err := net.ListenPacket("udp", ice.UDPAddr)
		if err != nil {
			return nil, fmt.Errorf("ice udp socket: %w", err)
		}
		mux := webrtc.NewICEUDPMux(nil, conn)
		se.SetICEUDPMux(mux)
		a.closer = mux // closes conn too
	}
	// RTCP sender and receiver reports only: no NACK, TWCC or stats
	// interceptors, which audio-only sessions do not use and which would
	// cost every listener goroutines and timers.
	ir := &interceptor.Registry{}
	if err := webrtc.ConfigureRTCPReports(ir); err != nil {
		return nil, fmt.Errorf("rtcp reports: %w", err)
	}
	a.API = webrtc.NewAPI(webrtc.WithMediaEngine(me), webrtc.WithSettingEngine(se), webrtc.WithInterceptorRegistry(ir))
	return a, nil
}

// Configuration is the peer connection configuration for ice.
func (i ICE) Configuration() webrtc.Configuration {
	return webrtc.Configuration{ICEServers: i.Servers, BundlePolicy: webrtc.BundlePolicyMaxBundle}
}

// ErrOffer reports an SDP offer that cannot be answered.
var ErrOffer = errors.New("bad offer")

// CheckOffer parses an SDP offer and checks that it has an audio section
// that offers Opus, in the direction dir wants ("recv" for a listener,
// that receives, "send" for a publisher).
func CheckOffer(offer string, dir string) error {
	var s sdp.SessionDescription
	if err := s.UnmarshalString(offer); err != nil {
		return fmt.Errorf("%w: malformed SDP: %v", ErrOffer, err)
	}
	audio := false
	for _, md := range s.MediaDescriptions {
		if md.MediaName.Media != "audio" {
			continue
		}
		audio = true
		for _, a := range md.Attributes {
			if a.Key == "rtpmap" && strings.Contains(strings.ToLower(a.Value), "opus/48000") {
				return checkDirection(md, dir)
			}
		}
	}
	if !audio {
		return fmt.Errorf("%w: no audio section", ErrOffer)
	}
	return fmt.Errorf("%w: audio without Opus (opus/48000)", ErrOffer)
}

func checkDirection(md *sdp.MediaDescription, dir string) error {
	for _, a := range md.Attributes {
		switch a.Key {
		case "inactive":
			return fmt.Errorf("%w: the audio section is inactive", ErrOffer)
		case "sendonly":
			if dir == "recv" {
				return fmt.Errorf("%w: the audio section is sendonly (a listener must receive)", ErrOffer)
			}
		case "recvonly":
			if dir == "send" {
				return fmt.Errorf("%w: the audio section is recvonly (a publisher must send)", ErrOffer)
			}
		}
	}
	return nil
}
