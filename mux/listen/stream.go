package listen

import "io"

// stream sends the mount's stream to l until an error, a drop or the
// server's end. It waits for a start point at most BurstSize bytes back,
// sends the Ogg header pages the start needs, then the stream from the
// ring at the listener's own pace, with an ICY metadata block every
// MetaInterval bytes when the listener asked for them. When the mount's
// stream ends it returns io.EOF once every byte was sent (no metadata
// block follows the last byte).
func (m *Mount) stream(l *listener, out sink) error {
	pos, prefix, err := m.waitStart(l)
	if err != nil {
		return err
	}
	// The send buffer comes from the server's pool and goes back to it
	// while the listener waits: an idle listener holds none.
	bp := m.srv.bufs.Get().(*[]byte)
	defer func() {
		if bp != nil {
			m.srv.bufs.Put(bp)
		}
	}()
	var (
		buf     = (*bp)[:0]
		until   = m.cfg.MetaInterval // stream bytes before the next block
		lastSeq = int64(-1)          // the title the listener last got
		due     bool                 // a metadata block is due at pos
		icy     = l.info.ICY
		eof     bool // the stream ended at pos
	)
	for !eof {
		l.pos.Store(pos)
		buf = buf[:0]
	fill:
		for len(buf) < chunkSize {
			if due {
				t, wait, ok := m.ring.titleAt(pos)
				if !ok && wait == nil {
					eof = true
					break fill
				}
				if !ok {
					if len(buf) > 0 {
						break fill // send what we have, then wait
					}
					if bp, err = m.idle(l, bp, wait); err != nil {
						return err
					}
					buf = (*bp)[:0]
					continue
				}
				if t.seq != lastSeq {
					buf = append(buf, t.block...)
					lastSeq = t.seq
				} else {
					buf = append(buf, 0)
				}
				due, until = false, m.cfg.MetaInterval
			}
			room := chunkSize - len(buf)
			if icy {
				room = min(room, until)
			}
			dst := buf[len(buf) : len(buf)+room]
			var n int
			if len(prefix) > 0 {
				n = copy(dst, prefix)
				prefix = prefix[n:]
			} else {
				k, wait, lagged := m.ring.read(dst, pos)
				if lagged {
					return lagError(m.ring.written.Load()-pos, m.cfg.MaxLag)
				}
				if k == 0 && wait == nil {
					eof = true
					break fill
				}
				if k == 0 {
					if len(buf) > 0 {
						break fill
					}
					if bp, err = m.idle(l, bp, wait); err != nil {
						return err
					}
					buf = (*bp)[:0]
					continue
				}
				n = k
				pos += int64(k)
			}
			buf = buf[:len(buf)+n]
			if icy {
				if until -= n; until == 0 {
					due = true
				}
			}
		}
		if len(buf) == 0 {
			continue
		}
		if err := out.write(buf); err != nil {
			return err
		}
		l.sent.Add(int64(len(buf)))
	}
	l.pos.Store(pos)
	return io.EOF
}

// waitStart waits until the mount has a start point for a new listener,
// at most BurstSize bytes before the end of the stream at the time it was
// admitted (l.target). It returns io.EOF when the stream ended without one.
func (m *Mount) waitStart(l *listener) (int64, []byte, error) {
	for {
		off, prefix, wait, ok := m.ring.start(l.target)
		if ok {
			l.lead.Store(max(0, m.ring.written.Load()-off))
			return off, prefix, nil
		}
		if wait == nil {
			return 0, nil, io.EOF
		}
		if err := l.wait(wait); err != nil {
			return 0, nil, err
		}
	}
}

// idle waits for more bytes without holding a send buffer: bp goes back
// to the pool, and a buffer from the pool is returned after the wait (nil
// with an error).
func (m *Mount) idle(l *listener, bp *[]byte, wait <-chan struct{}) (*[]byte, error) {
	m.srv.bufs.Put(bp)
	if err := l.wait(wait); err != nil {
		return nil, err
	}
	return m.srv.bufs.Get().(*[]byte), nil
}

// wait waits until ch is closed (more bytes) or the listener is dropped.
func (l *listener) wait(ch <-chan struct{}) error {
	select {
	case <-ch:
		return nil
	case <-l.stop:
		return l.reason
	}
}
