package decode

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"
)

// run is the helper goroutine: connect, play, wait, reconnect, until ctx
// ends.
func (h *HTTPSource) run(ctx context.Context) {
	defer h.wg.Done()
	failures := 0
	for {
		played, err := h.once(ctx)
		if ctx.Err() != nil {
			return
		}
		if played {
			failures = 0
		}
		delay := h.backoff(failures)
		failures++
		h.logStatus(err, played, delay)
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

// backoff returns the delay before reconnecting after failures failed
// attempts in a row: MinDelay doubled per failure up to MaxDelay, ±25%.
func (h *HTTPSource) backoff(failures int) time.Duration {
	d := h.opts.MinDelay
	for range min(failures, 62) {
		if d >= h.opts.MaxDelay/2 {
			d = h.opts.MaxDelay
			break
		}
		d *= 2
	}
	d = min(d, h.opts.MaxDelay)
	return time.Duration(float64(d) * (0.75 + rand.Float64()/2))
}

// once makes one connection and plays the stream until it ends. It
// reports whether the stream was opened (audio was coming), and why it
// ended (nil: the server ended it cleanly).
func (h *HTTPSource) once(ctx context.Context) (played bool, err error) {
	cctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	// The watchdog drops the connection when the server is silent for
	// Timeout: no response, or no data.
	timeout := fmt.Errorf("%w: no data from %s for %v", ErrTimeout, h.url, h.opts.Timeout)
	dog := time.AfterFunc(h.opts.Timeout, func() { cancel(timeout) })
	defer dog.Stop()
	req, err := h.request(cctx)
	if err != nil {
		return false, err
	}
	resp, err := h.client.Do(req)
	if err != nil {
		if c := context.Cause(cctx); c != nil && ctx.Err() == nil {
			err = c
		}
		return false, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		return false, &HTTPStatusError{URL: h.url, Code: resp.StatusCode, Status: resp.Status}
	}
	ct := contentType(resp)
	if strings.HasPrefix(ct, "text/") {
		return false, &PathError{Op: "open", Path: h.url, Err: fmt.Errorf("%w: the server sent %s", ErrNoAudio, ct)}
	}
	var body io.Reader = &watchedReader{r: resp.Body, dog: dog, timeout: h.opts.Timeout}
	if v := resp.Header.Get("Icy-Metaint"); v != "" {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n <= 0 || n > maxMetaint {
			return false, fmt.Errorf("%w: %s: icy-metaint %q", errICY, h.url, v)
		}
		body = newICYReader(body, n)
	}
	return h.live.play(cctx, body, ct, h.url)
}

// watchedReader resets the connection's watchdog at every read that
// returns data.
type watchedReader struct {
	r       io.Reader
	dog     *time.Timer
	timeout time.Duration
}

func (w *watchedReader) Read(p []byte) (int, error) {
	n, err := w.r.Read(p)
	if n > 0 {
		w.dog.Reset(w.timeout)
	}
	return n, err
}
