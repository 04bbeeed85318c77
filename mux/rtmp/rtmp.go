// Package rtmp streams encoded tracks of an onair graph to an RTMP server
// (YouTube, Twitch, nginx-rtmp, SRS, MediaMTX, ...) as FLV: H.264 video
// and AAC audio, or AAC alone, copied from the graph's shared encoders.
//
//	out, err := rtmp.New(av, "rtmp://live.example/app/STREAM-KEY", &rtmp.Options{
//		Tracks: mux.Only("video_h264", "audio_aac"),
//	})
//	graph.Add(out)
//
// # Goroutines and the queue
//
// Send runs on the clock goroutine and never touches the network: it muxes
// each frame into FLV tags in memory (with mux.Writer, which adds the AVC
// and AAC sequence headers and starts video at a keyframe) and queues
// them. A network goroutine of the output connects through FFmpeg's rtmp
// protocol (handshake, connect, publish), writes the queue, and on any
// failure disconnects, waits ([Options.MinRetryDelay], doubling up to
// [Options.MaxRetryDelay]) and connects again. Each connection gets a fresh
// FLV stream from its first byte. While there is no connection, frames are
// not muxed: nothing piles up and the clock keeps time. When the queue
// ([Options.Queue] frames) is full, the network is slower than the stream:
// the connection is dropped and made again rather than sending a stream
// with holes.
//
// # Errors
//
// A first connection that reaches the server but is refused (an unknown
// application, a stream key the server's on_publish hook rejects, a
// stream name already published) fails with an error wrapping
// [ErrRejected], and the output stops trying: [Output.Err] holds it and
// the graph goes on without the output. A refusal after the output has
// streamed (the server restarting and still holding the old session) is
// retried like any network error. Every failure goes to
// [Options.OnError] and the log; URLs in errors and logs hide the stream
// key.
package rtmp

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/internal/netout"
	"github.com/onair-go/onair/internal/opterr"
	"github.com/onair-go/onair/mux"
)

var (
	// ErrOption reports options [New] cannot use: a URL that is not
	// rtmp:// or rtmps:// with an application and a stream name, a bad
	// track selection, a negative duration.
	// It wraps onair.ErrInvalidOption: errors.Is matches either.
	ErrOption = opterr.New("rtmp: invalid option")
	// ErrRejected reports a server that was reached but refused to take
	// the stream: a wrong stream key or application, or a stream name in
	// use.
	ErrRejected = errors.New("rtmp: stream rejected by the server (wrong stream key or application?)")
)

// Options configure an RTMP output. A nil *Options means all defaults.
type Options struct {
	// ID names the output in logs. It defaults to "rtmp".
	ID string
	// Tracks selects the source's encoded tracks (see package mux): one
	// H.264 track and one AAC track, or an AAC track alone. By default
	// every encoded track is copied.
	Tracks []mux.Track
	// Queue is how many frames (clock ticks) of muxed data may wait for
	// the network. It defaults to 250 (5 s at 20 ms frames).
	Queue int
	// Timeout bounds connecting and each network read or write (FFmpeg's
	// rw_timeout). It defaults to 10s.
	Timeout time.Duration
	// MinRetryDelay is the wait after a first failure; it doubles with
	// each failure in a row up to MaxRetryDelay. They default to 1s and
	// 30s.
	MinRetryDelay, MaxRetryDelay time.Duration
	// Fallible lets the output run on a fallible source: it disconnects
	// when the source fails and connects again when it is ready.
	Fallible bool
	// OnError, when set, is called on the output's network goroutine with
	// each connection error.
	OnError func(error)
	// Logger receives the output's logs. It defaults to discarding them.
	Logger *slog.Logger
}

// Output is a graph output that publishes its source's encoded tracks to
// an RTMP server. Err, Connected and Stats are safe from any goroutine.
type Output struct {
	out *onair.Output
	e   *netout.Engine
}

// Stats counts an output's work. Every field only grows.
type Stats struct {
	// Connects and Failures count connections made and failed attempts
	// or lost connections.
	Connects, Failures int64
	// Bytes is what was written to the server.
	Bytes int64
	// Offline is the number of frames not sent because there was no
	// connection; Dropped the muxed frames lost with a connection.
	Offline, Dropped int64
}

