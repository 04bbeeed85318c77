package encode

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"

	"github.com/asticode/go-astiav"
	"github.com/onair-go/onair"
	"github.com/onair-go/onair/internal/avmux"
)

// Options configure the standalone [Encoder] (the codecs of its streams,
// and of the graph's shared encoders, take [AudioOptions] and
// [VideoOptions]). A nil *Options means all defaults.
type Options struct {
	// MuxerOptions are FFmpeg muxer options ("movflags", ...). An option
	// the muxer does not know is an error naming it. Default none; a
	// non-seekable MP4 output is written as fragmented MP4.
	MuxerOptions map[string]string
	// Metadata is written as container metadata (title, ...).
	Metadata map[string]string
	// Logger receives the encoder's logs, FFmpeg's messages about the
	// container and about the streams that have no Logger of their own
	// included (see package avlog). It defaults to discarding them.
	Logger *slog.Logger
}

// Encoder writes any number of audio and video streams into one container
// file or io.Writer, without a graph: add the streams, open the output,
// feed samples and frames to each stream in any chunk sizes, then Close.
//
//	enc := encode.New(nil)
//	v, _ := enc.AddVideo(1280, 720, onair.Rational{Num: 30, Den: 1}, nil)
//	a, _ := enc.AddAudio(48000, 2, nil)
//	_ = enc.Open("out.mp4", "")
//	_ = v.AddFrames(pictures...)
//	_ = a.AddSamples(planes)
//	err := enc.Close()
//
// The Encoder follows the lifecycle of [State]; an operation its state
// does not allow returns a *StateError. Its methods, and those of its
// streams, are safe for concurrent use (they are serialised).
type Encoder struct {
	mu      sync.Mutex
	lc      lifecycle
	opts    Options
	log     *slog.Logger
	streams []*streamEnc
	mux     *avmux.Muxer
}

// streamEnc is one stream of an Encoder: its codec and its muxer index.
type streamEnc struct {
	audio *AudioEncoder
	video *VideoEncoder
	index int
	emit  PacketFunc
}

func (s *streamEnc) info() *onair.StreamInfo {
	if s.audio != nil {
		return s.audio.Stream()
	}
	return s.video.Stream()
}

func (s *streamEnc) flush() error {
	if s.audio != nil {
		return s.audio.Flush(s.emit)
	}
	return s.video.Flush(s.emit)
}

func (s *streamEnc) close() {
	if s.audio != nil {
		s.audio.Close()
	} else {
		s.video.Close()
	}
}

// New returns an Encoder in [StateCreated]. opts may be nil.
func New(opts *Options) *Encoder {
	e := &Encoder{}
	if opts != nil {
		e.opts = *opts
	}
	e.log = e.opts.Logger
	if e.log == nil {
		e.log = slog.New(slog.DiscardHandler)
	}
	return e
}

// State returns the encoder's lifecycle state.
func (e *Encoder) State() State {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.lc.state
}

// AudioStream is an audio stream of an [Encoder].
type AudioStream struct {
	e *Encoder
	s *streamEnc
}

// VideoStream is a video stream of an [Encoder].
type VideoStream struct {
	e *Encoder
	s *streamEnc
}

// AddAudio adds an audio stream for input of the given sample rate and
// channel count, encoded as opts says (nil: AAC-LC, same rate and
// channels). Streams are numbered in the order they are added.
func (e *Encoder) AddAudio(sampleRate, channels int, opts *AudioOptions) (*AudioStream, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	next, err := e.lc.check(opAddStream)
	if err != nil {
		return nil, err
	}
	enc, err := NewAudioEncoder(sampleRate, channels, e.streamLogger(opts))
	if err != nil {
		// A rejected stream leaves the encoder as it was.
		return nil, err
	}
	s := &streamEnc{audio: enc}
	e.streams = append(e.streams, s)
	e.lc.state = next
	return &AudioStream{e: e, s: s}, nil
}

// streamLogger gives a stream without a logger of its own the encoder's.
func (e *Encoder) streamLogger(opts *AudioOptions) *AudioOptions {
	if e.opts.Logger == nil || (opts != nil && opts.Logger != nil) {
		return opts
	}
	var o AudioOptions
	if opts != nil {
		o = *opts
	}
	o.Logger = e.opts.Logger
	return &o
}

func (e *Encoder) videoLogger(opts *VideoOptions) *VideoOptions {
	if e.opts.Logger == nil || (opts != nil && opts.Logger != nil) {
		return opts
	}
	var o VideoOptions
	if opts != nil {
		o = *opts
	}
	o.Logger = e.opts.Logger
	return &o
}

// AddVideo adds a video stream for pictures of the given size and frame
// rate, encoded as opts says (nil: H.264 with libx264 on the CPU, same
// size and rate). Each stream may use its own device (opts.Device: "cuda",
// "vaapi", ...), so hardware and CPU streams mix in one container; a
// device that cannot be used falls back to software (one logged warning)
// or, with opts.StrictDevice, is a *DeviceError.
func (e *Encoder) AddVideo(width, height int, frameRate onair.Rational, opts *VideoOptions) (*VideoStream, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	next, err := e.lc.check(opAddStream)
	if err != nil {
		return nil, err
	}
	enc, err := NewVideoEncoder(width, height, frameRate, e.videoLogger(opts))
	if err != nil {
		return nil, err
	}
	s := &streamEnc{video: enc}
	e.streams = append(e.streams, s)
	e.lc.state = next
	return &VideoStream{e: e, s: s}, nil
}

