package listen

import (
	"fmt"
	"log/slog"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/internal/avmux"
	"github.com/onair-go/onair/mux"
)

// Options configure a [Server]. A nil *Options means all defaults.
type Options struct {
	// Addr is the TCP address [Server.Run] listens on. It defaults to
	// ":8000", Icecast's port.
	Addr string
	// MaxListeners limits the listeners of all mounts together; a listener
	// over the limit gets 503 Service Unavailable. It defaults to no limit.
	MaxListeners int
	// ReadHeaderTimeout bounds the time a client may take to send its
	// request headers to the server of [Server.Run] and [Server.Serve]. It
	// defaults to 10s.
	ReadHeaderTimeout time.Duration
	// DrainTimeout bounds how long [Server.Close] lets the listeners of a
	// mount whose stream ended (its graph closed it) receive the rest of
	// it before it disconnects them; the listeners of other mounts are
	// disconnected at once. It defaults to 5s; a negative value
	// disconnects every listener at once.
	DrainTimeout time.Duration
	// Logger receives the server's logs (one line per listener connected
	// and disconnected, at Info). It defaults to discarding them.
	Logger *slog.Logger
}

// MountOptions configure one mount of a [Server]. A nil *MountOptions
// means all defaults.
type MountOptions struct {
	// ID names the mount's graph output. It defaults to "listen:" followed
	// by the mount path.
	ID string
	// Track is the encoded track of the source to serve (a
	// [onair.PacketTrack] made by a shared encoder, such as "audio_mp3" of
	// a multitrack source); the other tracks are left out. By default
	// every encoded track is copied, which suits a source with one.
	Track string
	// Format is the container, an FFmpeg muxer name: "mp3", "adts" (AAC),
	// "ogg" (Vorbis, Opus, FLAC) or "mpegts". It defaults to the format
	// of the mount path's extension (.mp3, .aac, .ogg/.oga/.opus, .ts).
	Format string
	// ContentType is the response's Content-Type. It defaults to the
	// format's: audio/mpeg, audio/aac, audio/ogg, video/mp2t.
	ContentType string

	// Name, Description, Genre and URL are sent as the icy-name,
	// icy-description, icy-genre and icy-url headers. Default none.
	Name, Description, Genre, URL string
	// BitRate, in kbit/s, is sent as icy-br. Default none.
	BitRate int
	// Public is sent as icy-pub (1 or 0). It defaults to 0.
	Public bool
	// HTTP10 answers every client with HTTP/1.0 and a body that ends
	// when the connection closes, as Icecast and Liquidsoap's harbor do,
	// for players that read the socket as it comes. By default a client
	// that asks in HTTP/1.1 gets an HTTP/1.1 response with a chunked body
	// instead, whose last chunk marks the end of the stream: FFmpeg
	// (ffplay, mpv) reports every end of a connection-delimited body of
	// unknown length as an error ("Stream ends prematurely"), even the
	// end of a station.
	HTTP10 bool
	// Headers are added to every response of the mount (CORS headers, for
	// instance). They default to Access-Control-Allow-Origin: *, as
	// Icecast sends; a non-nil empty map sends none.
	Headers map[string]string

	// ICY says whether listeners that send "Icy-MetaData: 1" get ICY
	// metadata blocks in the stream. It defaults to [ICYAuto].
	ICY ICYMode
	// MetaInterval is the number of stream bytes between two ICY metadata
	// blocks (icy-metaint). It defaults to 16000.
	MetaInterval int
	// Song makes the title a listener sees from the source's metadata. An
	// empty result keeps the current title. It defaults to
	// [onair.Metadata.Song] ("artist - title").
	Song func(m onair.Metadata) string

	// BurstSize is how many recent bytes a new listener gets at once, so
	// that its player can start without waiting; the listener starts at a
	// frame (MP3, ADTS), PAT packet (MPEG-TS) or page (Ogg, after the
	// logical stream's header pages) boundary at most that far back. It
	// defaults to 64 KiB (4 s of 128 kbit/s); a negative value starts
	// listeners at the live edge.
	BurstSize int
	// MaxLag is how far, in bytes, a listener may fall behind the live
	// edge before it is disconnected as too slow; it is also the size of
	// the mount's buffer, shared by every listener. It defaults to
	// 320 KiB (20 s of 128 kbit/s) or 4 times BurstSize, whichever is
	// larger, and must be larger than BurstSize.
	MaxLag int
	// Timeout disconnects a listener whose single network write blocks
	// for longer (a client that stopped reading while the stream is not
	// moving). It defaults to 30s.
	Timeout time.Duration
	// SendBuffer is the kernel send buffer of each listener's connection
	// (SO_SNDBUF): what a stuck client can hold beyond MaxLag, and the
	// kernel memory a listener costs. It defaults to 64 KiB, enough for
	// 4 Mbit/s at 100 ms of round trip; a negative value keeps the
	// system's automatic sizing.
	SendBuffer int
	// MaxListeners limits the listeners of this mount; a listener over the
	// limit gets 503 Service Unavailable. It defaults to no limit.
	MaxListeners int

	// User and Password, when Password is set, require HTTP Basic
	// authentication; an empty User accepts any user name. A failed
	// check gets 401 Unauthorized. Default: no authentication.
	User, Password string
	// Auth, when set, decides instead of User and Password whether a
	// request may listen (it may call r.BasicAuth, or read a token from
	// the query). A refused request gets 401 Unauthorized. It is called on
	// the request's goroutine.
	Auth func(r *http.Request) bool

	// OnConnect and OnDisconnect are called on the listener's goroutine
	// when a listener starts and stops receiving the stream. err is why it
	// stopped: io.EOF when the mount's stream ended and the listener got
	// all of it, [ErrSlowListener], [ErrServerClosed], or the network
	// error of a client that went away. They must not block for long, and must
	// not call [Server.Close]. Default none.
	OnConnect    func(l ListenerInfo)
	OnDisconnect func(l ListenerInfo, err error)
	// OnMetadata is called on the clock goroutine with each metadata of
	// the source when the stream reaches it, with the stream offset of its
	// position: the number of bytes written before it. Default none.
	OnMetadata func(m onair.Metadata, offset int64)

	// Fallible lets the mount run on a fallible source (listeners wait
	// while it is unready). By default a fallible source is refused when
	// the graph starts.
	Fallible bool
	// Logger receives the mount's logs. It defaults to the server's.
	Logger *slog.Logger
}

