package control

import (
	"bytes"
	"net"
	"net/http"
	"time"
)

// sseKeepAlive is how often an idle event stream gets a comment line, so
// that proxies and browsers keep it open.
const sseKeepAlive = 15 * time.Second

// sseWriteTimeout is how long a write to a stream may block: a client
// that stops reading is disconnected after it, instead of holding its
// goroutine and buffers for ever.
const sseWriteTimeout = 30 * time.Second

// The keep-alive comment, as is and as an HTTP/1.1 chunk, and the last
// chunk.
const (
	keepAlive        = ": keep-alive\n\n"
	keepAliveChunked = "e\r\n" + keepAlive + "\r\n"
	lastChunk        = "0\r\n\r\n"
)

// serveEvents streams events as Server-Sent Events until the client goes
// away or the controller closes. Each event is "event: TYPE" and one
// "data:" line of JSON; the first is "hello".
//
// An HTTP/1.x stream is taken over from net/http (hijacked): the handler
// returns, which frees net/http's goroutine, buffers and request, and a
// small goroutine of the controller's writes each event's bytes (made
// once for every stream, already chunked) to the connection in one
// write. A stream costs that goroutine, its connection and a channel of
// Options.EventBuffer pointers: about 5 KB (BenchmarkSSE1000). HTTP/2
// streams, which cannot be hijacked, are written through the
// ResponseWriter by the handler's goroutine.
func (c *Controller) serveEvents(w http.ResponseWriter, r *http.Request) {
	if c.hub.count() >= c.opts.MaxSubscribers {
		w.Header().Set("Retry-After", "10")
		writeError(w, http.StatusServiceUnavailable, "too many event streams: try again later")
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("X-Accel-Buffering", "no")
	if r.Method == http.MethodHead {
		w.WriteHeader(http.StatusOK)
		return
	}
	s, cancel, ok := c.hub.subscribeStream()
	if !ok {
		writeError(w, http.StatusServiceUnavailable, "the controller is closed")
		return
	}
	st := c.Status()
	hello := newFrame(Event{Type: "hello", Time: st.Time, Title: st.Title, Metadata: st.NowPlaying})
	if r.ProtoMajor == 1 {
		chunked := r.ProtoMinor > 0 // HTTP/1.0 has no chunks: the end of the connection ends the stream
		if conn, head := c.hijack(w, r, hello, chunked); conn != nil {
			c.hub.setConn(s, conn)
			c.hub.wg.Add(1)
			go c.serveConn(conn, head, s.frames, cancel, chunked)
			return
		}
	}
	defer cancel()
	c.serveWriter(w, r, hello, s.frames)
}

// hijack takes the connection over and returns it with the response
// head and the hello event to write first; nil when the ResponseWriter
// cannot be hijacked (the response is then still to be written).
func (c *Controller) hijack(w http.ResponseWriter, r *http.Request, hello *frame, chunked bool) (net.Conn, []byte) {
	var head bytes.Buffer
	head.WriteString("HTTP/1.1 200 OK\r\n")
	h := w.Header().Clone()
	if chunked {
		h.Set("Transfer-Encoding", "chunked")
	}
	if !chunked || r.Close {
		h.Set("Connection", "close")
	}
	_ = h.Write(&head)
	head.WriteString("\r\n")
	if chunked {
		head.Write(hello.chunked)
	} else {
		head.Write(hello.sse)
	}
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return nil, nil
	}
	return conn, head.Bytes()
}

// serveConn writes a hijacked stream: the head, then each frame in one
// write, a keep-alive comment when idle, and the last chunk when the
// subscription ends. It returns when a write fails (the client went
// away, or did not take a write within sseWriteTimeout). Without chunked
// (HTTP/1.0), frames are sent as they are and the stream ends with the
// connection.
func (c *Controller) serveConn(conn net.Conn, head []byte, frames <-chan *frame, cancel func(), chunked bool) {
	defer c.hub.wg.Done()
	defer conn.Close()
	defer cancel()
	write := func(b []byte) bool {
		_ = conn.SetWriteDeadline(time.Now().Add(sseWriteTimeout))
		_, err := conn.Write(b)
		return err == nil
	}
	if !write(head) {
		return
	}
	keep := time.NewTimer(sseKeepAlive)
	defer keep.Stop()
	for {
		select {
		case f, ok := <-frames:
			if !ok {
				if chunked {
					_ = conn.SetWriteDeadline(time.Now().Add(time.Second))
					_, _ = conn.Write([]byte(lastChunk))
				}
				return
			}
			b := f.sse
			if chunked {
				b = f.chunked
			}
			if !write(b) {
				return
			}
		case <-keep.C:
			k := keepAlive
			if chunked {
				k = keepAliveChunked
			}
			if !write([]byte(k)) {
				return
			}
		}
		keep.Reset(sseKeepAlive)
	}
}

// serveWriter writes a stream through w (HTTP/2), until the client goes
// away or the subscription ends.
func (c *Controller) serveWriter(w http.ResponseWriter, r *http.Request, hello *frame, frames <-chan *frame) {
	rc := http.NewResponseController(w)
	w.WriteHeader(http.StatusOK)
	write := func(b []byte) bool {
		_ = rc.SetWriteDeadline(time.Now().Add(sseWriteTimeout))
		if _, err := w.Write(b); err != nil {
			return false
		}
		return rc.Flush() == nil
	}
	if !write(hello.sse) {
		return
	}
	keep := time.NewTicker(sseKeepAlive)
	defer keep.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-keep.C:
			if !write([]byte(keepAlive)) {
				return
			}
		case f, ok := <-frames:
			if !ok || !write(f.sse) {
				return
			}
		}
	}
}
