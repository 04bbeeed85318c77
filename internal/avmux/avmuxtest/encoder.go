// Package avmuxtest holds test helpers for the muxing packages: a small
// FFmpeg encoder that turns synthetic audio and video into encoded packets
// with their [onair.StreamInfo] (global headers, like the real encoders),
// and ffprobe/ffmpeg checks of written files. It is for tests only.
package avmuxtest

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/asticode/go-astiav"
	"github.com/onair-go/onair"
	"github.com/onair-go/onair/internal/av"
)

// Encoder encodes audio (planar float32 in any chunk sizes) or synthetic
// video frames into packets whose timestamps are in Info().TimeBase. It is
// not safe for concurrent use.
type Encoder struct {
	cc    *astiav.CodecContext
	frame *astiav.Frame
	pkt   *astiav.Packet
	info  *onair.StreamInfo
	cp    *astiav.CodecParameters

	sf       astiav.SampleFormat
	channels int
	fifo     [][]float32 // pending audio, per channel
	pts      int64
	buf      []byte
	Calls    int // frames sent to the codec
}

// NewAudio opens audio encoder codec (an FFmpeg encoder name such as "aac",
// "libmp3lame", "libopus", "libvorbis") with the global-header flag.
func NewAudio(codec string, sampleRate, channels int, bitRate int64) (*Encoder, error) {
	c := astiav.FindEncoderByName(codec)
	if c == nil {
		return nil, fmt.Errorf("avmuxtest: no encoder %q", codec)
	}
	e := &Encoder{cc: astiav.AllocCodecContext(c), channels: channels}
	e.sf = pickSampleFormat(c.SampleFormats())
	e.cc.SetSampleFormat(e.sf)
	e.cc.SetSampleRate(sampleRate)
	if channels == 1 {
		e.cc.SetChannelLayout(astiav.ChannelLayoutMono)
	} else {
		e.cc.SetChannelLayout(astiav.ChannelLayoutStereo)
	}
	e.cc.SetBitRate(bitRate)
	e.cc.SetTimeBase(astiav.NewRational(1, sampleRate))
	e.cc.SetFlags(e.cc.Flags().Add(astiav.CodecContextFlagGlobalHeader))
	if err := e.cc.Open(c, nil); err != nil {
		e.Close()
		return nil, av.Wrap("avcodec_open2 "+codec, err)
	}
	e.fifo = make([][]float32, channels)
	return e, e.finishOpen(astiav.MediaTypeAudio)
}

// NewVideo opens video encoder codec (e.g. "libx264") with the global-header
// flag, for yuv420p pictures of w×h at fps frames per second.
func NewVideo(codec string, w, h, fps int) (*Encoder, error) {
	c := astiav.FindEncoderByName(codec)
	if c == nil {
		return nil, fmt.Errorf("avmuxtest: no encoder %q", codec)
	}
	e := &Encoder{cc: astiav.AllocCodecContext(c)}
	e.cc.SetWidth(w)
	e.cc.SetHeight(h)
	e.cc.SetPixelFormat(astiav.PixelFormatYuv420P)
	e.cc.SetTimeBase(astiav.NewRational(1, fps))
	e.cc.SetFramerate(astiav.NewRational(fps, 1))
	e.cc.SetGopSize(fps)
	e.cc.SetFlags(e.cc.Flags().Add(astiav.CodecContextFlagGlobalHeader))
	d := astiav.NewDictionary()
	defer d.Free()
	_ = d.Set("preset", "ultrafast", 0)
	if err := e.cc.Open(c, d); err != nil {
		e.Close()
		return nil, av.Wrap("avcodec_open2 "+codec, err)
	}
	return e, e.finishOpen(astiav.MediaTypeVideo)
}

