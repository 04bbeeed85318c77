package icecast

import (
	"context"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/mux"
)

// Output is a graph output that streams encoded tracks of its source to an
// Icecast server as a source client. Make it with [New] and add it to a
// graph.
//
// Status, Err and URL are safe from any goroutine; the output itself runs
// on its clock's goroutine and on network goroutines of its own.
type Output struct {
	out *onair.Output
	c   *client
}

// New returns an output that streams src's selected encoded tracks to the
// Icecast server and mount of opts, in the container opts.Format. It
// validates the options (errors wrap [ErrOption]) but does not connect:
// the output connects when its source first has data, after the graph
// starts. opts may be nil only if nothing is needed beyond the defaults,
// which have no mount: in practice it is required.
func New(src onair.Source, opts *Options) (*Output, error) {
	cfg, err := resolve(opts)
	if err != nil {
		return nil, err
	}
	c := &client{
		cfg:     cfg,
		src:     src,
		q:       newQueue(cfg.QueueSize, cfg.log, cfg.ID),
		kick:    make(chan struct{}, 1),
		metaK:   make(chan struct{}, 1),
		runDone: make(chan struct{}),
		http: &http.Client{
			Timeout:   cfg.ConnectTimeout,
			Transport: &http.Transport{DialContext: (&net.Dialer{Timeout: cfg.ConnectTimeout}).DialContext, MaxIdleConns: 1},
		},
	}
	c.st.State, c.st.Since = StateIdle, time.Now()
	// Check the format and the track selection now: the muxer itself is
	// made for each connection.
	if _, err := mux.Writer(src, io.Discard, cfg.Format, &mux.Options{Tracks: cfg.Tracks}); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrOption, err)
	}
	out := onair.NewOutput(src, c, &onair.OutputOptions{ID: cfg.ID, Fallible: cfg.Fallible})
	return &Output{out: out, c: c}, nil
}

// Node returns the output's graph node.
func (o *Output) Node() *onair.Node { return o.out.Node() }

// Output returns the underlying graph output.
func (o *Output) Output() *onair.Output { return o.out }

// URL returns the server URL of the mount, without credentials.
func (o *Output) URL() string { return o.c.cfg.url() }

// ContentType returns the Content-Type the output sends.
func (o *Output) ContentType() string { return o.c.cfg.ContentType }

// Err returns the error the output gave up on (see [Options.OnError]),
// or nil.
func (o *Output) Err() error {
	o.c.mu.Lock()
	defer o.c.mu.Unlock()
	return o.c.st.Err
}

// client is the output's sender (clock goroutine) and its network side.
type client struct {
	cfg *config
	src onair.Source
	q   *queue

	// Clock goroutine state.
	inner    *mux.WriterOutput // the muxer of the current connection
	innerS   onair.Sender
	innerGen uint64         // connection the muxer writes for; 0: none
	cur      []byte         // the chunk being built
	head     bool           // the next chunk starts a container
	reopened bool           // an in-band reopen starts a container next frame
	meta     onair.Metadata // metadata to publish with the next chunk
	last     onair.Metadata // last metadata seen
	inMeta   onair.Metadata // metadata of the current container (in band)
	infoSet  bool
	warned   bool
	closed   bool

	// Shared between the goroutines.
	audioInfo atomic.Pointer[string]
	infoReady atomic.Bool
	wanted    atomic.Bool // started and not stopped
	closing   atomic.Bool
	connected atomic.Bool
	kick      chan struct{} // wakes the network goroutine (cap 1)
	sent      atomic.Int64
	offline   atomic.Int64 // frames not muxed: no connection
	started   sync.Once
	cancel    context.CancelFunc
	wg        sync.WaitGroup
	runDone   chan struct{}
	http      *http.Client

	metaMu      sync.Mutex // guards metaPending, metaGen
	metaPending onair.Metadata
	metaGen     uint64
	metaK       chan struct{} // wakes the metadata goroutine (cap 1)

	mu   sync.Mutex // guards st and conn
	st   Status
	conn net.Conn
}

var _ onair.Sender = (*client)(nil)

// chunkWriter is the io.Writer of one connection's muxer: it appends to
// the chunk being built, and drops what a muxer of an earlier connection
// still writes (its trailer).
type chunkWriter struct {
	c   *client
	gen uint64
}

func (w *chunkWriter) Write(p []byte) (int, error) {
	if w.gen == w.c.innerGen {
		w.c.cur = append(w.c.cur, p...)
	}
	return len(p), nil
}

