package whep

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/onair-go/onair/fault"
	"github.com/onair-go/onair/internal/rtc"
	"github.com/pion/webrtc/v4"
)

// gatherTimeout bounds the ICE gathering done before answering (host
// candidates take milliseconds; STUN servers up to their timeout).
const gatherTimeout = 5 * time.Second

// listener is one WHEP session: a peer connection and the goroutine that
// sends it the packets of its queue.
type listener struct {
	m     *Mount
	id    string
	pc    *webrtc.PeerConnection
	track *webrtc.TrackLocalStaticRTP
	q     chan item
	up    chan struct{} // signalled when the peer connection is connected
	dcs   chan *webrtc.DataChannel
	since time.Time
	addr  string
	agent string
	sent  atomic.Int64

	once sync.Once
	kill chan struct{} // closed by stop
	err  error         // why it stopped, set before kill is closed
}

func (l *listener) stop(err error) {
	l.once.Do(func() {
		l.err = err
		close(l.kill)
	})
}

func (l *listener) stopped() bool {
	select {
	case <-l.kill:
		return true
	default:
		return false
	}
}

func (l *listener) info() ListenerInfo {
	return ListenerInfo{ID: l.id, Mount: l.m.path, RemoteAddr: l.addr, UserAgent: l.agent,
		Since: l.since, Sent: l.sent.Load()}
}

// refuse answers a refused request and logs why.
func (m *Mount) refuse(w http.ResponseWriter, r *http.Request, code int, msg string) {
	m.log.Warn("whep: listener refused", "remote", r.RemoteAddr, "status", code, "reason", msg)
	http.Error(w, msg, code)
}

