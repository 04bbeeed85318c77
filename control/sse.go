package control

import (
	"encoding/json"
	"io"
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

// serveEvents streams events as Server-Sent Events until the client goes
// away or the controller closes. Each event is "event: TYPE" and one
// "data:" line of JSON; the first is "hello".
func (c *Controller) serveEvents(w http.ResponseWriter, r *http.Request) {
	rc := http.NewResponseController(w)
	if c.hub.count() >= c.opts.MaxSubscribers {
		w.Header().Set("Retry-After", "10")
		writeError(w, http.StatusServiceUnavailable, "too many event streams: try again later")
		return
	}
	ch, cancel := c.Subscribe()
	defer cancel()
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodHead {
		return
	}
	bw := w // net/http buffers the response: rc.Flush sends it
	_ = rc.SetWriteDeadline(time.Now().Add(sseWriteTimeout))
	st := c.Status()
	hello := Event{Type: "hello", Time: st.Time, Title: st.Title, Metadata: st.NowPlaying}
	if err := writeEvent(bw, hello); err != nil {
		return
	}
	if rc.Flush() != nil {
		return
	}
	keep := time.NewTicker(sseKeepAlive)
	defer keep.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-keep.C:
			_ = rc.SetWriteDeadline(time.Now().Add(sseWriteTimeout))
			if _, err := io.WriteString(bw, ": keep-alive\n\n"); err != nil {
				return
			}
		case e, ok := <-ch:
			if !ok {
				return
			}
			_ = rc.SetWriteDeadline(time.Now().Add(sseWriteTimeout))
			if writeEvent(bw, e) != nil {
				return
			}
			// Send what is queued in one write.
			for more := true; more; {
				select {
				case e, ok := <-ch:
					if !ok {
						_ = rc.Flush()
						return
					}
					if writeEvent(bw, e) != nil {
						return
					}
				default:
					more = false
				}
			}
		}
		if rc.Flush() != nil {
			return
		}
	}
}

func writeEvent(bw io.Writer, e Event) error {
	data := e.wire
	if data == nil {
		var err error
		if data, err = json.Marshal(e); err != nil {
			return err
		}
	}
	_, _ = io.WriteString(bw, "event: ")
	_, _ = io.WriteString(bw, e.Type)
	_, _ = io.WriteString(bw, "\ndata: ")
	_, _ = bw.Write(data)
	_, err := io.WriteString(bw, "\n\n")
	return err
}
