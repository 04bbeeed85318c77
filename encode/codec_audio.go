package encode

import (
	"errors"
	"fmt"
	"slices"

	"github.com/asticode/go-astiav"
	"github.com/onair-go/onair"
	"github.com/onair-go/onair/internal/av"
)

// stageSamples is the largest chunk of input copied into FFmpeg at once.
const stageSamples = 4096

// AudioEncoder encodes planar float32 PCM into the packets of one audio
// codec. It accepts any chunk size: samples are resampled (swresample)
// when the codec wants another sample format, rate or channel count, and
// gathered in a FIFO into the codec's fixed frame size (AAC 1024, MP3
// 1152, Opus 960 at 48 kHz). Timestamps count samples from 0 at the
// encoded rate and are expressed in the codec time base.
//
// An AudioEncoder is not safe for concurrent use. Close releases its
// FFmpeg resources; its StreamInfo (Params included) stays valid as long
// as it is referenced.
type AudioEncoder struct {
	codecBase
	inRate, inCh   int
	rate, channels int
	format         astiav.SampleFormat
	frameSize      int  // samples per frame sent to the codec
	partialLast    bool // the codec accepts a shorter last frame
	direct         bool // input needs no conversion

	stage   *astiav.Frame // an input chunk: fltp, input rate and layout
	conv    *astiav.Frame // swresample output
	convCap int
	swr     *astiav.SoftwareResampleContext
	swrUsed bool // swr has been configured by a first conversion
	fifo    *astiav.AudioFifo
	frame   *astiav.Frame // what the codec gets
	pts     int64
	planes  [][]float32 // deinterleave scratch
	flushed bool
	// tailGap is, for libmp3lame, how many samples past a codec frame
	// boundary the stream must not end at (see padTail); 0 for others.
	tailGap int
}

// NewAudioEncoder opens an audio encoder for input of the given sample
// rate and channel count. opts may be nil (AAC-LC at the input's rate and
// channels).
func NewAudioEncoder(sampleRate, channels int, opts *AudioOptions) (*AudioEncoder, error) {
	o := opts.withDefaults()
	if err := o.validate(); err != nil {
		return nil, err
	}
	if sampleRate <= 0 || channels <= 0 || channels > 8 {
		return nil, fmt.Errorf("encode: %w: input of %d Hz, %d channels", ErrInvalidOption, sampleRate, channels)
	}
	e := &AudioEncoder{inRate: sampleRate, inCh: channels}
	if err := e.init(&o); err != nil {
		e.Close()
		return nil, err
	}
	return e, nil
}

func (e *AudioEncoder) init(o *AudioOptions) error {
	codec, err := e.alloc(o.Codec, astiav.MediaTypeAudio, o.Logger)
	if err != nil {
		return err
	}
	e.channels = o.Channels
	if e.channels == 0 {
		e.channels = e.inCh
	}
	rates := sampleRates(e.ctx)
	e.rate = o.SampleRate
	switch {
	case e.rate == 0:
		e.rate = pickRate(rates, e.inRate)
	case rates != nil && !slices.Contains(rates, e.rate):
		return &OptionError{Codec: o.Codec, Option: "sample_rate", Value: fmt.Sprint(e.rate),
			Err: fmt.Errorf("%w: supported rates are %v", ErrInvalidOption, rates)}
	}
	e.format = pickSampleFormat(codec.SampleFormats())
	setup := func(ctx *astiav.CodecContext) {
		ctx.SetSampleFormat(e.format)
		ctx.SetSampleRate(e.rate)
		ctx.SetChannelLayout(av.DefaultLayout(e.channels))
		ctx.SetTimeBase(astiav.NewRational(1, e.rate))
		if o.BitRate > 0 {
			ctx.SetBitRate(o.BitRate)
		}
		if o.Threads > 0 {
			ctx.SetThreadCount(o.Threads)
		}
	}
	if err := e.open(codec, setup, o.codecOptions()); err != nil {
		return err
	}
	e.info.MediaType = onair.AudioTrack
	e.info.SampleRate = e.rate
	e.info.Channels = e.channels
	e.info.BitRate = e.ctx.BitRate()

	smallLast, variable := codecCaps(e.ctx)
	e.frameSize = e.ctx.FrameSize()
	e.partialLast = smallLast || variable || e.frameSize == 0
	if e.frameSize == 0 || variable {
		e.frameSize = 1024
	}
	e.direct = e.format == astiav.SampleFormatFltp && e.rate == e.inRate && e.channels == e.inCh
	if o.Codec == "libmp3lame" && e.frameSize > 0 {
		e.tailGap = e.frameSize - initialPadding(e.ctx)%e.frameSize
	}

	if e.stage, err = newAudioFrame(astiav.SampleFormatFltp, e.inCh, e.inRate, stageSamples); err != nil {
		return err
	}
	if e.frame, err = newAudioFrame(e.format, e.channels, e.rate, e.frameSize); err != nil {
		return err
	}
	if !e.direct {
		e.swr = astiav.AllocSoftwareResampleContext()
		e.convCap = int(int64(stageSamples)*int64(e.rate)/int64(e.inRate)) + 1024
		if e.conv, err = newAudioFrame(e.format, e.channels, e.rate, e.convCap); err != nil {
			return err
		}
	}
	e.fifo = astiav.AllocAudioFifo(e.format, e.channels, 2*e.frameSize+e.convCap)
	if e.fifo == nil {
		return &av.Error{Op: "av_audio_fifo_alloc", Err: errors.New("out of memory")}
	}
	return nil
}