// Open creates the file at path and writes the container header. The
// container is format (an FFmpeg muxer name such as "mp4", "matroska",
// "ogg") or, when format is "", guessed from path's extension. A format
// FFmpeg does not know, or cannot guess, is an error wrapping
// mux.ErrFormat.
func (e *Encoder) Open(path, format string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if _, err := e.lc.check(opOpen); err != nil {
		return err
	}
	m, err := avmux.Create(path, e.muxOptions(format))
	if err != nil {
		return e.lc.fail(fmt.Errorf("encode: %w", err))
	}
	return e.start(m)
}

// OpenWriter writes the container to w, in format (required: an FFmpeg
// muxer name). When w is not seekable the output is written sequentially:
// MP4 becomes fragmented MP4. w is not closed by Close. A missing or
// unknown format is an error wrapping mux.ErrFormat.
func (e *Encoder) OpenWriter(w io.Writer, format string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if _, err := e.lc.check(opOpen); err != nil {
		return err
	}
	if format == "" {
		return e.lc.fail(fmt.Errorf("encode: %w: OpenWriter needs an explicit format", avmux.ErrFormat))
	}
	m, err := avmux.NewWriter(w, format, e.muxOptions(""))
	if err != nil {
		return e.lc.fail(fmt.Errorf("encode: %w", err))
	}
	return e.start(m)
}

func (e *Encoder) muxOptions(format string) *avmux.Options {
	return &avmux.Options{Format: format, MuxerOptions: e.opts.MuxerOptions, Metadata: e.opts.Metadata, Logger: e.log}
}

// start adds the streams to m and writes the header.
func (e *Encoder) start(m *avmux.Muxer) error {
	e.mux = m
	for _, s := range e.streams {
		i, err := m.AddStream(s.info())
		if err != nil {
			return e.lc.fail(err)
		}
		s.index = i
		tb := s.info().TimeBase
		s.emit = func(p onair.Packet) error { return m.WritePacket(i, p, tb) }
		atb := astiav.NewRational(tb.Num, tb.Den)
		sink := func(p *astiav.Packet) error { return m.WriteAVPacket(i, p, atb) }
		if s.audio != nil {
			s.audio.sink = sink
		} else {
			s.video.sink = sink
		}
	}
	if err := m.WriteHeader(); err != nil {
		return e.lc.fail(err)
	}
	e.lc.state = StateHeaderWritten
	return nil
}

// write runs one encoding step under the lifecycle rules.
func (e *Encoder) write(fn func() error) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	next, err := e.lc.check(opWrite)
	if err != nil {
		return err
	}
	if err := fn(); err != nil {
		return e.lc.fail(err)
	}
	e.lc.state = next
	return nil
}

// AddSamples encodes planar samples: one slice per input channel, all of
// the same length, any length.
func (s *AudioStream) AddSamples(planes [][]float32) error {
	return s.e.write(func() error { return s.s.audio.Encode(planes, s.s.emit) })
}

// AddInterleaved encodes interleaved samples (frame after frame); the
// length must be a multiple of the channel count.
func (s *AudioStream) AddInterleaved(samples []float32) error {
	return s.e.write(func() error { return s.s.audio.EncodeInterleaved(samples, s.s.emit) })
}

// Stream describes the encoded stream.
func (s *AudioStream) Stream() *onair.StreamInfo { return s.s.info() }

// AddFrames encodes pictures, each the next frame of the stream.
func (s *VideoStream) AddFrames(pics ...onair.Picture) error {
	return s.e.write(func() error {
		for i := range pics {
			if err := s.s.video.Encode(&pics[i], s.s.emit); err != nil {
				return err
			}
		}
		return nil
	})
}

// Stream describes the encoded stream.
func (s *VideoStream) Stream() *onair.StreamInfo { return s.s.info() }

// Close drains every codec, writes the container trailer and releases
// everything. From [StateCreated] or [StateInitialized] it only releases
// the codecs; after a failure ([StateFailed]) it releases everything,
// writing the trailer if the header was written, and returns nil (the
// failure was returned by the call that failed). Close is idempotent.
func (e *Encoder) Close() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	var errs []error
	switch e.lc.state {
	case StateClosed:
		return nil
	case StateHeaderWritten, StateEncoding:
		e.lc.state = StateDraining
		for _, s := range e.streams {
			if err := s.flush(); err != nil {
				errs = append(errs, err)
			}
		}
	}
	if e.mux != nil {
		if err := e.mux.Close(); err != nil && e.lc.state == StateDraining {
			errs = append(errs, err)
		}
		e.mux = nil
	}
	for _, s := range e.streams {
		s.close()
	}
	e.lc.state = StateClosed
	return errors.Join(errs...)
}