// Send muxes f for the current connection; without one, f is dropped.
func (c *client) Send(f *onair.Frame) error {
	if c.closed {
		return nil
	}
	if !c.infoSet {
		if err := c.noteInfo(f); err != nil {
			return err
		}
	}
	if g := c.q.generation(); g != c.innerGen {
		// A new connection, or none: the next one starts with a fresh
		// container (header, and in-band metadata).
		c.closeInner(false)
		c.innerGen = g
		if g != 0 {
			if md := f.Metadata(); len(md) > 0 && md[0].Pos == 0 {
				c.last = md[0].Metadata // no data before it: in the first header
			}
			if err := c.openInner(g); err != nil {
				return err
			}
		}
	}
	if c.inner == nil {
		for _, m := range f.Metadata() {
			c.last = m.Metadata
		}
		c.offline.Add(1)
		return nil
	}
	if c.reopened {
		c.head, c.reopened = true, false
	}
	err := c.innerS.Send(f)
	c.commit()
	if err != nil {
		c.closeInner(false)
		c.innerGen = 0
		return err
	}
	return nil
}

// noteInfo finds the first selected track in f, checks that it holds
// packets, and records its parameters for ice-audio-info.
func (c *client) noteInfo(f *onair.Frame) error {
	var found *onair.StreamInfo
	check := func(t *onair.Track) error {
		if t.Kind != onair.PacketTrack {
			return fmt.Errorf("%w: track %q holds %v, not encoded packets (encode it first)", mux.ErrTrack, t.Name, t.Kind)
		}
		if t.Stream != nil && (found == nil || found.MediaType != onair.AudioTrack) {
			found = t.Stream
		}
		return nil
	}
	if len(c.cfg.Tracks) == 0 {
		for _, t := range f.Tracks() {
			if t.Kind == onair.PacketTrack {
				_ = check(&t)
			}
		}
	} else {
		for _, sel := range c.cfg.Tracks {
			if t := f.Track(sel.Name); t != nil && sel.Action == mux.Copy {
				if err := check(t); err != nil {
					return err
				}
			}
		}
	}
	if found == nil {
		if !c.warned {
			c.warned = true
			c.cfg.log.Warn("waiting for an encoded track to send", "output", c.cfg.ID)
		}
		return nil
	}
	info := c.cfg.AudioInfo
	if info == "" && found.MediaType == onair.AudioTrack {
		info = fmt.Sprintf("channels=%d;samplerate=%d", found.Channels, found.SampleRate)
		if found.BitRate > 0 {
			info += fmt.Sprintf(";bitrate=%d", found.BitRate/1000)
		}
	}
	c.audioInfo.Store(&info)
	c.infoSet = true
	c.infoReady.Store(true)
	c.signal()
	return nil
}

// openInner makes the muxer of connection g.
func (c *client) openInner(g uint64) error {
	mo := &mux.Options{
		ID: c.cfg.ID, Tracks: c.cfg.Tracks, MuxerOptions: c.cfg.MuxerOptions,
		Fallible: true, OnMetadata: c.onMetadata, Logger: c.cfg.log,
	}
	c.inMeta = nil
	if c.cfg.inBand && c.last != nil {
		mo.Metadata, c.inMeta = c.last, c.last
	}
	w, err := mux.Writer(c.src, &chunkWriter{c: c, gen: g}, c.cfg.Format, mo)
	if err != nil {
		return err
	}
	c.inner, c.innerS = w, w.Output().Sender()
	c.cur, c.head, c.reopened = c.cur[:0], true, false
	c.meta = nil
	if c.cfg.adminAPI && c.last != nil {
		c.meta = c.last // the last title again, for this connection
	}
	return nil
}

// closeInner ends the current muxer; its trailer is queued when send is
// set (graceful close) and dropped otherwise.
func (c *client) closeInner(send bool) {
	if c.inner == nil {
		return
	}
	if cl, ok := c.innerS.(io.Closer); ok {
		if err := cl.Close(); err != nil {
			c.cfg.log.Warn("closing the container failed", "output", c.cfg.ID, "err", err)
		}
	}
	if send {
		c.commit()
	}
	c.inner, c.innerS = nil, nil
	c.cur, c.meta = c.cur[:0], nil
}

// onMetadata is the muxer's OnMetadata: every byte before m's position has
// been written to cur.
func (c *client) onMetadata(m onair.Metadata) {
	c.last = m
	switch {
	case c.cfg.adminAPI:
		c.commit()
		c.meta = m
	case c.cfg.inBand && !maps.Equal(m, c.inMeta):
		c.inner.ReopenWith(m)
		c.inMeta, c.reopened = m, true
	}
}

// commit queues the chunk being built.
func (c *client) commit() {
	if len(c.cur) == 0 && c.meta == nil {
		return
	}
	c.q.push(c.innerGen, chunk{data: c.cur, meta: c.meta, head: c.head})
	c.cur, c.meta, c.head = c.q.buffer(), nil, false
}