func (e *Encoder) finishOpen(mt astiav.MediaType) error {
	e.frame = astiav.AllocFrame()
	e.pkt = astiav.AllocPacket()
	e.cp = astiav.AllocCodecParameters()
	if err := e.cp.FromCodecContext(e.cc); err != nil {
		return av.Wrap("avcodec_parameters_from_context", err)
	}
	tb := e.cc.TimeBase()
	e.info = &onair.StreamInfo{
		Codec:      e.cp.CodecID().Name(),
		TimeBase:   onair.Rational{Num: tb.Num(), Den: tb.Den()},
		SampleRate: e.cc.SampleRate(),
		Channels:   e.channels,
		Width:      e.cc.Width(),
		Height:     e.cc.Height(),
		BitRate:    e.cc.BitRate(),
		Extradata:  e.cp.ExtraData(),
		Params:     e.cp,
	}
	if mt == astiav.MediaTypeAudio {
		e.info.MediaType = onair.AudioTrack
	} else {
		e.info.MediaType = onair.VideoTrack
		e.info.FrameRate = onair.Rational{Num: e.cc.Framerate().Num(), Den: e.cc.Framerate().Den()}
	}
	return nil
}

// Info returns the encoded stream's info (Params is a
// *astiav.CodecParameters owned by the encoder). Its ID is 0: callers that
// need distinct stream identities set it.
func (e *Encoder) Info() *onair.StreamInfo { return e.info }

// FrameSize returns the codec's audio frame size in samples.
func (e *Encoder) FrameSize() int { return e.cc.FrameSize() }

func pickSampleFormat(l []astiav.SampleFormat) astiav.SampleFormat {
	for _, want := range []astiav.SampleFormat{astiav.SampleFormatFltp, astiav.SampleFormatFlt, astiav.SampleFormatS16P, astiav.SampleFormatS16} {
		if slices.Contains(l, want) {
			return want
		}
	}
	return astiav.SampleFormatFltp
}

// Audio encodes planar samples (one slice per channel, any length) and
// returns the packets the codec produced, with their data copied.
func (e *Encoder) Audio(planes [][]float32) ([]onair.Packet, error) {
	for c := range e.fifo {
		e.fifo[c] = append(e.fifo[c], planes[c%len(planes)]...)
	}
	var out []onair.Packet
	fs := e.cc.FrameSize()
	for len(e.fifo[0]) >= fs {
		p, err := e.sendAudio(fs)
		out = append(out, p...)
		if err != nil {
			return out, err
		}
	}
	return out, nil
}

// Sine encodes n samples of a sine of frequency freq starting at sample
// offset from (so consecutive calls continue the wave).
func (e *Encoder) Sine(freq float64, from, n int) ([]onair.Packet, error) {
	planes := make([][]float32, e.channels)
	for c := range planes {
		planes[c] = make([]float32, n)
		for i := range n {
			planes[c][i] = float32(0.5 * math.Sin(2*math.Pi*freq*float64(from+i)/float64(e.cc.SampleRate())))
		}
	}
	return e.Audio(planes)
}

func (e *Encoder) sendAudio(n int) ([]onair.Packet, error) {
	e.frame.Unref()
	e.frame.SetNbSamples(n)
	e.frame.SetSampleFormat(e.sf)
	e.frame.SetSampleRate(e.cc.SampleRate())
	e.frame.SetChannelLayout(e.cc.ChannelLayout())
	if err := e.frame.AllocBuffer(0); err != nil {
		return nil, av.Wrap("av_frame_get_buffer", err)
	}
	e.buf = e.buf[:0]
	switch e.sf {
	case astiav.SampleFormatFltp:
		for c := range e.channels {
			for _, v := range e.fifo[c][:n] {
				e.buf = binary.LittleEndian.AppendUint32(e.buf, math.Float32bits(v))
			}
		}
	case astiav.SampleFormatFlt:
		for i := range n {
			for c := range e.channels {
				e.buf = binary.LittleEndian.AppendUint32(e.buf, math.Float32bits(e.fifo[c][i]))
			}
		}
	case astiav.SampleFormatS16P:
		for c := range e.channels {
			for _, v := range e.fifo[c][:n] {
				e.buf = binary.LittleEndian.AppendUint16(e.buf, uint16(int16(v*32767)))
			}
		}
	default:
		for i := range n {
			for c := range e.channels {
				e.buf = binary.LittleEndian.AppendUint16(e.buf, uint16(int16(e.fifo[c][i]*32767)))
			}
		}
	}
	for c := range e.fifo {
		e.fifo[c] = e.fifo[c][:copy(e.fifo[c], e.fifo[c][n:])]
	}
	if err := e.frame.Data().SetBytes(e.buf, 1); err != nil {
		return nil, err
	}
	e.frame.SetPts(e.pts)
	e.pts += int64(n)
	return e.send(e.frame)
}

