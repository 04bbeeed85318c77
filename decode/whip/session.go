package whip

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/onair-go/onair/internal/opus"
	"github.com/onair-go/onair/internal/rtc"
	"github.com/pion/webrtc/v4"
)

// gatherTimeout bounds the ICE gathering done before answering.
const gatherTimeout = 5 * time.Second

// maxConceal is the most packets concealed in a row; a longer gap is left
// silent (the live source underruns) rather than filled with made-up audio.
const maxConceal = 5

// session is one publisher: its peer connection, and the goroutine that
// orders, decodes and hands its audio to the mount's live source.
type session struct {
	m      *Mount
	info   Publisher
	pc     *webrtc.PeerConnection
	tracks chan *webrtc.TrackRemote
	up     chan struct{}
	pw     *io.PipeWriter
	played chan error // the result of the live source's Play

	once sync.Once
	kill chan struct{} // closed by stop
	err  error         // why it stopped, set before kill is closed
}

func (s *session) stop(err error) {
	s.once.Do(func() {
		s.err = err
		close(s.kill)
	})
}

func (m *Mount) refuse(w http.ResponseWriter, r *http.Request, code int, msg string) {
	m.log.Warn("whip: publisher refused", "remote", r.RemoteAddr, "status", code, "reason", msg)
	http.Error(w, msg, code)
}

func (m *Mount) authorized(r *http.Request) bool {
	if m.opts.Token != "" || m.opts.Auth != nil {
		return rtc.Authorized(r, m.opts.Token, m.opts.Auth)
	}
	return rtc.Authorized(r, m.srv.opts.Token, m.srv.opts.Auth)
}

