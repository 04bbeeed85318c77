package whep

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/internal/rtc"
)

// ICE configures how listeners' peer connections reach them: STUN/TURN
// servers, announced host addresses, one shared UDP port, loopback
// candidates and the timeouts of a lost peer. See the fields' docs; the
// zero ICE offers the host's interface addresses on ephemeral UDP ports.
type ICE = rtc.ICE

// Defaults of a mount and a server.
const (
	DefaultQueue          = 50 // packets: 1 s of 20 ms Opus packets
	DefaultConnectTimeout = 15 * time.Second
)

// Options configure a Server. A nil *Options means all defaults.
type Options struct {
	// ICE configures the peer connections. The zero ICE offers the host's
	// interface addresses on ephemeral UDP ports.
	ICE ICE
	// MaxListeners limits the listeners of all mounts together; a listener
	// over the limit gets 503 Service Unavailable. It defaults to no limit.
	MaxListeners int
	// ConnectTimeout drops a listener whose peer connection is not
	// connected this long after its offer was answered (a client that
	// never completes ICE). It defaults to 15s.
	ConnectTimeout time.Duration
	// Logger receives the server's logs: one line per listener connected,
	// disconnected or refused, with the reason, and pion's own lines
	// (attribute "pion": ice, dtls...; its Info lines at Debug). It
	// defaults to discarding them.
	Logger *slog.Logger
}

// MountOptions configure a mount. A nil *MountOptions means all defaults.
type MountOptions struct {
	// ID names the mount's graph output. It defaults to "whep:" followed by
	// the mount path.
	ID string
	// Track is the Opus packet track of the source to serve. It defaults
	// to the first packet track of each frame.
	Track string
	// Queue is each listener's queue, in packets (20 ms each, with the
	// default encoder settings): a listener whose queue is full is dropped
	// with [ErrSlowListener]. It defaults to 50 (1 s).
	Queue int
	// NoPacing sends each tick's packets as soon as the clock makes them.
	// By default a goroutine of the mount releases them at the pace of
	// their timestamps: a real-time clock runs its ticks in batches (up to
	// its ClockOptions.Latency, 100 ms by default, ahead of the wall clock),
	// and packets that arrive in bursts make every listener's jitter buffer
	// grow by the burst.
	NoPacing bool
	// MaxListeners limits the listeners of this mount; a listener over the
	// limit gets 503 Service Unavailable. It defaults to no limit.
	MaxListeners int
	// Token, when set, is the bearer token a listener must send
	// ("Authorization: Bearer TOKEN", or ?token=TOKEN for players that
	// cannot set headers); others get 401. Default: no authentication.
	Token string
	// Auth, when set, decides instead of Token whether a request may
	// listen. It is called on the request's goroutine.
	Auth func(r *http.Request) bool
	// OnConnect and OnDisconnect are called on the listener's goroutine
	// when a listener's peer connection is up, and when it has gone, with
	// why: [ErrDeleted], [ErrSlowListener], [ErrConnect], [ErrEnded],
	// [ErrServerClosed]. They must not block for long. Default none.
	OnConnect    func(l ListenerInfo)
	OnDisconnect func(l ListenerInfo, err error)
	// OnMetadata is called on the clock goroutine with each metadata of
	// the source when the mount reaches it. Default none.
	OnMetadata func(m onair.Metadata)
	// Fallible lets the mount run on a fallible source (listeners hear
	// nothing while it is unready). By default a fallible source is
	// refused when the graph starts.
	Fallible bool
	// Logger receives the mount's logs. It defaults to the server's.
	Logger *slog.Logger
}

// ListenerInfo describes a listener.
type ListenerInfo struct {
	// ID is the session's ID, the last element of its resource URL.
	ID string
	// Mount is the path of the mount listened to.
	Mount string
	// RemoteAddr is the address of the HTTP client that made the offer,
	// and UserAgent its User-Agent.
	RemoteAddr, UserAgent string
	// Since is when the offer was answered.
	Since time.Time
	// Sent is the number of RTP packets handed to the peer connection.
	Sent int64
}

// MountStats are the counters of a mount.
type MountStats struct {
	// Listeners is the number of listeners now (connecting or connected),
	// Peak the largest number at once.
	Listeners, Peak int
	// Sessions counts the offers answered since the mount was made;
	// Dropped the listeners dropped as too slow.
	Sessions, Dropped uint64
	// Packets is the number of RTP packets made (once, for all listeners).
	Packets uint64
	// Ended is set once the graph closed the mount.
	Ended bool
}