func newAudioFrame(f astiav.SampleFormat, channels, rate, samples int) (*astiav.Frame, error) {
	fr := astiav.AllocFrame()
	fr.SetSampleFormat(f)
	fr.SetChannelLayout(av.DefaultLayout(channels))
	fr.SetSampleRate(rate)
	fr.SetNbSamples(samples)
	if err := fr.AllocBuffer(0); err != nil {
		fr.Free()
		return nil, &av.Error{Op: "av_frame_get_buffer", Err: err}
	}
	return fr, nil
}

// pickRate returns in when the codec supports it (or any rate), else the
// smallest supported rate above it, else the highest.
func pickRate(rates []int, in int) int {
	if rates == nil || slices.Contains(rates, in) {
		return in
	}
	best := 0
	for _, r := range rates {
		if r > in && (best == 0 || r < best) {
			best = r
		}
	}
	if best == 0 {
		best = slices.Max(rates)
	}
	return best
}

// pickSampleFormat prefers planar float (our graph's format, no conversion).
func pickSampleFormat(l []astiav.SampleFormat) astiav.SampleFormat {
	if len(l) == 0 || slices.Contains(l, astiav.SampleFormatFltp) {
		return astiav.SampleFormatFltp
	}
	return l[0]
}

// Stream describes the encoded stream. The result is shared: do not
// modify it.
func (e *AudioEncoder) Stream() *onair.StreamInfo { return &e.info }

// FrameSize returns the number of samples per codec frame.
func (e *AudioEncoder) FrameSize() int { return e.frameSize }

// Frames returns how many frames were sent to the codec so far.
func (e *AudioEncoder) Frames() int64 { return e.sent }

// Encode feeds planar samples (one slice per input channel, all of the
// same length, any length) and hands the packets that became ready to
// emit.
func (e *AudioEncoder) Encode(planes [][]float32, emit PacketFunc) error {
	if e.closed || e.flushed {
		return fmt.Errorf("encode: %s: encode after flush or close", e.name)
	}
	if len(planes) != e.inCh {
		return fmt.Errorf("encode: %w: got %d channels, want %d", ErrInvalidOption, len(planes), e.inCh)
	}
	n := len(planes[0])
	for _, p := range planes[1:] {
		if len(p) != n {
			return fmt.Errorf("encode: %w: channels of different lengths", ErrInvalidOption)
		}
	}
	for off := 0; off < n; off += stageSamples {
		m := min(stageSamples, n-off)
		e.stage.SetNbSamples(m)
		for c, p := range planes {
			if err := copyFloats(e.stage, c, 0, p[off:off+m]); err != nil {
				return err
			}
		}
		if err := e.push(e.stage); err != nil {
			return err
		}
		if err := e.drain(e.frameSize, emit); err != nil {
			return err
		}
	}
	return nil
}

