package icecast

import (
	"bufio"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/onair-go/onair/fault"
)

// userAgent is sent with every request.
const userAgent = "onair (github.com/onair-go/onair)"

// run is the network goroutine: it connects when the output is started,
// streams the queue, and after a failure waits as the policy says before
// it connects again. It returns when the output closes or gives up.
func (c *client) run(ctx context.Context) {
	defer close(c.runDone)
	var gen uint64
	failures := 0
	for {
		if !c.waitWanted(ctx) {
			return
		}
		c.setState(StateConnecting, nil)
		conn, br, err := c.dial(ctx)
		if err == nil {
			failures = 0
			gen++
			err = c.stream(ctx, conn, br, gen)
		}
		if ctx.Err() != nil || c.closing.Load() {
			return
		}
		if err == nil {
			continue // stopped: wait until started again
		}
		failures++
		backoff := c.backoff(failures)
		d := backoff
		if c.cfg.OnError != nil {
			d = c.cfg.OnError(err, failures, backoff)
		}
		if d < 0 {
			c.cfg.log.Error("giving up", "output", c.cfg.ID, "attempts", failures, "err", err)
			c.setState(StateFailed, err)
			return
		}
		c.cfg.log.Warn("connection failed: will retry", fault.Reconnect.Attr(), fault.KeyOutput, c.cfg.ID, fault.KeyURL, c.cfg.url(),
			fault.KeyRetryIn, d, fault.KeyAttempt, failures, fault.KeyErr, err)
		c.setState(StateRetrying, err)
		if !c.sleep(ctx, d) {
			return
		}
	}
}

// backoff returns MinRetryDelay doubled for each consecutive failure after
// the first, at most MaxRetryDelay.
func (c *client) backoff(failures int) time.Duration {
	d := c.cfg.MinRetryDelay
	for i := 1; i < failures && d < c.cfg.MaxRetryDelay; i++ {
		d *= 2
	}
	return min(d, c.cfg.MaxRetryDelay)
}

// waitWanted waits until the output is started and its source has shown
// the track to send. It returns false when the output closes.
func (c *client) waitWanted(ctx context.Context) bool {
	for {
		if c.closing.Load() {
			return false
		}
		if c.wanted.Load() && c.infoReady.Load() {
			return true
		}
		c.setState(StateIdle, nil)
		select {
		case <-ctx.Done():
			return false
		case <-c.kick:
		}
	}
}

// sleep waits d; it returns false when the output closes meanwhile.
func (c *client) sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return false
		case <-t.C:
			return true
		case <-c.kick:
			if c.closing.Load() {
				return false
			}
		}
	}
}

// dial connects, sends the request and reads the server's answer.
func (c *client) dial(ctx context.Context) (net.Conn, *bufio.Reader, error) {
	u := c.cfg.url()
	d := net.Dialer{Timeout: c.cfg.ConnectTimeout}
	conn, err := d.DialContext(ctx, "tcp", c.cfg.host)
	if err != nil {
		return nil, nil, &Error{Op: "dial", URL: u, Err: err}
	}
	c.setConn(conn)
	fail := func(err error) (net.Conn, *bufio.Reader, error) {
		c.closeConn()
		c.setConn(nil)
		return nil, nil, err
	}
	if ctx.Err() != nil {
		// Close ran between the dial and setConn: it could not close conn.
		return fail(&Error{Op: "dial", URL: u, Err: ctx.Err()})
	}
	_ = conn.SetDeadline(time.Now().Add(c.cfg.ConnectTimeout))
	if _, err := io.WriteString(conn, c.request()); err != nil {
		return fail(&Error{Op: "request", URL: u, Err: err})
	}
	br := bufio.NewReaderSize(conn, 1024)
	for {
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				err = fmt.Errorf("%w before answering", ErrServerClosed)
			} else if !isNetError(err) {
				err = fmt.Errorf("%w: %w", ErrProtocol, err)
			}
			return fail(&Error{Op: "response", URL: u, Err: err})
		}
		if resp.StatusCode == http.StatusContinue {
			continue // PUT with Expect: the final answer follows
		}
		if resp.StatusCode == http.StatusOK {
			_ = conn.SetDeadline(time.Time{})
			return conn, br, nil
		}
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		msg := strings.TrimSpace(string(b))
		e := &Error{Op: "response", URL: u, Status: resp.StatusCode, Msg: msg}
		switch {
		case resp.StatusCode == http.StatusUnauthorized:
			e.Err = fmt.Errorf("%w for user %q", ErrAuth, c.cfg.User)
		case resp.StatusCode == http.StatusForbidden && strings.Contains(strings.ToLower(msg), "in use"):
			e.Err = ErrMountInUse
		case resp.StatusCode >= 300 && resp.StatusCode < 400:
			e.Err = fmt.Errorf("%w: redirect to %q", ErrProtocol, resp.Header.Get("Location"))
		default:
			e.Err = fmt.Errorf("%w: %s", ErrRefused, resp.Status)
		}
		return fail(e)
	}
}

