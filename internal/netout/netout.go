// Package netout is the engine of the outputs that push a container to a
// server through one of FFmpeg's network protocols (RTMP, SRT): the
// muxing on the clock goroutine, a bounded queue, and a network goroutine
// that connects, writes and reconnects with backoff.
//
// The clock goroutine muxes each frame with mux.Writer into memory (one
// chunk per frame) and queues the chunk; it never touches the network.
// The network goroutine opens the URL (libavformat's protocol), writes
// the chunks, and on any failure closes the connection, waits (MinRetry,
// doubling to MaxRetry) and connects again. Each connection gets a fresh
// container from its first byte (header, codec configuration, video from
// a keyframe): the clock goroutine notices the new connection by its
// generation number and makes a new muxer for it. While there is no
// connection, frames are not muxed at all: nothing piles up. When the
// queue is full (a network slower than the stream), the connection is
// dropped and made again rather than sending a stream with holes.
package netout

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/fault"
	"github.com/onair-go/onair/internal/avurl"
	"github.com/onair-go/onair/mux"
)

// Config is what an output gives the engine. Every field is resolved
// (defaults applied) by the output's package.
type Config struct {
	ID     string
	URL    string // what libavformat opens
	Shown  string // the URL without secrets, for logs and errors
	Format string // container: "flv", "mpegts"
	Tracks []mux.Track
	// Protocol options for avio_open2 (rw_timeout, passphrase, ...).
	Options map[string]string
	Queue   int // chunks (frames) waiting for the network
	// Buffered lets FFmpeg's buffer fill whole protocol packets instead of
	// flushing every chunk (see avurl.Conn.Buffered): for SRT.
	Buffered           bool
	MinRetry, MaxRetry time.Duration
	// Classify turns a failed connection attempt or a lost connection
	// into the error to report, and says whether trying again is
	// pointless (a rejected key or passphrase). streamed is set once a
	// connection was made.
	Classify func(err error, streamed bool) (error, bool)
	// OnError sees each connection error (network goroutine).
	OnError func(err error)
	Log     *slog.Logger
}

// Stats counts an engine's work. Every field only grows.
type Stats struct {
	Connects, Failures int64
	Bytes, Chunks      int64 // written to the network
	Dropped            int64 // chunks dropped (queue full or connection lost)
	Offline            int64 // frames not muxed: no connection
}

type chunk struct {
	gen  uint64
	data []byte
}

// Engine is an onair.Sender (Start, Send, Stop, Close) with a network
// goroutine.
type Engine struct {
	cfg *Config
	src onair.Source

	// Clock goroutine.
	inner    *mux.WriterOutput
	innerS   onair.Sender
	innerGen uint64
	cur      []byte
	closed   bool

	// Shared.
	gen     atomic.Uint64 // current connection; 0: none
	nextGen uint64        // network goroutine only
	q       chan chunk
	wanted  atomic.Bool
	kick    chan struct{}
	stop    chan struct{}
	done    chan struct{}
	once    sync.Once
	closing atomic.Bool

	mu   sync.Mutex // guards conn, err
	conn *avurl.Conn
	err  error

	connects, failures, bytes, chunks, dropped, offline atomic.Int64
}

// New returns an engine; it checks the format and track selection.
func New(src onair.Source, cfg *Config) (*Engine, error) {
	if _, err := mux.Writer(src, io.Discard, cfg.Format, &mux.Options{Tracks: cfg.Tracks}); err != nil {
		return nil, err
	}
	return &Engine{
		cfg: cfg, src: src, q: make(chan chunk, cfg.Queue), kick: make(chan struct{}, 1),
		stop: make(chan struct{}), done: make(chan struct{}),
	}, nil
}

// Err returns the error the engine gave up on, or nil.
func (e *Engine) Err() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.err
}

// Connected reports whether a connection is open.
func (e *Engine) Connected() bool { return e.gen.Load() != 0 }

// Stats returns the counters.
func (e *Engine) Stats() Stats {
	return Stats{Connects: e.connects.Load(), Failures: e.failures.Load(), Bytes: e.bytes.Load(),
		Chunks: e.chunks.Load(), Dropped: e.dropped.Load(), Offline: e.offline.Load()}
}

// Start starts the network goroutine (once) and asks for a connection.
func (e *Engine) Start() error {
	if e.closed {
		return fmt.Errorf("%s: output closed", e.cfg.ID)
	}
	e.wanted.Store(true)
	e.once.Do(func() { go e.run() })
	e.signal()
	return nil
}

