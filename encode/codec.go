package encode

import (
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"runtime"

	"github.com/asticode/go-astiav"
	"github.com/onair-go/onair"
	"github.com/onair-go/onair/avlog"
	"github.com/onair-go/onair/internal/av"
)

// PacketFunc receives one encoded packet. p.Data belongs to the caller
// from then on (it is a fresh copy); p.Pos is 0. Timestamps are in the
// time base of the encoder's [onair.StreamInfo]. An error stops the
// encoder call that produced the packet and is returned by it.
type PacketFunc func(p onair.Packet) error

// codecBase is an opened FFmpeg encoder context with the send/receive loop
// shared by the audio and video encoders.
type codecBase struct {
	name   string // encoder name, e.g. "libmp3lame"
	ctx    *astiav.CodecContext
	pkt    *astiav.Packet
	info   onair.StreamInfo
	sent   int64 // frames sent to the codec
	recv   int64 // packets received
	eof    bool  // drained
	closed bool
	// sink, when set, takes every packet as it comes out of the codec
	// (with its side data, without a copy) instead of emit; it must take
	// the packet's reference or unreference it. The standalone Encoder
	// points it at its muxer.
	sink func(*astiav.Packet) error
	// frameDur is the duration of one video frame in the codec time base,
	// given to packets the codec leaves without a duration.
	frameDur int64
	// detachLog ends the routing of the context's FFmpeg messages.
	detachLog func()
}

// alloc finds the encoder by name and allocates its context, whose
// FFmpeg messages (warnings, an x264 encoder's statistics at close) go to
// log (see package avlog).
func (c *codecBase) alloc(name string, mt astiav.MediaType, log *slog.Logger) (*astiav.Codec, error) {
	codec := astiav.FindEncoderByName(name)
	if codec == nil || codec.ID().MediaType() != mt {
		return nil, fmt.Errorf("%w: %q is not a%s encoder of this FFmpeg build", ErrUnknownCodec, name, kind(mt))
	}
	c.name = name
	c.ctx = astiav.AllocCodecContext(codec)
	if c.ctx == nil {
		return nil, &av.Error{Op: "avcodec_alloc_context3", Err: errors.New("out of memory")}
	}
	c.detachLog = avlog.Attach(c.ctx, log)
	return codec, nil
}

// open configures the context with setup and the options, opens the codec
// with global headers (extradata out of band) and fills the stream
// description. When opening fails, the option responsible, if any, is
// found by opening scratch contexts with growing prefixes of opts, so that
// the error names it.
func (c *codecBase) open(codec *astiav.Codec, setup func(*astiav.CodecContext), opts [][2]string) error {
	if err := configure(c.ctx, c.name, setup, opts); err != nil {
		return err
	}
	if err := c.ctx.Open(codec, nil); err != nil {
		if oe := c.culprit(codec, setup, opts); oe != nil {
			oe.Err = fmt.Errorf("%w: %w", ErrInvalidOption, err)
			return oe
		}
		return &av.Error{Op: "avcodec_open2 " + c.name, Err: err}
	}
	c.pkt = astiav.AllocPacket()
	params, err := streamParams(c.ctx)
	if err != nil {
		return err
	}
	tb := c.ctx.TimeBase()
	c.info = onair.StreamInfo{
		ID:        newStreamID(),
		Codec:     c.ctx.CodecID().Name(),
		TimeBase:  onair.Rational{Num: tb.Num(), Den: tb.Den()},
		BitRate:   c.ctx.BitRate(),
		Extradata: append([]byte(nil), c.ctx.ExtraData()...),
		Params:    params,
	}
	return nil
}

// streamParams returns the codec parameters of an opened encoder for its
// StreamInfo. They are not the encoder's to free: a StreamInfo is shared
// with muxers and may be kept after the encoder is closed (a muxer
// compares the next stream with it), so the parameters live as long as
// anything refers to them, and the garbage collector frees them after.
func streamParams(ctx *astiav.CodecContext) (*astiav.CodecParameters, error) {
	cp := astiav.AllocCodecParameters()
	if cp == nil {
		return nil, &av.Error{Op: "avcodec_parameters_alloc", Err: errors.New("out of memory")}
	}
	if err := cp.FromCodecContext(ctx); err != nil {
		cp.Free()
		return nil, &av.Error{Op: "avcodec_parameters_from_context", Err: err}
	}
	// The cleanup gets a copy of the wrapper (the C pointer alone), so
	// that it does not keep cp reachable.
	runtime.AddCleanup(cp, func(c astiav.CodecParameters) { c.Free() }, *cp)
	return cp, nil
}

