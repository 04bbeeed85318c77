package icecast

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/onair-go/onair"
)

// Metadata updates through the admin API are retried this many times,
// this far apart, unless newer metadata or a new connection comes first.
const (
	metadataAttempts   = 3
	metadataRetryDelay = time.Second
)

// publish hands m to the metadata goroutine; a newer m replaces one not
// sent yet. Called on the network goroutine when the stream reaches m.
func (c *client) publish(m onair.Metadata, gen uint64) {
	c.metaMu.Lock()
	c.metaPending, c.metaGen = m, gen
	c.metaMu.Unlock()
	select {
	case c.metaK <- struct{}{}:
	default:
	}
}

// take returns the pending metadata and clears it.
func (c *client) take() (onair.Metadata, uint64) {
	c.metaMu.Lock()
	defer c.metaMu.Unlock()
	m, g := c.metaPending, c.metaGen
	c.metaPending = nil
	return m, g
}

// runMetadata is the metadata goroutine: it sends each published title
// through the admin API, off the clock and the data connection, so a slow
// admin request delays neither.
func (c *client) runMetadata(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-c.metaK:
		}
		m, gen := c.take()
		for attempt := 1; m != nil; attempt++ {
			song := c.cfg.Song(m)
			if song == "" {
				break
			}
			err := c.updateMetadata(ctx, song)
			c.mu.Lock()
			if err == nil {
				c.st.MetadataSent++
				c.st.Song = song
			} else {
				c.st.MetadataFailed++
			}
			c.mu.Unlock()
			if err == nil {
				c.cfg.log.Info("metadata updated", "output", c.cfg.ID, "song", song)
				break
			}
			if ctx.Err() != nil {
				return
			}
			c.cfg.log.Warn("metadata update failed", "output", c.cfg.ID, "song", song, "attempt", attempt, "err", err)
			if attempt >= metadataAttempts || gen != c.q.generation() {
				break // a new connection sends the last metadata again
			}
			t := time.NewTimer(metadataRetryDelay)
			select {
			case <-ctx.Done():
				t.Stop()
				return
			case <-c.metaK:
				// Newer metadata: send it instead.
				t.Stop()
				m, gen, attempt = c.takeOr(m, gen, attempt)
			case <-t.C:
			}
		}
	}
}

// takeOr returns the pending metadata with a fresh attempt count, or m,
// gen and attempt when none is pending.
func (c *client) takeOr(m onair.Metadata, gen uint64, attempt int) (onair.Metadata, uint64, int) {
	if n, g := c.take(); n != nil {
		return n, g, 0
	}
	return m, gen, attempt
}

// updateMetadata sets the mount's title with GET
// /admin/metadata?mode=updinfo, as source clients do, with the source
// credentials.
func (c *client) updateMetadata(ctx context.Context, song string) error {
	q := url.Values{"mode": {"updinfo"}, "mount": {c.cfg.mount}, "song": {song}, "charset": {"UTF-8"}}
	u := "http://" + c.cfg.host + "/admin/metadata"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u+"?"+q.Encode(), nil)
	if err != nil {
		return &Error{Op: "metadata", URL: u, Err: err}
	}
	req.SetBasicAuth(c.cfg.User, c.cfg.Password)
	req.Header.Set("User-Agent", userAgent)
	resp, err := c.http.Do(req)
	if err != nil {
		return &Error{Op: "metadata", URL: u, Err: err}
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	msg := between(string(b), "<message>", "</message>")
	e := &Error{Op: "metadata", URL: u, Status: resp.StatusCode, Msg: msg}
	switch {
	case resp.StatusCode == http.StatusUnauthorized:
		e.Err = fmt.Errorf("%w for user %q", ErrAuth, c.cfg.User)
	case resp.StatusCode != http.StatusOK:
		e.Err = fmt.Errorf("%w: %s", ErrRefused, resp.Status)
	case !strings.Contains(string(b), "<return>1</return>"):
		e.Status, e.Err = 0, fmt.Errorf("%w: update not accepted", ErrRefused)
	default:
		return nil
	}
	return e
}

// between returns the text of s between the first open and the next
// close, or "".
func between(s, open, close string) string {
	i := strings.Index(s, open)
	if i < 0 {
		return ""
	}
	s = s[i+len(open):]
	j := strings.Index(s, close)
	if j < 0 {
		return ""
	}
	return s[:j]
}