// New returns an output that publishes src's selected tracks to rawURL
// (rtmp://host[:port]/app/streamkey, or rtmps://). It validates the
// options (errors wrap [ErrOption]) but does not connect: it connects
// when the graph starts it.
func New(src onair.Source, rawURL string, opts *Options) (*Output, error) {
	o := Options{}
	if opts != nil {
		o = *opts
	}
	if o.ID == "" {
		o.ID = "rtmp"
	}
	if o.Queue == 0 {
		o.Queue = 250
	}
	if o.Timeout == 0 {
		o.Timeout = 10 * time.Second
	}
	if o.MinRetryDelay == 0 {
		o.MinRetryDelay = time.Second
	}
	if o.MaxRetryDelay == 0 {
		o.MaxRetryDelay = 30 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Queue < 0 || o.Timeout < 0 || o.MinRetryDelay < 0 || o.MaxRetryDelay < o.MinRetryDelay {
		return nil, fmt.Errorf("%w: negative queue or duration, or MaxRetryDelay below MinRetryDelay", ErrOption)
	}
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "rtmp" && u.Scheme != "rtmps") || u.Host == "" || strings.Count(strings.Trim(u.Path, "/"), "/") < 1 {
		return nil, fmt.Errorf("%w: URL %q (want rtmp://host[:port]/app/streamkey)", ErrOption, hide(rawURL))
	}
	host := u.Host
	if u.Port() == "" {
		port := "1935"
		if u.Scheme == "rtmps" {
			port = "443"
		}
		host = net.JoinHostPort(u.Hostname(), port)
	}
	shown := hide(rawURL)
	cfg := &netout.Config{
		ID: o.ID, URL: rawURL, Shown: shown, Format: "flv", Tracks: o.Tracks, Queue: o.Queue,
		Options:  map[string]string{"rw_timeout": strconv.FormatInt(o.Timeout.Microseconds(), 10)},
		MinRetry: o.MinRetryDelay, MaxRetry: o.MaxRetryDelay, OnError: o.OnError, Log: o.Logger,
		Classify: func(err error, streamed bool) (error, bool) {
			if streamed || !reachable(host, o.Timeout) {
				return fmt.Errorf("rtmp: %s: %w", shown, err), false
			}
			return fmt.Errorf("%w: %s: %w", ErrRejected, shown, err), true
		},
	}
	e, err := netout.New(src, cfg)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrOption, err)
	}
	out := onair.NewOutput(src, e, &onair.OutputOptions{ID: o.ID, Fallible: o.Fallible})
	return &Output{out: out, e: e}, nil
}

// reachable reports whether a TCP connection to host can be made: the
// difference between a server that is down and one that refuses.
func reachable(host string, timeout time.Duration) bool {
	c, err := net.DialTimeout("tcp", host, min(timeout, 3*time.Second))
	if err != nil {
		return false
	}
	c.Close()
	return true
}

// hide replaces the stream key (the path after the application), any
// password and the query with "***".
func hide(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "rtmp://(unparsable URL)"
	}
	host := u.Host
	if u.User != nil {
		host = u.User.Username() + ":***@" + host
	}
	app, _, _ := strings.Cut(strings.TrimPrefix(u.Path, "/"), "/")
	return u.Scheme + "://" + host + "/" + app + "/***"
}

// Node returns the output's graph node.
func (o *Output) Node() *onair.Node { return o.out.Node() }

// Output returns the underlying graph output.
func (o *Output) Output() *onair.Output { return o.out }

// Err returns the error the output gave up on (a rejected stream), or nil.
func (o *Output) Err() error { return o.e.Err() }

// Connected reports whether the output is connected to the server now.
func (o *Output) Connected() bool { return o.e.Connected() }

// Stats returns the output's counters.
func (o *Output) Stats() Stats {
	s := o.e.Stats()
	return Stats{Connects: s.Connects, Failures: s.Failures, Bytes: s.Bytes, Offline: s.Offline, Dropped: s.Dropped}
}