// newStreamID returns the identity of a new encoded stream: 64 random
// bits, never 0. Muxers compare it with the stream they are writing to
// notice a new one; two streams share an ID with a probability of about
// n²/2⁶⁵ among n streams, without any state shared between encoders or
// graphs.
func newStreamID() uint64 {
	for {
		if id := rand.Uint64(); id != 0 {
			return id
		}
	}
}

func configure(ctx *astiav.CodecContext, name string, setup func(*astiav.CodecContext), opts [][2]string) error {
	setup(ctx)
	ctx.SetFlags(ctx.Flags().Add(astiav.CodecContextFlagGlobalHeader))
	for _, kv := range opts {
		if err := setOption(ctx, kv[0], kv[1]); err != nil {
			var oe *OptionError
			if errors.As(err, &oe) {
				oe.Codec = name
			}
			return err
		}
	}
	return nil
}

// culprit returns the first option whose addition makes the codec fail to
// open, or nil when the codec fails without any option.
func (c *codecBase) culprit(codec *astiav.Codec, setup func(*astiav.CodecContext), opts [][2]string) *OptionError {
	for i := 0; i <= len(opts); i++ {
		ctx := astiav.AllocCodecContext(codec)
		if ctx == nil {
			return nil
		}
		err := configure(ctx, c.name, setup, opts[:i])
		if err == nil {
			err = ctx.Open(codec, nil)
		}
		ctx.Free()
		if err != nil {
			if i == 0 {
				return nil
			}
			kv := opts[i-1]
			return &OptionError{Codec: c.name, Option: kv[0], Value: kv[1]}
		}
	}
	return nil
}

// send sends f (nil to drain) and hands every packet the codec has ready
// to emit. EAGAIN from send (the codec's output queue is full) is handled
// by receiving and sending again.
func (c *codecBase) send(f *astiav.Frame, emit PacketFunc) error {
	if c.eof {
		return nil
	}
	for {
		err := c.ctx.SendFrame(f)
		if err == nil {
			break
		}
		if errors.Is(err, astiav.ErrEagain) {
			n := c.recv
			if err := c.receive(emit); err != nil {
				return err
			}
			if c.recv == n {
				return &av.Error{Op: "avcodec_send_frame " + c.name, Err: err}
			}
			continue
		}
		if f == nil && errors.Is(err, astiav.ErrEof) {
			c.eof = true
			return nil
		}
		return &av.Error{Op: "avcodec_send_frame " + c.name, Err: err}
	}
	if f != nil {
		c.sent++
	}
	return c.receive(emit)
}

// receive hands every ready packet to emit, until EAGAIN or EOF.
func (c *codecBase) receive(emit PacketFunc) error {
	for {
		err := c.ctx.ReceivePacket(c.pkt)
		if err != nil {
			if errors.Is(err, astiav.ErrEagain) {
				return nil
			}
			if errors.Is(err, astiav.ErrEof) {
				c.eof = true
				return nil
			}
			return &av.Error{Op: "avcodec_receive_packet " + c.name, Err: err}
		}
		c.recv++
		if c.pkt.Duration() == 0 && c.frameDur > 0 {
			c.pkt.SetDuration(c.frameDur)
		}
		if c.sink != nil {
			if err := c.sink(c.pkt); err != nil {
				return err
			}
			continue
		}
		p := onair.Packet{
			Data:     c.pkt.Data(),
			PTS:      c.pkt.Pts(),
			DTS:      c.pkt.Dts(),
			Duration: c.pkt.Duration(),
			Key:      c.pkt.Flags().Has(astiav.PacketFlagKey),
			// The encoder's final header (FLAC's STREAMINFO with the
			// sample count and MD5) travels with its packet to the muxers.
			NewExtradata: av.NewExtradata(c.pkt),
		}
		c.pkt.Unref()
		if emit != nil {
			if err := emit(p); err != nil {
				return err
			}
		}
	}
}

// free releases the FFmpeg objects. It is idempotent.
func (c *codecBase) free() {
	if c.closed {
		return
	}
	c.closed = true
	if c.ctx != nil {
		c.ctx.Free()
		c.ctx = nil
	}
	if c.detachLog != nil {
		c.detachLog() // after Free, which may log
		c.detachLog = nil
	}
	if c.pkt != nil {
		c.pkt.Free()
		c.pkt = nil
	}
}

func kind(mt astiav.MediaType) string {
	if mt == astiav.MediaTypeAudio {
		return "n audio"
	}
	return " video"
}
