package listen

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"strconv"
	"time"
)

// lingerTimeout bounds how long a listener whose stream ended waits for
// its client to close the connection after the last byte.
const lingerTimeout = 2 * time.Second

// lastChunk ends a chunked body.
const lastChunk = "0\r\n\r\n"

// sink is where a listener's bytes go.
type sink interface {
	// start sends the response head.
	start(head []byte) error
	// write sends p, which is not empty.
	write(p []byte) error
	// finish ends the response after its last byte, in order, before the
	// connection is closed. A drop of the listener cuts it short.
	finish()
}

// connSink writes to a hijacked connection, the body chunked (HTTP/1.1)
// or not (HTTP/1.0: its end is the connection's).
type connSink struct {
	conn    net.Conn
	timeout time.Duration
	chunked bool
	size    [20]byte // a chunk's size line
	vec     [3][]byte
	bufs    net.Buffers // vec, consumed by each write (kept here: no allocation)
}

func (c *connSink) start(head []byte) error { return c.send(head, nil) }

func (c *connSink) write(p []byte) error {
	if !c.chunked {
		return c.send(p, nil)
	}
	c.vec[0] = append(strconv.AppendInt(c.size[:0], int64(len(p)), 16), '\r', '\n')
	c.vec[1], c.vec[2] = p, crlf
	c.bufs = c.vec[:]
	err := c.send(nil, &c.bufs)
	c.vec[1] = nil
	return err
}

var crlf = []byte("\r\n")

// send writes p, or the buffers of v in one system call.
func (c *connSink) send(p []byte, v *net.Buffers) error {
	if c.timeout > 0 {
		_ = c.conn.SetWriteDeadline(time.Now().Add(c.timeout))
	}
	var err error
	if v != nil {
		_, err = v.WriteTo(c.conn)
	} else {
		_, err = c.conn.Write(p)
	}
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return fmt.Errorf("%w: a write blocked for %v", ErrSlowListener, c.timeout)
	}
	return err
}

// finish sends the last chunk of a chunked body, then half-closes the
// connection, which tells the client the end after the bytes still
// queued, and waits (at most lingerTimeout, or until the listener is
// dropped, which closes the connection) for the client to close its
// side, reading and discarding what it sends: closing a socket with
// unread bytes would reset the connection, and could lose the stream's
// last bytes on their way.
func (c *connSink) finish() {
	if c.chunked && c.send([]byte(lastChunk), nil) != nil {
		return
	}
	cw, ok := c.conn.(interface{ CloseWrite() error })
	if !ok || cw.CloseWrite() != nil {
		return
	}
	_ = c.conn.SetReadDeadline(time.Now().Add(lingerTimeout))
	var b [512]byte
	for {
		if _, err := c.conn.Read(b[:]); err != nil {
			return
		}
	}
}

// responseSink writes through the ResponseWriter (HTTP/2).
type responseSink struct {
	w       http.ResponseWriter
	rc      *http.ResponseController
	timeout time.Duration
}

func (s *responseSink) start([]byte) error {
	s.w.WriteHeader(http.StatusOK)
	return s.rc.Flush()
}

func (s *responseSink) write(p []byte) error {
	if s.timeout > 0 {
		_ = s.rc.SetWriteDeadline(time.Now().Add(s.timeout))
	}
	if _, err := s.w.Write(p); err != nil {
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return fmt.Errorf("%w: a write blocked for %v", ErrSlowListener, s.timeout)
		}
		return err
	}
	return s.rc.Flush()
}

// finish does nothing: returning from the handler ends the HTTP/2
// stream.
func (s *responseSink) finish() {}
