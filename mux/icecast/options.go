package icecast

import (
	"fmt"
	"log/slog"
	"maps"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/internal/avmux"
	"github.com/onair-go/onair/mux"
)

// Method is the HTTP method a source client streams with.
type Method uint8

const (
	// MethodPut is HTTP PUT, the method of Icecast 2.4 and later (with
	// "Expect: 100-continue").
	MethodPut Method = iota
	// MethodSource is the legacy SOURCE method of Icecast 2.3 and
	// earlier, which 2.4 still accepts.
	MethodSource
)

func (m Method) String() string {
	switch m {
	case MethodPut:
		return "PUT"
	case MethodSource:
		return "SOURCE"
	}
	return "Method(" + strconv.Itoa(int(m)) + ")"
}

// MetadataMode says how title changes reach the server.
type MetadataMode uint8

const (
	// MetadataAuto sends metadata in band for Ogg formats and through the
	// admin API otherwise.
	MetadataAuto MetadataMode = iota
	// MetadataAdmin sends each title with GET /admin/metadata?mode=updinfo
	// (MP3, AAC and other formats that carry no tags in the stream).
	MetadataAdmin
	// MetadataInBand starts a new container whose header holds the
	// metadata (for Ogg: a new chained logical stream with a comment
	// header), see [mux.WriterOutput.ReopenWith].
	MetadataInBand
	// MetadataOff sends no metadata.
	MetadataOff
)

// DefaultMaxRetryDelay is the default [Options.MaxRetryDelay], the
// longest wait between two connection attempts.
const DefaultMaxRetryDelay = 3 * time.Second

// GiveUp, returned by [Options.OnError], stops the output from trying
// again.
const GiveUp time.Duration = -1

// Options configure an Icecast output. A nil *Options means all defaults,
// but a mount (or URL) is always needed.
type Options struct {
	// URL is the server and mount, "http://[user[:password]@]host[:port]/mount"
	// ("icecast://" is accepted too). The user and password in the URL
	// take the place of User and Password. Give either URL or Mount.
	URL string
	// Host is the server's host name or address. It defaults to
	// "localhost".
	Host string
	// Port is the server's port. It defaults to 8000.
	Port int
	// Mount is the mount point ("live.mp3" or "/live.mp3").
	Mount string
	// User is the source user. It defaults to "source".
	User string
	// Password is the source password. It defaults to "hackme", the
	// password of Icecast's sample configuration.
	Password string
	// Method defaults to [MethodPut].
	Method Method

	// Format is the container, an FFmpeg muxer name ("mp3", "adts",
	// "ogg", "opus", "webm", "flac", "mpegts"). It defaults to the one the
	// mount's extension names (.mp3, .aac, .ogg, .oga, .opus, .webm,
	// .flac, .ts).
	Format string
	// ContentType is sent as Content-Type. It defaults to the format's
	// ("audio/mpeg" for mp3, "audio/aac" for adts, "audio/ogg" for Ogg).
	ContentType string
	// Tracks selects the encoded tracks to send, as in [mux.Options]. By
	// default every encoded track of the source is sent.
	Tracks []mux.Track
	// MuxerOptions are FFmpeg muxer options, as in [mux.Options].
	MuxerOptions map[string]string

	// Name, Description, Genre and StreamURL are sent as ice-name,
	// ice-description, ice-genre and ice-url when set. Name defaults to
	// the mount.
	Name, Description, Genre, StreamURL string
	// Public lists the stream in directories (ice-public: 1). It defaults
	// to false.
	Public bool
	// AudioInfo is sent as ice-audio-info. It defaults to
	// "channels=C;samplerate=R;bitrate=K" from the first sent track.
	AudioInfo string
	// Headers are more request headers. Default none.
	Headers map[string]string

	// Metadata says how title changes are sent. It defaults to
	// [MetadataAuto].
	Metadata MetadataMode
	// Song makes the title sent through the admin API from a metadata;
	// an empty result sends nothing. It defaults to [onair.Metadata.Song]
	// ("artist - title", or whichever of them is set, or the "song"
	// field).
	Song func(m onair.Metadata) string

	// QueueSize bounds, in bytes, the data waiting for the network. When a
	// new chunk would pass it the oldest chunks are dropped (see the
	// package documentation). It defaults to 256 KiB (16 s at 128 kb/s).
	QueueSize int
	// ConnectTimeout bounds connecting and the server's answer, and each
	// admin request. It defaults to 5s.
	ConnectTimeout time.Duration
	// WriteTimeout bounds each write to the server: a server that takes
	// no data for that long is disconnected. It defaults to 10s.
	WriteTimeout time.Duration
	// MinRetryDelay and MaxRetryDelay bound the exponential backoff
	// between connection attempts: the first retry after a failure waits
	// MinRetryDelay, each further consecutive failure doubles it, up to
	// MaxRetryDelay. They default to 1s and 3s: the cap is what an outage
	// costs beyond its own length (a server back after 12 s is on air
	// again within 3 s, not after the 15 s that 1, 2, 4, 8 s of uncapped
	// doubling take), while an attempt every 3 s is nothing to a server
	// that refuses it.
	MinRetryDelay, MaxRetryDelay time.Duration
	// OnError decides what happens after a failed connection attempt or a
	// lost connection: it gets the error, the number of consecutive
	// failures (1 for the first) and the backoff delay, and returns how
	// long to wait before the next attempt, or [GiveUp]. It is called on
	// the output's network goroutine. By default the output retries after
	// the backoff delay, forever.
	OnError func(err error, attempt int, backoff time.Duration) time.Duration
	// OnConnect and OnDisconnect are called on the network goroutine when
	// a connection is accepted by the server and when it ends (err is nil
	// when the output stopped it). Default none.
	OnConnect    func()
	OnDisconnect func(err error)

	// ID names the output in logs. It defaults to "icecast:<mount>".
	ID string
	// Fallible lets the output run on a fallible source, as in
	// [mux.Options].
	Fallible bool
	// Logger receives the output's logs. It defaults to discarding them.
	Logger *slog.Logger
}

