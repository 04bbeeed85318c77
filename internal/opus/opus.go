// Package opus decodes Opus packets received over RTP with FFmpeg's libopus
// decoder, and conceals lost ones (libopus packet-loss concealment).
package opus

/*
#cgo pkg-config: libavutil
#include <libavutil/frame.h>
*/
import "C"

import (
	"errors"
	"fmt"
	"unsafe"

	"github.com/asticode/go-astiav"
	"github.com/onair-go/onair/internal/av"
)

// Rate is Opus's RTP clock rate and the decoder's output rate.
const Rate = 48000

// padding is FFmpeg's AV_INPUT_BUFFER_PADDING_SIZE.
var padding [64]byte

// Decoder decodes Opus packets into interleaved float32 samples at 48 kHz.
// It is not safe for concurrent use.
type Decoder struct {
	cc       *astiav.CodecContext
	pkt      *astiav.Packet
	fr       *astiav.Frame
	channels int
	buf      []byte
	toc      byte // the TOC byte of the last packet, for concealment
	haveTOC  bool
}

// ErrDecoder reports that FFmpeg has no libopus decoder.
var ErrDecoder = errors.New("opus: FFmpeg has no libopus decoder")

// NewDecoder opens a decoder for 1 or 2 channels.
func NewDecoder(channels int) (*Decoder, error) {
	codec := astiav.FindDecoderByName("libopus")
	if codec == nil {
		return nil, ErrDecoder
	}
	d := &Decoder{channels: channels, cc: astiav.AllocCodecContext(codec)}
	if d.cc == nil {
		return nil, errors.New("opus: cannot allocate a codec context")
	}
	layout := astiav.ChannelLayoutStereo
	if channels == 1 {
		layout = astiav.ChannelLayoutMono
	} else if channels != 2 {
		d.Close()
		return nil, fmt.Errorf("opus: %d channels (1 or 2)", channels)
	}
	d.cc.SetChannelLayout(layout)
	d.cc.SetSampleRate(Rate)
	opts := astiav.NewDictionary()
	defer opts.Free()
	// libopus decodes to s16 unless asked for float.
	if err := opts.Set("request_sample_fmt", "flt", astiav.NewDictionaryFlags()); err != nil {
		d.Close()
		return nil, av.Wrap("av_dict_set", err)
	}
	if err := d.cc.Open(codec, opts); err != nil {
		d.Close()
		return nil, av.Wrap("avcodec_open2", err)
	}
	if sf := d.cc.SampleFormat(); sf != astiav.SampleFormatFlt {
		d.Close()
		return nil, fmt.Errorf("opus: the decoder gives %s, not flt", sf)
	}
	d.pkt = astiav.AllocPacket()
	d.fr = astiav.AllocFrame()
	return d, nil
}

// Channels returns the number of channels of the decoded samples.
func (d *Decoder) Channels() int { return d.channels }

// Decode decodes one packet and appends its samples to dst.
func (d *Decoder) Decode(dst []float32, data []byte) ([]float32, error) {
	if len(data) == 0 {
		return d.Conceal(dst)
	}
	d.toc, d.haveTOC = data[0]&^3, true // code 0: one frame of the same configuration
	return d.decode(dst, data)
}

// Conceal appends the samples of one lost packet, made up by libopus from
// the audio before it (a packet of only a TOC byte asks libopus for its
// packet-loss concealment): one frame of the last packet's duration, or
// nothing before the first packet.
func (d *Decoder) Conceal(dst []float32) ([]float32, error) {
	if !d.haveTOC {
		return dst, nil
	}
	return d.decode(dst, []byte{d.toc})
}

func (d *Decoder) decode(dst []float32, data []byte) ([]float32, error) {
	// FFmpeg wants zeroed padding after a packet's data; Packet.Data
	// returns a copy, so the data goes in with FromData, padding included.
	d.buf = append(append(d.buf[:0], data...), padding[:]...)
	if err := d.pkt.FromData(d.buf); err != nil {
		return dst, av.Wrap("av_packet_from_data", err)
	}
	d.pkt.SetSize(len(data))
	defer d.pkt.Unref()
	if err := d.cc.SendPacket(d.pkt); err != nil {
		return dst, av.Wrap("avcodec_send_packet", err)
	}
	for {
		err := d.cc.ReceiveFrame(d.fr)
		if errors.Is(err, astiav.ErrEagain) || errors.Is(err, astiav.ErrEof) {
			return dst, nil
		}
		if err != nil {
			return dst, av.Wrap("avcodec_receive_frame", err)
		}
		dst = append(dst, interleaved(d.fr)...)
		d.fr.Unref()
	}
}

// interleaved returns the samples of a packed float frame, without copying.
func interleaved(f *astiav.Frame) []float32 {
	c := (*C.AVFrame)(f.UnsafePointer())
	n := int(c.nb_samples) * int(c.ch_layout.nb_channels)
	if n <= 0 {
		return nil
	}
	return unsafe.Slice((*float32)(unsafe.Pointer(c.data[0])), n)
}

// Close releases the decoder. It is idempotent.
func (d *Decoder) Close() {
	if d.fr != nil {
		d.fr.Free()
		d.fr = nil
	}
	if d.pkt != nil {
		d.pkt.Free()
		d.pkt = nil
	}
	if d.cc != nil {
		d.cc.Free()
		d.cc = nil
	}
}