// offer answers a listener's POST.
func (m *Mount) offer(w http.ResponseWriter, r *http.Request) {
	m.mu.Lock()
	ended, limit := m.ended, m.opts.MaxListeners > 0 && len(m.listeners) >= m.opts.MaxListeners
	m.mu.Unlock()
	if ended {
		m.refuse(w, r, http.StatusNotFound, "the stream has ended")
		return
	}
	if !rtc.Authorized(r, m.opts.Token, m.opts.Auth) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="whep"`)
		m.refuse(w, r, http.StatusUnauthorized, "missing or wrong bearer token")
		return
	}
	offer, ok := rtc.ReadOffer(w, r)
	if !ok {
		m.log.Warn("whep: listener refused", "remote", r.RemoteAddr, "reason", "unreadable offer")
		return
	}
	if err := rtc.CheckOffer(offer, "recv"); err != nil {
		m.refuse(w, r, http.StatusBadRequest, err.Error())
		return
	}
	if limit {
		m.refuse(w, r, http.StatusServiceUnavailable, "the mount has its listeners")
		return
	}
	if err := m.srv.admit(); err != nil {
		m.refuse(w, r, http.StatusServiceUnavailable, err.Error())
		return
	}
	l, answer, err := m.newListener(r, offer)
	if err != nil {
		m.srv.release()
		m.refuse(w, r, http.StatusBadRequest, "cannot answer the offer: "+err.Error())
		return
	}
	m.mu.Lock()
	if m.ended || (m.opts.MaxListeners > 0 && len(m.listeners) >= m.opts.MaxListeners) {
		m.mu.Unlock()
		_ = l.pc.Close()
		m.srv.release()
		m.refuse(w, r, http.StatusServiceUnavailable, "the mount has its listeners")
		return
	}
	m.listeners[l.id] = l
	m.sessions++
	m.peak = max(m.peak, len(m.listeners))
	m.mu.Unlock()
	m.srv.wg.Add(1)
	go l.run()
	rtc.WriteAnswer(w, answer, m.path+"/sessions/"+l.id)
}

// newListener makes the peer connection of an offer and its answer.
func (m *Mount) newListener(r *http.Request, offer string) (l *listener, answer string, err error) {
	pc, err := m.srv.api.NewPeerConnection(m.srv.opts.ICE.Configuration())
	if err != nil {
		return nil, "", err
	}
	defer func() {
		if err != nil {
			_ = pc.Close()
		}
	}()
	l = &listener{m: m, id: rtc.NewID(), pc: pc, q: make(chan item, m.opts.Queue),
		up: make(chan struct{}, 1), dcs: make(chan *webrtc.DataChannel, 1), kill: make(chan struct{}),
		since: time.Now(), addr: r.RemoteAddr, agent: r.UserAgent()}
	l.track, err = webrtc.NewTrackLocalStaticRTP(rtc.OpusCodec, "audio", "onair")
	if err != nil {
		return nil, "", err
	}
	sender, err := pc.AddTrack(l.track)
	if err != nil {
		return nil, "", err
	}
	go drainRTCP(sender)
	pc.OnConnectionStateChange(func(s webrtc.PeerConnectionState) {
		switch s {
		case webrtc.PeerConnectionStateConnected:
			select {
			case l.up <- struct{}{}:
			default:
			}
		case webrtc.PeerConnectionStateFailed, webrtc.PeerConnectionStateClosed:
			l.stop(ErrConnect)
		}
	})
	pc.OnDataChannel(func(dc *webrtc.DataChannel) {
		dc.OnOpen(func() {
			select {
			case l.dcs <- dc:
			default: // one data channel gets the metadata
			}
		})
	})
	if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: offer}); err != nil {
		return nil, "", err
	}
	ans, err := pc.CreateAnswer(nil)
	if err != nil {
		return nil, "", err
	}
	gathered := webrtc.GatheringCompletePromise(pc)
	if err := pc.SetLocalDescription(ans); err != nil {
		return nil, "", err
	}
	ctx, cancel := context.WithTimeout(r.Context(), gatherTimeout)
	defer cancel()
	select {
	case <-gathered:
	case <-ctx.Done(): // answer with the candidates gathered so far
	}
	return l, pc.LocalDescription().SDP, nil
}

// drainRTCP reads the receiver reports of a listener (pion needs them
// read) until its peer connection closes.
func drainRTCP(s *webrtc.RTPSender) {
	buf := make([]byte, 1500)
	for {
		if _, _, err := s.Read(buf); err != nil {
			return
		}
	}
}

// run sends the listener's queue to its peer until it stops.
func (l *listener) run() {
	m := l.m
	defer m.srv.wg.Done()
	log := m.log.With("listener", l.id, fault.KeyRemote, l.addr)
	timer := time.NewTimer(m.srv.opts.ConnectTimeout)
	defer timer.Stop()
	var dc *webrtc.DataChannel
	var meta []byte
	connected := false
	for {
		select {
		case it := <-l.q:
			if it.pkt != nil {
				if err := l.track.WriteRTP(it.pkt); err == nil {
					l.sent.Add(1)
				}
				continue
			}
			meta = it.meta // shared, never modified
			if dc != nil {
				_ = dc.SendText(string(meta))
			}
		case <-l.up:
			if connected {
				continue
			}
			connected = true
			timer.Stop()
			m.activate(l)
			log.Info("whep: listener connected", "agent", l.agent)
			if m.opts.OnConnect != nil {
				m.opts.OnConnect(l.info())
			}
		case dc = <-l.dcs:
			m.mu.Lock()
			meta = m.meta
			m.mu.Unlock()
			if meta != nil {
				_ = dc.SendText(string(meta))
			}
		case <-timer.C:
			l.stop(ErrConnect)
		case <-l.kill:
			l.finish(log, connected)
			return
		}
	}
}

// finish closes the listener's peer connection and reports why it stopped.
func (l *listener) finish(log *slog.Logger, connected bool) {
	m := l.m
	m.remove(l)
	_ = l.pc.Close()
	err := l.err
	attrs := []any{"connected", connected, "packets", l.sent.Load(), "for", time.Since(l.since).Round(time.Millisecond)}
	if errors.Is(err, ErrSlowListener) || errors.Is(err, ErrConnect) {
		log.Warn("whep: listener dropped", append(attrs, fault.ListenerDropped.Attr(), fault.KeyErr, err)...)
	} else {
		log.Info("whep: listener disconnected", append(attrs, "reason", err)...)
	}
	if connected && m.opts.OnDisconnect != nil {
		m.opts.OnDisconnect(l.info(), err)
	}
}

// session answers DELETE and PATCH on a listener's resource.
func (m *Mount) session(w http.ResponseWriter, r *http.Request, id string) {
	m.mu.Lock()
	l := m.listeners[id]
	m.mu.Unlock()
	if l == nil {
		m.refuse(w, r, http.StatusNotFound, "no such session")
		return
	}
	if !rtc.Authorized(r, m.opts.Token, m.opts.Auth) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="whep"`)
		m.refuse(w, r, http.StatusUnauthorized, "missing or wrong bearer token")
		return
	}
	switch r.Method {
	case http.MethodDelete:
		l.stop(ErrDeleted)
		w.WriteHeader(http.StatusOK)
	case http.MethodPatch:
		rtc.Patch(w, r, l.pc, m.log)
	default:
		w.Header().Set("Allow", "DELETE, PATCH, OPTIONS")
		http.Error(w, "DELETE ends the session; PATCH adds ICE candidates", http.StatusMethodNotAllowed)
	}
}
