package decode

import (
	"bufio"
	"context"
	"net"
	"net/http"
)

// newHTTPClient returns the default client of HTTP sources: Go's default
// transport, with connections that read a Shoutcast v1 status line
// ("ICY 200 OK") as "HTTP/1.0 200 OK", which net/http would refuse.
func newHTTPClient() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	dial := t.DialContext
	if dial == nil {
		dial = (&net.Dialer{}).DialContext
	}
	t.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := dial(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return &icyConn{Conn: c, r: bufio.NewReaderSize(c, 512)}, nil
	}
	return &http.Client{Transport: t}
}

// icyConn rewrites the status line of a Shoutcast v1 answer. It looks at
// the first bytes the server sends only: TLS records and HTTP status
// lines never start with "ICY ".
type icyConn struct {
	net.Conn
	r       *bufio.Reader
	checked bool
	prefix  []byte
}

func (c *icyConn) Read(p []byte) (int, error) {
	if !c.checked {
		c.checked = true
		if b, err := c.r.Peek(4); err == nil && string(b) == "ICY " {
			_, _ = c.r.Discard(4)
			c.prefix = []byte("HTTP/1.0 ")
		}
	}
	if len(c.prefix) > 0 {
		n := copy(p, c.prefix)
		c.prefix = c.prefix[n:]
		return n, nil
	}
	return c.r.Read(p)
}
