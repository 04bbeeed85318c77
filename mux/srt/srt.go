// Package srt streams encoded tracks of an onair graph over SRT (Secure
// Reliable Transport) as MPEG-TS, the contribution link between studios,
// encoders and playout systems, through FFmpeg's libsrt protocol.
//
//	out, err := srt.New(av, "playout.example:9000", &srt.Options{
//		Latency:    300 * time.Millisecond,
//		Passphrase: "a shared secret",
//		Tracks:     mux.Only("video_h264", "audio_aac"),
//	})
//	graph.Add(out)
//
// # Modes
//
// As a [Caller] (the default) the output connects to a listening peer;
// as a [Listener] it binds the address and waits for one peer to
// connect, and waits again when that peer leaves. Either way a connection
// carries one MPEG-TS stream from its first byte (PAT/PMT, video from a
// keyframe, in-band H.264 parameter sets): a receiver that joins, leaves
// and comes back always gets a decodable stream.
//
// # Goroutines, queue and errors
//
// As for package rtmp: Send muxes on the clock goroutine into memory, a
// network goroutine writes, and reconnects with backoff after any failure;
// nothing is muxed while there is no connection. A first connection that
// the peer refuses (a wrong passphrase, a rejected stream ID) fails with
// an error wrapping [ErrRejected] and the output stops trying
// ([Output.Err]); later failures are retried. The passphrase is never
// written to logs or errors.
package srt

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"time"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/internal/avurl"
	"github.com/onair-go/onair/internal/netout"
	"github.com/onair-go/onair/internal/opterr"
	"github.com/onair-go/onair/mux"
)

var (
	// ErrOption reports options [New] cannot use.
	// It wraps onair.ErrInvalidOption: errors.Is matches either.
	ErrOption = opterr.New("srt: invalid option")
	// ErrRejected reports a peer that refused the connection: a wrong or
	// missing passphrase, or a rejected stream ID.
	ErrRejected = errors.New("srt: connection rejected by the peer (wrong passphrase?)")
)

// Mode says which side of an SRT connection the output is.
type Mode uint8

const (
	// Caller connects to a listening peer.
	Caller Mode = iota + 1
	// Listener waits for a peer to connect to its address.
	Listener
)

func (m Mode) String() string {
	switch m {
	case Caller:
		return "caller"
	case Listener:
		return "listener"
	}
	return fmt.Sprintf("Mode(%d)", uint8(m))
}

// Options configure an SRT output. A nil *Options means all defaults.
type Options struct {
	// ID names the output in logs. It defaults to "srt".
	ID string
	// Tracks selects the source's encoded tracks (see package mux). By
	// default every encoded track is copied.
	Tracks []mux.Track
	// Mode is [Caller] (the default) or [Listener].
	Mode Mode
	// Latency is SRT's receiver latency (the time it has to recover lost
	// packets); the larger of both sides' values is used. It defaults to
	// 120ms, SRT's default.
	Latency time.Duration
	// Passphrase, when set, encrypts the stream (AES); the peer must use
	// the same one. SRT wants 10 to 79 characters.
	Passphrase string
	// StreamID is sent to a listening peer, which may use it to pick or
	// refuse the stream (caller mode only).
	StreamID string
	// Queue is how many frames of muxed data may wait for the network. It
	// defaults to 250 (5 s at 20 ms frames).
	Queue int
	// Timeout bounds connecting (caller mode) and each write. It defaults
	// to 5s. A listener waits for a peer without limit.
	Timeout time.Duration
	// MinRetryDelay and MaxRetryDelay bound the waits between attempts
	// (doubling after each failure in a row). They default to 1s and 30s.
	MinRetryDelay, MaxRetryDelay time.Duration
	// Fallible lets the output run on a fallible source.
	Fallible bool
	// OnError, when set, is called on the network goroutine with each
	// connection error.
	OnError func(error)
	// Logger receives the output's logs. It defaults to discarding them.
	Logger *slog.Logger
}