// EncodeInterleaved is Encode for interleaved samples (frame after frame,
// channel after channel); len(samples) must be a multiple of the input's
// channel count.
func (e *AudioEncoder) EncodeInterleaved(samples []float32, emit PacketFunc) error {
	if len(samples)%e.inCh != 0 {
		return fmt.Errorf("encode: %w: %d interleaved samples for %d channels", ErrInvalidOption, len(samples), e.inCh)
	}
	if e.planes == nil {
		e.planes = make([][]float32, e.inCh)
		for c := range e.planes {
			e.planes[c] = make([]float32, stageSamples)
		}
	}
	frames := len(samples) / e.inCh
	for off := 0; off < frames; off += stageSamples {
		m := min(stageSamples, frames-off)
		for c := range e.planes {
			p := e.planes[c][:m]
			for i := range p {
				p[i] = samples[(off+i)*e.inCh+c]
			}
		}
		chunk := e.planes
		for c := range chunk {
			chunk[c] = chunk[c][:m]
		}
		err := e.Encode(chunk, emit)
		for c := range chunk {
			chunk[c] = chunk[c][:stageSamples]
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// push converts a chunk if needed and queues it in the FIFO.
func (e *AudioEncoder) push(in *astiav.Frame) error {
	out := in
	if !e.direct {
		e.conv.SetNbSamples(e.convCap)
		if err := e.swr.ConvertFrame(in, e.conv); err != nil {
			return &av.Error{Op: "swr_convert_frame", Err: err}
		}
		e.swrUsed = true
		if e.conv.NbSamples() == 0 {
			return nil
		}
		out = e.conv
	}
	if _, err := e.fifo.Write(out); err != nil {
		return &av.Error{Op: "av_audio_fifo_write", Err: err}
	}
	return nil
}

// drain encodes full frames from the FIFO while it holds at least min
// samples.
func (e *AudioEncoder) drain(atLeast int, emit PacketFunc) error {
	for e.fifo.Size() >= atLeast && e.fifo.Size() > 0 {
		n := min(e.frameSize, e.fifo.Size())
		if err := e.sendFifo(n, emit); err != nil {
			return err
		}
	}
	return nil
}

// sendFifo sends n samples from the FIFO (n < frameSize only for the last
// frame: padded with silence when the codec needs full frames).
func (e *AudioEncoder) sendFifo(n int, emit PacketFunc) error {
	e.frame.SetNbSamples(e.frameSize)
	if err := e.frame.MakeWritable(); err != nil {
		return &av.Error{Op: "av_frame_make_writable", Err: err}
	}
	pad := n < e.frameSize && !e.partialLast
	if pad {
		if err := e.frame.SamplesFillSilence(); err != nil {
			return &av.Error{Op: "av_samples_set_silence", Err: err}
		}
	}
	e.frame.SetNbSamples(n)
	if _, err := e.fifo.Read(e.frame); err != nil {
		return &av.Error{Op: "av_audio_fifo_read", Err: err}
	}
	if pad {
		e.frame.SetNbSamples(e.frameSize)
	}
	e.frame.SetPts(e.pts)
	e.pts += int64(e.frame.NbSamples())
	return e.send(e.frame, emit)
}

// Flush encodes what is buffered (the resampler's delay, the FIFO's last
// partial frame) and drains the codec, handing the remaining packets to
// emit. After Flush the encoder accepts no more samples.
func (e *AudioEncoder) Flush(emit PacketFunc) error {
	if e.closed || e.flushed {
		return nil
	}
	e.flushed = true
	if e.swrUsed {
		for {
			e.conv.SetNbSamples(e.convCap)
			if err := e.swr.ConvertFrame(nil, e.conv); err != nil {
				return &av.Error{Op: "swr_convert_frame", Err: err}
			}
			if e.conv.NbSamples() == 0 {
				break
			}
			if _, err := e.fifo.Write(e.conv); err != nil {
				return &av.Error{Op: "av_audio_fifo_write", Err: err}
			}
		}
	}
	if err := e.padTail(); err != nil {
		return err
	}
	if err := e.drain(1, emit); err != nil {
		return err
	}
	return e.send(nil, emit)
}

// Close releases the encoder's FFmpeg resources without draining it (use
// Flush first to get the last packets). It is idempotent.
func (e *AudioEncoder) Close() error {
	for _, f := range []**astiav.Frame{&e.stage, &e.conv, &e.frame} {
		if *f != nil {
			(*f).Free()
			*f = nil
		}
	}
	if e.swr != nil {
		e.swr.Free()
		e.swr = nil
	}
	if e.fifo != nil {
		e.fifo.Free()
		e.fifo = nil
	}
	e.free()
	return nil
}
