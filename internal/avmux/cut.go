package avmux

import (
	"fmt"

	"github.com/asticode/go-astiav"
	"github.com/onair-go/onair/internal/av"
)

// Cut ends a segment of a container that goes on: it writes out
// everything the muxer still holds (the interleaving queue, the
// container's own buffers and FFmpeg's IO buffer), so that the bytes the
// output received so far end on a boundary, and the bytes that follow
// start a segment a player can begin with. An HLS segmenter keeps one
// muxer per rendition and moves the bytes between two cuts into one
// segment file.
//
// What a cut means depends on the container:
//
//   - mpegts: the pending PES packets are written, and the PAT and PMT
//     are written again in front of the next packet (mpegts_flags
//     resend_headers), as FFmpeg's own hls muxer does.
//   - mp4 family opened with movflags frag_custom: the samples written
//     since the last cut become one fragment (moof + mdat). With
//     empty_moov the header written by WriteHeader is the init section.
//   - other formats that allow flushing: their buffered data is written.
//
// Cut must be called between WriteHeader and the trailer. Packets written
// after it go on in the same container, with the same time bases.
func (m *Muxer) Cut() error {
	switch {
	case m.closed || m.trailer:
		return fmt.Errorf("%w: cut after the trailer", ErrState)
	case !m.header:
		return fmt.Errorf("%w: cut before the header", ErrState)
	}
	// A nil packet flushes the interleaving queue; the muxer stays usable.
	if err := m.fc.WriteInterleavedFrame(nil); err != nil {
		return m.ioErr("av_interleaved_write_frame(flush)", err)
	}
	if m.fc.OutputFormat().Flags().Has(astiav.IOFormatFlagAllowFlush) {
		if err := m.fc.WriteFrame(nil); err != nil {
			return m.ioErr("av_write_frame(flush)", err)
		}
	}
	if m.format == "mpegts" {
		if err := m.fc.PrivateData().Options().Set("mpegts_flags", "+resend_headers", 0); err != nil {
			return av.Wrap("av_opt_set mpegts_flags", err)
		}
	}
	return m.Flush()
}
