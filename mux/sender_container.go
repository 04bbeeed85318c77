package mux

import (
	"bytes"
	"errors"
	"fmt"
	"time"

	"github.com/asticode/go-astiav"
	"github.com/onair-go/onair"
)

// newStream handles a new encoded stream on a track (an encoder rebuilt at
// a track end, or a switch between encoded sources). The timeline goes on:
// the new stream's first packet starts where the previous one ended. When
// the codec parameters are the same the packets go on in the same
// container; otherwise the container is closed and a new one started with
// the new parameters.
func (s *sender) newStream(st *outStream, info *onair.StreamInfo, p *onair.Packet) {
	same := compatible(st.info, info)
	if st.hasNext {
		st.shift = astiav.RescaleQ(st.next, rat(st.tb), rat(info.TimeBase)) - p.DTS
	} else {
		st.shift = 0
	}
	st.setInfo(info)
	if same {
		s.opts.log.Info("new stream on track: continuing in the same container", "output", s.opts.ID, "track", st.name, "codec", info.Codec)
		return
	}
	s.opts.log.Warn("stream parameters changed on track: starting a new container", "output", s.opts.ID, "track", st.name, "codec", info.Codec)
	if s.m != nil {
		if err := s.closeFile(); err != nil {
			s.opts.log.Error("closing container failed", "output", s.opts.ID, "err", err)
		}
	}
}

func compatible(a, b *onair.StreamInfo) bool {
	return a.Codec == b.Codec && a.MediaType == b.MediaType && a.SampleRate == b.SampleRate &&
		a.Channels == b.Channels && a.Width == b.Width && a.Height == b.Height && bytes.Equal(a.Extradata, b.Extradata)
}

func (s *sender) openFile(at time.Duration) error {
	m, name, err := s.open(at)
	if err != nil {
		return err
	}
	for _, st := range s.streams {
		if _, err := m.AddStream(st.info); err != nil {
			return errors.Join(fmt.Errorf("mux: track %q: %w", st.name, err), m.Close())
		}
		st.hasLast, st.keyed = false, false
	}
	if err := m.WriteHeader(); err != nil {
		return errors.Join(err, m.Close())
	}
	s.m, s.hasOrig = m, false
	s.nameMu.Lock()
	s.name = name
	s.nameMu.Unlock()
	s.opts.log.Info("container opened", "output", s.opts.ID, "name", name, "format", m.Format())
	return nil
}

// closeFile writes the trailer of the current container.
func (s *sender) closeFile() error {
	if s.m == nil {
		return nil
	}
	err := s.m.Close()
	s.m = nil
	if s.onClose != nil {
		s.onClose(s.name)
	}
	return err
}

// abort drops the current container after a write error; the next packet
// starts a new one.
func (s *sender) abort() {
	if s.m != nil {
		_ = s.m.Close()
		s.m = nil
	}
}

// currentName returns the name of the open container. Safe from any
// goroutine.
func (s *sender) currentName() string {
	s.nameMu.Lock()
	defer s.nameMu.Unlock()
	return s.name
}
