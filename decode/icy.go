package decode

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/onair-go/onair"
)

// maxMetaint bounds the icy-metaint a server may announce.
const maxMetaint = 1 << 20

// errICY reports a malformed ICY stream.
var errICY = errors.New("decode: malformed ICY stream")

// icyReader delivers the audio bytes of an Icecast/Shoutcast response
// whose body interleaves metadata blocks (a length byte in units of 16,
// then StreamTitle='...'; text padded with NULs) every metaint bytes of
// audio. It keeps each title change with the position, in audio bytes,
// of the audio it belongs to. It is used by one goroutine.
type icyReader struct {
	r       io.Reader
	metaint int
	left    int   // audio bytes before the next metadata block
	audio   int64 // audio bytes delivered
	last    string
	buf     [255 * 16]byte
	pending []icyMeta
}

type icyMeta struct {
	pos int64
	m   onair.Metadata
}

func newICYReader(r io.Reader, metaint int) *icyReader {
	return &icyReader{r: r, metaint: metaint, left: metaint}
}

// Read reads audio bytes, taking the metadata blocks out.
func (r *icyReader) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	for r.left == 0 {
		if err := r.readMeta(); err != nil {
			return 0, err
		}
	}
	n, err := r.r.Read(p[:min(len(p), r.left)])
	r.left -= n
	r.audio += int64(n)
	return n, err
}

// readMeta reads one metadata block.
func (r *icyReader) readMeta() error {
	if _, err := io.ReadFull(r.r, r.buf[:1]); err != nil {
		return err // io.EOF: the stream ended between two blocks
	}
	n := int(r.buf[0]) * 16
	if _, err := io.ReadFull(r.r, r.buf[:n]); err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return fmt.Errorf("%w: metadata block: %w", errICY, err)
	}
	r.left = r.metaint
	if n == 0 {
		return nil // no change
	}
	raw := string(r.buf[:n])
	if raw == r.last {
		return nil
	}
	r.last = raw
	if m := parseICY(raw); len(m) > 0 {
		r.pending = append(r.pending, icyMeta{pos: r.audio, m: m})
	}
	return nil
}

// metaUpTo implements byteMetaReader.
func (r *icyReader) metaUpTo(pos int64) []onair.Metadata {
	var out []onair.Metadata
	k := 0
	for k < len(r.pending) && r.pending[k].pos <= pos {
		out = append(out, r.pending[k].m)
		k++
	}
	if k > 0 {
		clear(r.pending[:k])
		r.pending = append(r.pending[:0], r.pending[k:]...)
	}
	return out
}

// parseICY reads the fields of a metadata block (Key='value'; ...).
// StreamTitle becomes "title", split into "artist" and "title" at the
// first " - " when it has one (the usual "Artist - Title" convention);
// StreamUrl becomes "url". Text that is not valid UTF-8 is read as
// Latin-1, which many servers send.
func parseICY(raw string) onair.Metadata {
	s := strings.TrimRight(raw, "\x00")
	m := onair.Metadata{}
	for s != "" {
		eq := strings.Index(s, "='")
		if eq < 0 {
			break
		}
		key := strings.TrimSpace(strings.TrimLeft(s[:eq], "; "))
		s = s[eq+2:]
		// The value ends at "';" (values may contain quotes), or at the
		// last quote of the block.
		end := strings.Index(s, "';")
		next := end + 2
		if end < 0 {
			end = strings.LastIndexByte(s, '\'')
			if end < 0 {
				end = len(s)
			}
			next = len(s)
		}
		val := latin1(s[:end])
		s = s[next:]
		switch key {
		case "StreamTitle":
			if val == "" {
				continue
			}
			if artist, title, ok := strings.Cut(val, " - "); ok && artist != "" && title != "" {
				m["artist"], m["title"] = artist, title
			} else {
				m["title"] = val
			}
		case "StreamUrl":
			if val != "" {
				m["url"] = val
			}
		}
	}
	return m
}

// latin1 returns s unchanged when it is valid UTF-8, else s decoded as
// ISO 8859-1.
func latin1(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		b.WriteRune(rune(s[i]))
	}
	return b.String()
}