func isNetError(err error) bool {
	var ne net.Error
	return errors.As(err, &ne)
}

// request returns the request head.
func (c *client) request() string {
	var b strings.Builder
	path := (&url.URL{Path: c.cfg.mount}).EscapedPath()
	if c.cfg.Method == MethodSource {
		fmt.Fprintf(&b, "SOURCE %s HTTP/1.0\r\n", path)
	} else {
		fmt.Fprintf(&b, "PUT %s HTTP/1.1\r\n", path)
	}
	h := func(k, v string) {
		if v != "" {
			b.WriteString(k + ": " + v + "\r\n")
		}
	}
	h("Host", c.cfg.host)
	h("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(c.cfg.User+":"+c.cfg.Password)))
	h("User-Agent", userAgent)
	h("Content-Type", c.cfg.ContentType)
	h("Ice-Name", c.cfg.Name)
	h("Ice-Description", c.cfg.Description)
	h("Ice-Genre", c.cfg.Genre)
	h("Ice-Url", c.cfg.StreamURL)
	if c.cfg.Public {
		h("Ice-Public", "1")
	} else {
		h("Ice-Public", "0")
	}
	if p := c.audioInfo.Load(); p != nil {
		h("Ice-Audio-Info", *p)
	}
	keys := make([]string, 0, len(c.cfg.Headers))
	for k := range c.cfg.Headers {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		h(k, c.cfg.Headers[k])
	}
	if c.cfg.Method == MethodPut {
		h("Expect", "100-continue")
	}
	b.WriteString("\r\n")
	return b.String()
}

// stream sends the queue to conn until the output stops (nil, once the
// queue is sent), the connection fails or ctx is done.
func (c *client) stream(ctx context.Context, conn net.Conn, br *bufio.Reader, gen uint64) (err error) {
	u := c.cfg.url()
	c.q.setGeneration(gen)
	c.connected.Store(true)
	c.mu.Lock()
	c.st.Connections++
	c.mu.Unlock()
	c.setState(StateConnected, nil)
	c.cfg.log.Info("connected", "output", c.cfg.ID, "url", u, "method", c.cfg.Method.String())
	if c.cfg.OnConnect != nil {
		c.cfg.OnConnect()
	}
	// The server sends nothing once streaming: a read returns only when it
	// closes the connection, which is then noticed without waiting for a
	// write to fail.
	dead := make(chan struct{})
	go func() {
		defer close(dead)
		var b [512]byte
		for {
			if _, err := br.Read(b[:]); err != nil {
				return
			}
		}
	}()
	defer func() {
		c.connected.Store(false)
		c.q.setGeneration(0)
		c.closeConn()
		<-dead
		c.setConn(nil)
		if err != nil {
			c.cfg.log.Warn("disconnected", "output", c.cfg.ID, "err", err)
		} else {
			c.cfg.log.Info("disconnected", "output", c.cfg.ID)
		}
		if c.cfg.OnDisconnect != nil {
			c.cfg.OnDisconnect(err)
		}
	}()
	for {
		ch, ok := c.q.pop()
		if !ok {
			if !c.wanted.Load() {
				return nil
			}
			select {
			case <-c.q.notify:
			case <-c.kick:
			case <-dead:
				return &Error{Op: "write", URL: u, Err: ErrServerClosed}
			case <-ctx.Done():
				return ctx.Err()
			}
			continue
		}
		if ch.meta != nil {
			c.publish(ch.meta, gen)
		}
		if len(ch.data) == 0 {
			continue
		}
		select {
		case <-dead:
			return &Error{Op: "write", URL: u, Err: ErrServerClosed}
		default:
		}
		_ = conn.SetWriteDeadline(time.Now().Add(c.cfg.WriteTimeout))
		n, werr := conn.Write(ch.data)
		c.sent.Add(int64(n))
		c.q.recycle(ch.data)
		if werr != nil {
			select {
			case <-dead:
				werr = fmt.Errorf("%w (%w)", ErrServerClosed, werr)
			default:
			}
			return &Error{Op: "write", URL: u, Err: werr}
		}
	}
}

func (c *client) setConn(conn net.Conn) {
	c.mu.Lock()
	c.conn = conn
	c.mu.Unlock()
}

// closeConn closes the current connection, which unblocks its reads and
// writes. Safe from any goroutine.
func (c *client) closeConn() {
	c.mu.Lock()
	conn := c.conn
	c.mu.Unlock()
	if conn != nil {
		_ = conn.Close()
	}
}
