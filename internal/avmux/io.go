package avmux

import (
	"errors"
	"io"

	"github.com/asticode/go-astiav"
	"github.com/onair-go/onair/internal/av"
)

// ioBufferSize is the size of FFmpeg's write buffer for custom IO.
const ioBufferSize = 32 << 10

// FFmpeg's seek "whence" extensions (libavformat/avio.h).
const (
	avseekSize  = 0x10000 // return the stream size, do not seek
	avseekForce = 0x20000 // seek even if costly
)

// customIO forwards FFmpeg's writes to an io.Writer and remembers the
// first write error, which FFmpeg itself only sees as a generic failure.
type customIO struct {
	w        io.Writer
	s        io.Seeker // nil when not seekable
	seekable bool
	err      error
}

func newCustomIO(w io.Writer) (*customIO, *astiav.IOContext, error) {
	if w == nil {
		return nil, nil, errors.New("avmux: nil io.Writer")
	}
	c := &customIO{w: w}
	if s, ok := w.(io.Seeker); ok {
		// A pipe or a socket behind an *os.File is a Seeker whose Seek fails.
		if _, err := s.Seek(0, io.SeekCurrent); err == nil {
			c.s, c.seekable = s, true
		}
	}
	var seek astiav.IOContextSeekFunc
	if c.seekable {
		seek = c.seek
	}
	pb, err := astiav.AllocIOContext(ioBufferSize, true, nil, seek, c.write)
	if err != nil {
		return nil, nil, av.Wrap("avio_alloc_context", err)
	}
	return c, pb, nil
}

func (c *customIO) write(b []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	n, err := c.w.Write(b)
	if err == nil && n < len(b) {
		err = io.ErrShortWrite
	}
	if err != nil {
		c.err = err
		return n, err
	}
	return n, nil
}

func (c *customIO) seek(offset int64, whence int) (int64, error) {
	whence &^= avseekForce
	if whence&avseekSize != 0 {
		cur, err := c.s.Seek(0, io.SeekCurrent)
		if err != nil {
			return -1, err
		}
		end, err := c.s.Seek(0, io.SeekEnd)
		if err != nil {
			return -1, err
		}
		if _, err := c.s.Seek(cur, io.SeekStart); err != nil {
			return -1, err
		}
		return end, nil
	}
	return c.s.Seek(offset, whence)
}