// offer answers a publisher's POST.
func (m *Mount) offer(w http.ResponseWriter, r *http.Request) {
	if !m.authorized(r) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="whip"`)
		m.refuse(w, r, http.StatusUnauthorized, "missing or wrong bearer token")
		return
	}
	offer, ok := rtc.ReadOffer(w, r)
	if !ok {
		m.log.Warn("whip: publisher refused", "remote", r.RemoteAddr, "reason", "unreadable offer")
		return
	}
	if err := rtc.CheckOffer(offer, "send"); err != nil {
		m.refuse(w, r, http.StatusBadRequest, err.Error())
		return
	}
	s := &session{m: m, tracks: make(chan *webrtc.TrackRemote, 1), up: make(chan struct{}, 1),
		played: make(chan error, 1), kill: make(chan struct{}),
		info: Publisher{ID: rtc.NewID(), Mount: m.path, RemoteAddr: r.RemoteAddr, UserAgent: r.UserAgent(), Since: time.Now()}}
	m.mu.Lock()
	busy := m.cur != nil
	if !busy {
		m.cur = s
	}
	m.mu.Unlock()
	if busy {
		m.refuse(w, r, http.StatusConflict, "the mount has a publisher")
		return
	}
	answer, code, err := s.start(r, offer)
	if err != nil {
		m.mu.Lock()
		m.cur = nil
		m.mu.Unlock()
		m.refuse(w, r, code, err.Error())
		return
	}
	m.srv.wg.Add(1)
	go s.run()
	rtc.WriteAnswer(w, answer, m.path+"/sessions/"+s.info.ID)
}

// start makes the peer connection and the answer, and starts the live
// source's Play on the pipe the audio will go through. On failure it
// returns the status to answer.
func (s *session) start(r *http.Request, offer string) (answer string, code int, err error) {
	pc, err := s.m.srv.api.NewPeerConnection(s.m.srv.opts.ICE.Configuration())
	if err != nil {
		return "", http.StatusInternalServerError, err
	}
	s.pc = pc
	defer func() {
		if err != nil {
			_ = pc.Close()
		}
	}()
	if _, err := pc.AddTransceiverFromKind(webrtc.RTPCodecTypeAudio,
		webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionRecvonly}); err != nil {
		return "", http.StatusInternalServerError, err
	}
	pc.OnTrack(func(t *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		if t.Kind() != webrtc.RTPCodecTypeAudio {
			go discard(t) // until the peer connection closes
			return
		}
		select {
		case s.tracks <- t:
		default:
		}
	})
	pc.OnConnectionStateChange(func(st webrtc.PeerConnectionState) {
		switch st {
		case webrtc.PeerConnectionStateConnected:
			select {
			case s.up <- struct{}{}:
			default:
			}
		case webrtc.PeerConnectionStateFailed, webrtc.PeerConnectionStateClosed:
			s.stop(ErrConnect)
		}
	})
	if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: offer}); err != nil {
		return "", http.StatusBadRequest, err
	}
	ans, err := pc.CreateAnswer(nil)
	if err != nil {
		return "", http.StatusBadRequest, err
	}
	gathered := webrtc.GatheringCompletePromise(pc)
	if err := pc.SetLocalDescription(ans); err != nil {
		return "", http.StatusBadRequest, err
	}
	ctx, cancel := context.WithTimeout(r.Context(), gatherTimeout)
	defer cancel()
	select {
	case <-gathered:
	case <-ctx.Done():
	}
	// The live source reads an endless WAV stream of the decoded audio. It
	// refuses at once while its graph is not running; otherwise it reads
	// the header now.
	pr, pw := io.Pipe()
	s.pw = pw
	go func() {
		err := s.m.live.Play(context.Background(), pr, "audio/wav")
		_ = pr.CloseWithError(errors.Join(err, io.ErrClosedPipe))
		s.played <- err
	}()
	if _, err := pw.Write(wavHeader(opus.Rate, 2)); err != nil {
		err = <-s.played
		return "", http.StatusServiceUnavailable, errors.Join(ErrInactive, err)
	}
	return pc.LocalDescription().SDP, 0, nil
}

// run waits for the publisher's audio and hands it to the live source
// until the session stops.
func (s *session) run() {
	m := s.m
	defer m.srv.wg.Done()
	log := m.log.With("publisher", s.info.ID, "remote", s.info.RemoteAddr)
	track, connected := s.await()
	var j *jitter
	if track != nil {
		j = s.media(track, log)
	}
	_ = s.pw.Close() // a clean end: what is buffered plays out
	playErr := <-s.played
	_ = s.pc.Close()
	m.mu.Lock()
	m.cur = nil
	m.mu.Unlock()
	attrs := []any{"reason", s.err, "connected", connected, "for", time.Since(s.info.Since).Round(time.Millisecond)}
	if j != nil {
		attrs = append(attrs, "lost", j.lost, "late", j.late)
	}
	if playErr != nil {
		attrs = append(attrs, "decoder", playErr)
	}
	lvl := slog.LevelInfo
	if errors.Is(s.err, ErrNoMedia) || errors.Is(s.err, ErrConnect) {
		lvl = slog.LevelWarn
	}
	log.Log(context.Background(), lvl, "whip: publisher disconnected", attrs...)
	if track != nil && m.opts.OnDisconnect != nil {
		m.opts.OnDisconnect(s.info, s.err)
	}
}

// await waits for the peer connection (ConnectTimeout) and then for the
// first audio (MediaTimeout).
func (s *session) await() (track *webrtc.TrackRemote, connected bool) {
	o := s.m.srv.opts
	timer := time.NewTimer(o.ConnectTimeout)
	defer timer.Stop()
	for {
		select {
		case <-s.up:
			connected = true
			timer.Reset(o.MediaTimeout)
		case t := <-s.tracks:
			return t, true
		case <-timer.C:
			if connected {
				s.stop(ErrNoMedia)
			} else {
				s.stop(ErrConnect)
			}
			return nil, connected
		case <-s.kill:
			return nil, connected
		}
	}
}

// media reads, orders, decodes and hands over the track's packets until
// the session stops.
func (s *session) media(track *webrtc.TrackRemote, log *slog.Logger) *jitter {
	m := s.m
	o := m.srv.opts
	j := newJitter(m.opts.Jitter, 50)
	dec, err := opus.NewDecoder(2)
	if err != nil {
		s.stop(err)
		return j
	}
	defer dec.Close()
	log.Info("whip: publisher on air", "agent", s.info.UserAgent, "codec", track.Codec().MimeType)
	if m.opts.OnConnect != nil {
		m.opts.OnConnect(s.info)
	}
	var pcm []float32
	var out []byte
	last := time.Now()
	conceal := 0
	for {
		select {
		case <-s.kill:
			return j
		default:
		}
		now := time.Now()
		wait := j.wait(now)
		if wait == 0 {
			wait = 100 * time.Millisecond // to notice a stop or the watchdog
		}
		_ = track.SetReadDeadline(now.Add(wait))
		pkt, _, err := track.ReadRTP()
		now = time.Now()
		switch {
		case err == nil:
			if len(pkt.Payload) > 0 {
				j.push(pkt.SequenceNumber, pkt.Payload, now)
				last = now
			}
		case errors.Is(err, os.ErrDeadlineExceeded) || isTimeout(err):
			if now.Sub(last) >= o.MediaTimeout {
				s.stop(ErrNoMedia)
				return j
			}
		default:
			s.stop(ErrConnect)
			return j
		}
		pcm = pcm[:0]
		for {
			p, lost, ok := j.pop(now)
			if !ok {
				break
			}
			if lost {
				if conceal++; conceal <= maxConceal {
					pcm, err = dec.Conceal(pcm)
				}
			} else {
				conceal = 0
				pcm, err = dec.Decode(pcm, p)
			}
			if err != nil {
				log.Warn("whip: bad Opus packet", "err", err)
			}
		}
		if len(pcm) == 0 {
			continue
		}
		out = appendFloats(out[:0], pcm)
		if _, err := s.pw.Write(out); err != nil {
			s.stop(err)
			return j
		}
	}
}

// discard reads and drops a track's packets (a publisher's video).
func discard(t *webrtc.TrackRemote) {
	buf := make([]byte, 1500)
	for {
		if _, _, err := t.Read(buf); err != nil {
			return
		}
	}
}

func isTimeout(err error) bool {
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}

// session answers DELETE and PATCH on a publisher's resource.
func (m *Mount) session(w http.ResponseWriter, r *http.Request, id string) {
	m.mu.Lock()
	s := m.cur
	m.mu.Unlock()
	if s == nil || s.info.ID != id {
		m.refuse(w, r, http.StatusNotFound, "no such session")
		return
	}
	if !m.authorized(r) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="whip"`)
		m.refuse(w, r, http.StatusUnauthorized, "missing or wrong bearer token")
		return
	}
	switch r.Method {
	case http.MethodDelete:
		s.stop(ErrDeleted)
		w.WriteHeader(http.StatusOK)
	case http.MethodPatch:
		rtc.Patch(w, r, s.pc, m.log)
	default:
		w.Header().Set("Allow", "DELETE, PATCH, OPTIONS")
		http.Error(w, "DELETE ends the session; PATCH adds ICE candidates", http.StatusMethodNotAllowed)
	}
}