// Output is a graph output that sends its source's encoded tracks over
// SRT. Err, Connected and Stats are safe from any goroutine.
type Output struct {
	out *onair.Output
	e   *netout.Engine
}

// Stats counts an output's work. Every field only grows.
type Stats struct {
	// Connects and Failures count connections made and failed attempts
	// or lost connections.
	Connects, Failures int64
	// Bytes is what was written to the peer.
	Bytes int64
	// Offline is the number of frames not sent because there was no
	// connection; Dropped the muxed frames lost with a connection.
	Offline, Dropped int64
}

// New returns an output that sends src's selected tracks to addr
// (host:port) as a caller, or waits for a caller on addr as a listener.
// It validates the options (errors wrap [ErrOption]) but does not
// connect before the graph starts it.
func New(src onair.Source, addr string, opts *Options) (*Output, error) {
	o := Options{}
	if opts != nil {
		o = *opts
	}
	if o.ID == "" {
		o.ID = "srt"
	}
	if o.Mode == 0 {
		o.Mode = Caller
	}
	if o.Latency == 0 {
		o.Latency = 120 * time.Millisecond
	}
	if o.Queue == 0 {
		o.Queue = 250
	}
	if o.Timeout == 0 {
		o.Timeout = 5 * time.Second
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
	switch {
	case o.Mode != Caller && o.Mode != Listener:
		return nil, fmt.Errorf("%w: unknown mode %v", ErrOption, o.Mode)
	case o.Passphrase != "" && (len(o.Passphrase) < 10 || len(o.Passphrase) > 79):
		return nil, fmt.Errorf("%w: passphrase of %d characters (SRT wants 10 to 79)", ErrOption, len(o.Passphrase))
	case o.Latency < 0 || o.Queue < 0 || o.Timeout < 0 || o.MinRetryDelay < 0 || o.MaxRetryDelay < o.MinRetryDelay:
		return nil, fmt.Errorf("%w: negative latency, queue or duration, or MaxRetryDelay below MinRetryDelay", ErrOption)
	}
	if _, port, err := net.SplitHostPort(addr); err != nil || port == "" {
		return nil, fmt.Errorf("%w: address %q (want host:port)", ErrOption, addr)
	}
	url, popts := avurl.SRT(addr, o.Mode.String(), o.Latency, o.Passphrase, o.StreamID, o.Timeout)
	shown := url
	cfg := &netout.Config{
		ID: o.ID, URL: url, Shown: shown, Format: "mpegts", Tracks: o.Tracks, Queue: o.Queue, Options: popts,
		Buffered: true, // whole 1316-byte SRT packets, as ffmpeg sends
		MinRetry: o.MinRetryDelay, MaxRetry: o.MaxRetryDelay, OnError: o.OnError, Log: o.Logger,
		Classify: func(err error, streamed bool) (error, bool) {
			if !streamed && avurl.SRTRejected(err, o.Timeout) {
				return fmt.Errorf("%w: %s: %w", ErrRejected, shown, err), true
			}
			return fmt.Errorf("srt: %s: %w", shown, err), false
		},
	}
	e, err := netout.New(src, cfg)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrOption, err)
	}
	out := onair.NewOutput(src, e, &onair.OutputOptions{ID: o.ID, Fallible: o.Fallible})
	return &Output{out: out, e: e}, nil
}

// Node returns the output's graph node.
func (o *Output) Node() *onair.Node { return o.out.Node() }

// Output returns the underlying graph output.
func (o *Output) Output() *onair.Output { return o.out }

// Err returns the error the output gave up on (a rejected connection),
// or nil.
func (o *Output) Err() error { return o.e.Err() }

// Connected reports whether a peer is connected now.
func (o *Output) Connected() bool { return o.e.Connected() }

// Stats returns the output's counters.
func (o *Output) Stats() Stats {
	s := o.e.Stats()
	return Stats{Connects: s.Connects, Failures: s.Failures, Bytes: s.Bytes, Offline: s.Offline, Dropped: s.Dropped}
}