// Video encodes n synthetic pictures (a moving gradient).
func (e *Encoder) Video(n int) ([]onair.Packet, error) {
	var out []onair.Packet
	w, h := e.cc.Width(), e.cc.Height()
	for range n {
		e.frame.Unref()
		e.frame.SetWidth(w)
		e.frame.SetHeight(h)
		e.frame.SetPixelFormat(astiav.PixelFormatYuv420P)
		if err := e.frame.AllocBuffer(0); err != nil {
			return out, av.Wrap("av_frame_get_buffer", err)
		}
		e.buf = e.buf[:0]
		for y := range h {
			for x := range w {
				e.buf = append(e.buf, byte(x+y+int(e.pts)*4))
			}
		}
		for range 2 * (w / 2) * (h / 2) {
			e.buf = append(e.buf, 128)
		}
		if err := e.frame.Data().SetBytes(e.buf, 1); err != nil {
			return out, err
		}
		e.frame.SetPts(e.pts)
		e.pts++
		p, err := e.send(e.frame)
		out = append(out, p...)
		if err != nil {
			return out, err
		}
	}
	return out, nil
}

// Flush encodes what is left (audio padded with silence to a full frame)
// and drains the codec.
func (e *Encoder) Flush() ([]onair.Packet, error) {
	var out []onair.Packet
	if e.fifo != nil && len(e.fifo[0]) > 0 {
		fs := e.cc.FrameSize()
		for c := range e.fifo {
			e.fifo[c] = append(e.fifo[c], make([]float32, fs-len(e.fifo[c]))...)
		}
		p, err := e.sendAudio(fs)
		out = append(out, p...)
		if err != nil {
			return out, err
		}
	}
	p, err := e.send(nil)
	return append(out, p...), err
}

func (e *Encoder) send(f *astiav.Frame) ([]onair.Packet, error) {
	e.Calls++
	if err := e.cc.SendFrame(f); err != nil {
		return nil, av.Wrap("avcodec_send_frame", err)
	}
	var out []onair.Packet
	for {
		err := e.cc.ReceivePacket(e.pkt)
		if errors.Is(err, astiav.ErrEagain) || errors.Is(err, astiav.ErrEof) {
			return out, nil
		}
		if err != nil {
			return out, av.Wrap("avcodec_receive_packet", err)
		}
		out = append(out, onair.Packet{
			Data: e.pkt.Data(), PTS: e.pkt.Pts(), DTS: e.pkt.Dts(), Duration: e.pkt.Duration(),
			Key: e.pkt.Flags().Has(astiav.PacketFlagKey),
		})
		e.pkt.Unref()
	}
}

// Close frees the encoder.
func (e *Encoder) Close() {
	if e.cc != nil {
		e.cc.Free()
		e.cc = nil
	}
	if e.frame != nil {
		e.frame.Free()
		e.frame = nil
	}
	if e.pkt != nil {
		e.pkt.Free()
		e.pkt = nil
	}
	if e.cp != nil {
		e.cp.Free()
		e.cp = nil
	}
}