// Stop ends the container (its trailer is sent) and lets the network
// goroutine disconnect once the queue is sent.
func (e *Engine) Stop() error {
	e.closeInner(true)
	e.wanted.Store(false)
	e.signal()
	return nil
}

// Reset drops the muxer: the clock fell too far behind; the connection
// is made again with a fresh container.
func (e *Engine) Reset() {
	e.closeInner(false)
	e.interrupt()
}

// Send muxes f for the current connection; without one, f is dropped.
func (e *Engine) Send(f *onair.Frame) error {
	if e.closed {
		return nil
	}
	if g := e.gen.Load(); g != e.innerGen {
		e.closeInner(false)
		e.innerGen = g
		if g != 0 {
			w, err := mux.Writer(e.src, (*chunkWriter)(e), e.cfg.Format, &mux.Options{
				ID: e.cfg.ID, Tracks: e.cfg.Tracks, Fallible: true, Logger: e.cfg.Log,
			})
			if err != nil {
				return err
			}
			e.inner, e.innerS = w, w.Output().Sender()
		}
	}
	if e.inner == nil {
		if g := e.gen.Load(); g != 0 && g == e.innerGen {
			// The container of this connection ended (Stop, an error):
			// the next one needs a connection of its own.
			e.interrupt()
		}
		e.offline.Add(1)
		return nil
	}
	err := e.innerS.Send(f)
	e.commit()
	if err != nil {
		e.closeInner(false)
		e.innerGen = 0
		e.interrupt() // a fresh container on a fresh connection
	}
	return err
}

// chunkWriter appends the muxer's bytes to the chunk being built.
type chunkWriter Engine

func (w *chunkWriter) Write(p []byte) (int, error) {
	w.cur = append(w.cur, p...)
	return len(p), nil
}

// commit queues the chunk being built; a full queue drops the connection.
func (e *Engine) commit() {
	if len(e.cur) == 0 {
		return
	}
	select {
	case e.q <- chunk{gen: e.innerGen, data: e.cur}:
		e.cur = nil
	default:
		e.dropped.Add(int64(len(e.q)) + 1)
		e.cur = e.cur[:0]
		e.cfg.Log.Warn("network too slow: queue full, reconnecting with a fresh container", fault.Reconnect.Attr(),
			fault.KeyOutput, e.cfg.ID, fault.KeyURL, e.cfg.Shown, fault.KeyRetryIn, time.Duration(0), "queue", e.cfg.Queue)
		e.closeInner(false)
		e.innerGen = 0
		e.interrupt()
	}
}

func (e *Engine) closeInner(send bool) {
	if e.inner == nil {
		return
	}
	if c, ok := e.innerS.(io.Closer); ok {
		if err := c.Close(); err != nil {
			e.cfg.Log.Warn("closing the container failed", "output", e.cfg.ID, "err", err)
		}
	}
	if send {
		e.commit()
	}
	e.inner, e.innerS, e.cur = nil, nil, nil
}

// interrupt ends the current connection (from any goroutine).
func (e *Engine) interrupt() {
	e.mu.Lock()
	c := e.conn
	e.mu.Unlock()
	if c != nil {
		c.Interrupt()
	}
	e.signal()
}

func (e *Engine) signal() {
	select {
	case e.kick <- struct{}{}:
	default:
	}
}

// Close ends the container, gives a connected server up to drain to take
// what is queued, then disconnects and waits for the network goroutine.
// It is idempotent.
func (e *Engine) Close() error {
	if e.closed {
		return nil
	}
	e.closed = true
	e.closeInner(true)
	e.closing.Store(true)
	e.wanted.Store(false)
	started := false
	e.once.Do(func() { close(e.done) }) // never started: nothing to wait for
	select {
	case <-e.done:
	default:
		started = true
	}
	if started {
		e.signal()
		if e.gen.Load() != 0 {
			t := time.NewTimer(closeDrain)
			select {
			case <-e.done:
			case <-t.C:
				e.cfg.Log.Warn("close: server did not take the queued data in time", "output", e.cfg.ID, "url", e.cfg.Shown)
			}
			t.Stop()
		}
		close(e.stop)
		e.interrupt()
		<-e.done
	}
	return nil
}

// closeDrain bounds how long Close waits for queued data.
const closeDrain = 2 * time.Second

// setErr records the error the engine gave up on.
func (e *Engine) setErr(err error) {
	e.mu.Lock()
	e.err = err
	e.mu.Unlock()
}

var errStopped = errors.New("stopped")
