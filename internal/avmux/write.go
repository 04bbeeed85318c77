package avmux

import (
	"errors"
	"fmt"

	"github.com/asticode/go-astiav"
	"github.com/onair-go/onair"
	"github.com/onair-go/onair/internal/av"
)

// padding is FFmpeg's AV_INPUT_BUFFER_PADDING_SIZE: packet buffers must be
// followed by that many zero bytes, which bitstream readers may touch.
const padding = 64

// WritePacket writes one packet of stream i. Its timestamps (PTS, DTS,
// Duration) are in time base tb and are rescaled to the stream's time base;
// p.Pos is ignored; p.NewExtradata goes to the muxer as the packet's
// AV_PKT_DATA_NEW_EXTRADATA side data. The data is copied: the caller
// keeps p. Packets of different streams are interleaved by DTS
// (av_interleaved_write_frame), so callers may write each stream's packets
// as they come.
func (m *Muxer) WritePacket(i int, p onair.Packet, tb onair.Rational) error {
	if err := m.checkWrite(i); err != nil {
		return err
	}
	// av_packet_from_data wants the padding after the data; astiav's
	// FromData allocates exactly what it is given, so give it the padding
	// too and shrink the size back.
	m.scratch = append(m.scratch[:0], p.Data...)
	var zero [padding]byte
	m.scratch = append(m.scratch, zero[:]...)
	if err := m.pkt.FromData(m.scratch); err != nil {
		return av.Wrap("av_packet_from_data", err)
	}
	m.pkt.SetSize(len(p.Data))
	m.pkt.SetPts(p.PTS)
	m.pkt.SetDts(p.DTS)
	m.pkt.SetDuration(p.Duration)
	if p.Key {
		m.pkt.SetFlags(astiav.PacketFlags(astiav.PacketFlagKey)) // not NewPacketFlags: its variadic slice allocates
	}
	if err := av.SetNewExtradata(m.pkt, p.NewExtradata); err != nil {
		m.pkt.Unref()
		return err
	}
	return m.write(i, m.pkt, astiav.NewRational(tb.Num, tb.Den))
}

// WriteAVPacket writes an FFmpeg packet of stream i whose timestamps are in
// time base tb (an encoder's packet, written without a copy). Like
// av_interleaved_write_frame it takes pkt's reference: pkt is blank on
// return, whatever the result, and can be reused.
func (m *Muxer) WriteAVPacket(i int, pkt *astiav.Packet, tb astiav.Rational) error {
	if err := m.checkWrite(i); err != nil {
		pkt.Unref()
		return err
	}
	return m.write(i, pkt, tb)
}

func (m *Muxer) checkWrite(i int) error {
	switch {
	case m.closed || m.trailer:
		return fmt.Errorf("%w: packet written after the trailer", ErrState)
	case !m.header:
		return fmt.Errorf("%w: packet written before the header", ErrState)
	case i < 0 || i >= len(m.streams):
		return fmt.Errorf("%w: index %d of %d", ErrStream, i, len(m.streams))
	}
	return nil
}

// write rescales pkt to the stream's time base, runs it through the
// stream's bitstream filters and hands it to the interleaver. pkt is blank
// on return.
func (m *Muxer) write(i int, pkt *astiav.Packet, tb astiav.Rational) error {
	s := m.streams[i]
	pkt.SetStreamIndex(i)
	pkt.SetPos(-1)
	pkt.RescaleTs(tb, s.st.TimeBase())
	if s.bsf == nil {
		err := m.fc.WriteInterleavedFrame(pkt)
		pkt.Unref()
		return m.ioErr("av_interleaved_write_frame", err)
	}
	return s.bsf.filter(pkt, func(out *astiav.Packet) error {
		out.SetStreamIndex(i)
		return m.ioErr("av_interleaved_write_frame", m.fc.WriteInterleavedFrame(out))
	})
}

// Flush pushes the bytes buffered in FFmpeg's IO layer to the file or
// writer. Muxers buffer packets for interleaving: those are written by
// later packets or by the trailer, not by Flush.
func (m *Muxer) Flush() error {
	if m.closed || m.pb == nil {
		return nil
	}
	m.pb.Flush()
	if m.custom != nil && m.custom.err != nil {
		return &av.Error{Op: "avio_flush", Err: m.custom.err}
	}
	return nil
}

// WriteTrailer drains the bitstream filters and the interleaving queue and
// writes the container trailer. A second call does nothing and returns nil;
// a call before the header is an error.
func (m *Muxer) WriteTrailer() error {
	if m.trailer {
		return nil
	}
	if m.closed || !m.header {
		return fmt.Errorf("%w: trailer written before the header", ErrState)
	}
	m.trailer = true
	var errs []error
	for i, s := range m.streams {
		if s.bsf == nil {
			continue
		}
		err := s.bsf.filter(nil, func(out *astiav.Packet) error {
			out.SetStreamIndex(i)
			return m.ioErr("av_interleaved_write_frame", m.fc.WriteInterleavedFrame(out))
		})
		if err != nil {
			errs = append(errs, err)
		}
	}
	if err := m.fc.WriteTrailer(); err != nil {
		errs = append(errs, m.ioErr("av_write_trailer", err))
	}
	return errors.Join(errs...)
}

// Close writes the trailer if the header was written and the trailer was
// not, then frees every FFmpeg object and closes the file (an io.Writer
// given to NewWriter is not closed). It returns the trailer's or the file's
// error. Close is idempotent: later calls return nil.
func (m *Muxer) Close() error {
	if m.closed {
		return nil
	}
	var errs []error
	if m.header && !m.trailer {
		errs = append(errs, m.WriteTrailer())
	}
	m.closed = true
	for _, s := range m.streams {
		if s.bsf != nil {
			s.bsf.free()
		}
	}
	m.pkt.Free()
	if m.pb != nil {
		if m.custom != nil {
			m.pb.Free()
		} else if err := m.pb.Close(); err != nil {
			errs = append(errs, av.Wrap("avio_closep", err))
		}
	}
	// avformat_free_context does not touch the (already closed) pb of an
	// output context.
	m.fc.Free()
	m.detach()
	return errors.Join(errs...)
}

// ioErr wraps an FFmpeg error, adding the writer's own error when a custom
// IO write failed, so that errors.Is finds it.
func (m *Muxer) ioErr(op string, err error) error {
	if err == nil {
		return nil
	}
	if m.custom != nil && m.custom.err != nil {
		return &av.Error{Op: op, Err: fmt.Errorf("%w (%w)", m.custom.err, err)}
	}
	return av.Wrap(op, err)
}