// config is Options resolved: defaults applied, URL parsed.
type config struct {
	Options
	host     string // host:port
	mount    string // with leading "/"
	inBand   bool
	adminAPI bool
	log      *slog.Logger
}

func resolve(opts *Options) (*config, error) {
	c := &config{}
	if opts != nil {
		c.Options = *opts
	}
	c.Tracks = append([]mux.Track(nil), c.Tracks...)
	c.MuxerOptions = maps.Clone(c.MuxerOptions)
	c.Headers = maps.Clone(c.Headers)
	if err := c.server(); err != nil {
		return nil, err
	}
	if c.User == "" {
		c.User = "source"
	}
	if c.Password == "" {
		c.Password = "hackme"
	}
	if c.Method != MethodPut && c.Method != MethodSource {
		return nil, fmt.Errorf("%w: unknown method %v", ErrOption, c.Method)
	}
	if c.Format == "" {
		c.Format = avmux.FormatOfPath(c.mount)
		if c.Format == "" {
			return nil, fmt.Errorf("%w: no Format given and none known for mount %q", ErrOption, c.mount)
		}
	}
	if c.ContentType == "" {
		c.ContentType = avmux.ContentType(c.Format)
		if c.ContentType == "" {
			return nil, fmt.Errorf("%w: no ContentType given and none known for format %q", ErrOption, c.Format)
		}
	}
	if c.Name == "" {
		c.Name = c.mount
	}
	switch c.Metadata {
	case MetadataAuto:
		c.inBand, c.adminAPI = avmux.IsOgg(c.Format), !avmux.IsOgg(c.Format)
	case MetadataAdmin:
		c.adminAPI = true
	case MetadataInBand:
		c.inBand = true
	case MetadataOff:
	default:
		return nil, fmt.Errorf("%w: unknown metadata mode %d", ErrOption, c.Metadata)
	}
	if c.Song == nil {
		c.Song = onair.Metadata.Song
	}
	if c.QueueSize <= 0 {
		c.QueueSize = 256 << 10
	}
	c.ConnectTimeout = orDefault(c.ConnectTimeout, 5*time.Second)
	c.WriteTimeout = orDefault(c.WriteTimeout, 10*time.Second)
	c.MinRetryDelay = orDefault(c.MinRetryDelay, time.Second)
	c.MaxRetryDelay = max(orDefault(c.MaxRetryDelay, DefaultMaxRetryDelay), c.MinRetryDelay)
	if c.ID == "" {
		c.ID = "icecast:" + c.mount
	}
	c.log = c.Logger
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	for k, v := range map[string]string{"Name": c.Name, "Description": c.Description, "Genre": c.Genre,
		"StreamURL": c.StreamURL, "AudioInfo": c.AudioInfo, "ContentType": c.ContentType, "User": c.User} {
		if strings.ContainsAny(v, "\r\n") {
			return nil, fmt.Errorf("%w: %s has a line break", ErrOption, k)
		}
	}
	for k, v := range c.Headers {
		if k == "" || strings.ContainsAny(k, "\r\n: ") || strings.ContainsAny(v, "\r\n") {
			return nil, fmt.Errorf("%w: header %q: bad name or value", ErrOption, k)
		}
	}
	return c, nil
}

// server resolves host, port, mount and credentials from URL or the fields.
func (c *config) server() error {
	host, port, mount := c.Host, c.Port, c.Mount
	if c.URL != "" {
		if host != "" || port != 0 || mount != "" {
			return fmt.Errorf("%w: give URL or Host/Port/Mount, not both", ErrOption)
		}
		u, err := url.Parse(c.URL)
		if err != nil {
			return fmt.Errorf("%w: URL: %w", ErrOption, err)
		}
		if u.Scheme != "http" && u.Scheme != "icecast" {
			return fmt.Errorf("%w: URL scheme %q: only http (or icecast) is supported", ErrOption, u.Scheme)
		}
		host, mount = u.Hostname(), u.Path
		if p := u.Port(); p != "" {
			if port, err = strconv.Atoi(p); err != nil {
				return fmt.Errorf("%w: URL port %q", ErrOption, p)
			}
		}
		if u.User != nil {
			c.User = u.User.Username()
			if pw, ok := u.User.Password(); ok {
				c.Password = pw
			}
		}
	}
	if host == "" {
		host = "localhost"
	}
	if port == 0 {
		port = 8000
	}
	if port < 0 || port > 65535 {
		return fmt.Errorf("%w: port %d", ErrOption, port)
	}
	mount = "/" + strings.TrimLeft(mount, "/")
	if mount == "/" {
		return fmt.Errorf("%w: no mount", ErrOption)
	}
	if strings.ContainsAny(mount, " \r\n?#") {
		return fmt.Errorf("%w: mount %q has a space, line break, ? or #", ErrOption, mount)
	}
	c.host, c.mount = net.JoinHostPort(host, strconv.Itoa(port)), mount
	return nil
}

// url returns the server URL of the mount, without credentials.
func (c *config) url() string { return "http://" + c.host + c.mount }

func orDefault(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}