// mountConfig is a MountOptions with defaults applied.
type mountConfig struct {
	MountOptions
	icy bool // ICY metadata offered
	ogg bool
}

// Defaults of a mount.
const (
	DefaultMetaInterval = 16000
	DefaultBurstSize    = 64 << 10
	DefaultMaxLag       = 320 << 10
	DefaultTimeout      = 30 * time.Second
	DefaultSendBuffer   = 64 << 10
)

func resolveMount(p string, o *MountOptions, log *slog.Logger) (mountConfig, error) {
	var c mountConfig
	if o != nil {
		c.MountOptions = *o
	}
	if !strings.HasPrefix(p, "/") || strings.ContainsAny(p, "?# \r\n") || path.Clean(p) != p {
		return c, fmt.Errorf("%w: %q: a mount path is a clean absolute URL path such as /radio.mp3", ErrMount, p)
	}
	if c.ID == "" {
		c.ID = "listen:" + p
	}
	if c.Format == "" {
		if c.Format = avmux.FormatOfPath(p); c.Format == "" {
			return c, fmt.Errorf("listen: mount %s: %w: no Format and no known extension (.mp3, .aac, .ogg, .opus, .ts)", p, mux.ErrFormat)
		}
	}
	if c.Format == "oga" || c.Format == "opus" {
		c.Format = "ogg"
	}
	if newFramer(c.Format) == nil {
		return c, fmt.Errorf("listen: mount %s: %w %q for listeners (mp3, adts, ogg, mpegts can be served)", p, mux.ErrFormat, c.Format)
	}
	c.ogg = c.Format == "ogg"
	if c.ContentType == "" {
		if c.ContentType = avmux.ContentType(c.Format); c.ContentType == "" {
			c.ContentType = "application/octet-stream"
		}
	}
	if c.Headers == nil {
		c.Headers = map[string]string{"Access-Control-Allow-Origin": "*"}
	} else {
		h := make(map[string]string, len(c.Headers))
		for k, v := range c.Headers {
			h[k] = v
		}
		c.Headers = h
	}
	switch c.ICY {
	case ICYAuto:
		c.icy = !c.ogg
	case ICYOn:
		c.icy = true
	case ICYOff:
	default:
		return c, fmt.Errorf("%w: mount %s: unknown ICY mode %v", ErrOption, p, c.ICY)
	}
	if c.MetaInterval == 0 {
		c.MetaInterval = DefaultMetaInterval
	}
	if c.BurstSize == 0 {
		c.BurstSize = DefaultBurstSize
	}
	c.BurstSize = max(c.BurstSize, 0)
	if c.MaxLag == 0 {
		c.MaxLag = max(DefaultMaxLag, 4*c.BurstSize)
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	if c.SendBuffer == 0 {
		c.SendBuffer = DefaultSendBuffer
	}
	if c.Song == nil {
		c.Song = onair.Metadata.Song
	}
	if c.Logger == nil {
		c.Logger = log
	}
	switch {
	case c.MetaInterval < 0 || c.MetaInterval > 1<<20:
		return c, fmt.Errorf("%w: mount %s: MetaInterval %d out of range (1 to 1 MiB)", ErrOption, p, c.MetaInterval)
	case c.MaxLag <= c.BurstSize:
		return c, fmt.Errorf("%w: mount %s: MaxLag %d must be larger than BurstSize %d", ErrOption, p, c.MaxLag, c.BurstSize)
	case c.MaxLag > 1<<30:
		return c, fmt.Errorf("%w: mount %s: MaxLag %d larger than 1 GiB", ErrOption, p, c.MaxLag)
	case c.Timeout < 0:
		return c, fmt.Errorf("%w: mount %s: negative Timeout", ErrOption, p)
	case c.MaxListeners < 0:
		return c, fmt.Errorf("%w: mount %s: negative MaxListeners", ErrOption, p)
	}
	for k, v := range c.Headers {
		if strings.ContainsAny(k+v, "\r\n") || k == "" {
			return c, fmt.Errorf("%w: mount %s: header %q: empty name or line break", ErrOption, p, k)
		}
	}
	return c, nil
}
