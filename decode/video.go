package decode

import (
	"errors"
	"fmt"
	"log/slog"
	"math"
	"runtime"
	"sync/atomic"

	"github.com/asticode/go-astiav"
	"github.com/onair-go/onair"
	"github.com/onair-go/onair/avlog"
	"github.com/onair-go/onair/hw"
	"github.com/onair-go/onair/internal/av"
	"github.com/onair-go/onair/internal/hwerr"
)

// Bounds of the video path.
const (
	// maxAheadPackets is how many packets of one stream may wait while
	// the other stream is read ahead (files interleave audio and video
	// within a second or so; a file beyond this is too badly interleaved
	// to play in sync).
	maxAheadPackets = 4096
	// maxQueuedFrames bounds the decoded pictures waiting for their slot.
	maxQueuedFrames = 16
	// maxDecodeThreads caps the video decoder's threads.
	maxDecodeThreads = 4
)

// videoOptions configure the video decoding of one source's decoders.
type videoOptions struct {
	id     string
	log    *slog.Logger
	spec   string     // the hardware device as asked for; "" or "cpu": software
	dev    *hw.Device // the open device; nil: software
	strict bool
	warned atomic.Bool // the hardware fallback was logged
}

// fallback handles hardware that cannot be used: it returns err (an
// *hw.Error wrapping hw.ErrUnavailable) in strict mode, else logs the
// reason once per source and returns nil (decode in software).
func (o *videoOptions) fallback(op string, err error) error {
	he := hwerr.Unavailable(op, o.spec, err)
	if o.strict {
		return he
	}
	if o.warned.CompareAndSwap(false, true) {
		o.log.Warn("hardware video decoding unavailable: decoding in software", "source", o.id, "device", o.spec, "reason", he.Err)
	}
	return nil
}

// vframe is a decoded picture (in system memory) at a file position.
type vframe struct {
	f   *astiav.Frame
	pos int64
	id  uint64
}

// video decodes the video stream of a decoder's file and picks, for each
// slot of the graph's frame rate, the picture on screen then (the last
// one whose time is at most half a slot later): pictures are duplicated
// or dropped to conform to the graph rate. It shares the decoder's
// demuxer: packets of one stream met while reading ahead for the other
// wait in a bounded queue. Video problems never end the track: the video
// freezes (or stays black) and the audio plays on.
type video struct {
	path       string
	o          *videoOptions
	fc         *astiav.FormatContext
	audioIndex int
	st         *astiav.Stream // nil: no usable video stream (black)
	cc         *astiav.CodecContext
	detachLog  func()             // ends the routing of cc's FFmpeg messages (avlog)
	hwFmt      astiav.PixelFormat // PixelFormatNone: software decoding
	swNoted    bool               // the hardware decoder handed software frames
	in         *astiav.Frame
	frames     []*astiav.Frame // free frames
	queue      []vframe
	ids        uint64
	tbNum      float64
	tbDen      float64
	step       int64 // samples per frame of the stream, for frames without timestamps
	lastPos    int64

	vpkts, apkts []*astiav.Packet // read ahead: video for the decoder, audio for the audio path
	pkts         []*astiav.Packet // free packets
	demuxEOF     bool
	sentEOF      bool
	decEOF       bool
	bad          int
	dead         bool

	sc     *scaler
	rate   int64 // main rate
	num    int64 // graph frame rate num/den
	den    int64
	half   int64   // half a slot, in samples
	origin float64 // the audio stream's start, in seconds: position 0
	slot   int64   // next track slot
	first  bool    // the next chunk starts a track or follows a seek
	last   onair.Picture
	lastID uint64 // the vframe id of last; 0: none
	black  *onair.Picture
}

// openVideo prepares the video of d's file for format f. A file without
// video, or with a video stream that cannot be decoded, plays black (the
// latter is logged). Hardware decoding that cannot be used is an error
// only in strict mode.
func (d *decoder) openVideo(f *onair.Format, o *videoOptions) error {
	if o == nil {
		o = &videoOptions{}
	}
	if o.log == nil {
		o.log = slog.New(slog.DiscardHandler)
	}
	sc, err := newScaler(f.Video)
	if err != nil {
		return &PathError{Op: "open", Path: d.path, Err: err}
	}
	v := &video{
		path: d.path, o: o, fc: d.fc, audioIndex: d.st.Index(), sc: sc, hwFmt: astiav.PixelFormatNone,
		rate: int64(f.SampleRate), num: int64(f.Video.FrameRate.Num), den: int64(f.Video.FrameRate.Den), first: true,
	}
	v.half = v.rate * v.den / v.num / 2
	if start, tb := d.st.StartTime(), d.st.TimeBase(); start != astiav.NoPtsValue && tb.Den() > 0 {
		v.origin = float64(start) * float64(tb.Num()) / float64(tb.Den())
	}
	d.vid = v
	st, codec, err := d.fc.FindBestStream(astiav.MediaTypeVideo, -1, d.st.Index())
	if err != nil || st == nil {
		return nil // audio only: black
	}
	if codec == nil {
		o.log.Warn("no decoder for the video stream: playing black", "source", o.id, "path", d.path)
		return nil
	}
	if err := v.openCodec(st, codec); err != nil {
		var he *hw.Error
		if errors.As(err, &he) {
			return &PathError{Op: "open video decoder", Path: d.path, Err: err}
		}
		o.log.Warn("cannot decode the video stream: playing black", "source", o.id, "path", d.path, "err", err)
		v.closeCodec()
	}
	return nil
}

// openCodec opens the decoder of st. It returns an *hw.Error only for
// hardware that strict mode requires.
func (v *video) openCodec(st *astiav.Stream, codec *astiav.Codec) error {
	v.cc = astiav.AllocCodecContext(codec)
	if v.cc == nil {
		return errors.New("cannot allocate codec context")
	}
	v.detachLog = avlog.Attach(v.cc, v.o.log)
	if err := st.CodecParameters().ToCodecContext(v.cc); err != nil {
		return av.Wrap("avcodec_parameters_to_context", err)
	}
	tb := st.TimeBase()
	if tb.Num() <= 0 || tb.Den() <= 0 {
		return fmt.Errorf("video time base %d/%d", tb.Num(), tb.Den())
	}
	v.cc.SetTimeBase(tb)
	v.cc.SetThreadCount(min(runtime.NumCPU(), maxDecodeThreads))
	if v.o.dev != nil {
		if err := v.setupHW(codec); err != nil {
			if err := v.o.fallback("decode", err); err != nil {
				return err
			}
		}
	}
	if err := v.cc.Open(codec, nil); err != nil {
		err = fmt.Errorf("%w: %s: %w", ErrUnsupportedCodec, codec.Name(), av.Wrap("avcodec_open2", err))
		if v.hwFmt != astiav.PixelFormatNone {
			if ferr := v.o.fallback("decode", err); ferr != nil {
				return ferr
			}
		}
		return err
	}
	v.st = st
	v.tbNum, v.tbDen = float64(tb.Num()), float64(tb.Den())
	v.step = v.rate / 25
	if r := st.AvgFrameRate(); r.Num() > 0 && r.Den() > 0 {
		v.step = max(1, v.rate*int64(r.Den())/int64(r.Num()))
	}
	v.in = astiav.AllocFrame()
	return nil
}

// active reports whether the video stream is being decoded.
func (v *video) active() bool { return v.st != nil && !v.dead }

// fail stops the video for the rest of the file: it freezes on the last
// picture. The reason is logged.
func (v *video) fail(err error) {
	if v.dead {
		return
	}
	v.dead = true
	v.o.log.Warn("video decoding stopped: the picture freezes", "source", v.o.id, "path", v.path, "err", err)
	v.dropPackets(&v.vpkts)
	v.dropFrames()
}

// readAudio gives the audio path its next packet (see decoder.readPacket):
// one read ahead by the video path, else the next of the demuxer; video
// packets met on the way wait for the video decoder.
func (v *video) readAudio(pkt *astiav.Packet) error {
	if len(v.apkts) > 0 {
		q := v.apkts[0]
		v.apkts = v.apkts[:copy(v.apkts, v.apkts[1:])]
		pkt.MoveRef(q)
		v.pkts = append(v.pkts, q)
		return nil
	}
	for {
		if v.demuxEOF {
			return astiav.ErrEof
		}
		err := v.fc.ReadFrame(pkt)
		if errors.Is(err, astiav.ErrEof) {
			v.demuxEOF = true
		}
		if err != nil {
			return err
		}
		if !v.active() || pkt.StreamIndex() != v.st.Index() {
			return nil
		}
		if len(v.vpkts) >= maxAheadPackets {
			pkt.Unref()
			v.fail(errors.New("the video is too far ahead of the audio in the file"))
			continue
		}
		v.vpkts = append(v.vpkts, v.hold(pkt))
	}
}

// nextVideoPacket returns the next packet for the video decoder (nil at
// the end of the file), reading ahead of the audio. It reports false when
// the audio must catch up first or the demuxer failed.
func (v *video) nextVideoPacket() (*astiav.Packet, bool) {
	if len(v.vpkts) > 0 {
		q := v.vpkts[0]
		v.vpkts = v.vpkts[:copy(v.vpkts, v.vpkts[1:])]
		return q, true
	}
	for !v.demuxEOF {
		if len(v.apkts) >= maxAheadPackets {
			return nil, false
		}
		q := v.packet()
		err := v.fc.ReadFrame(q)
		if errors.Is(err, astiav.ErrEof) {
			v.demuxEOF = true
		}
		if err != nil {
			v.pkts = append(v.pkts, q)
			if v.demuxEOF {
				continue
			}
			return nil, false // the audio path meets the error too and reports it
		}
		switch q.StreamIndex() {
		case v.st.Index():
			return q, true
		case v.audioIndex:
			v.apkts = append(v.apkts, q)
		default:
			q.Unref()
			v.pkts = append(v.pkts, q)
		}
	}
	return nil, true
}

// fill decodes until a picture later than position target is queued, the
// video ends, or reading further ahead is not possible now.
func (v *video) fill(target int64) {
	for spins := 0; v.active() && !v.decEOF; spins++ {
		if n := len(v.queue); n > 0 && v.queue[n-1].pos > target {
			return
		}
		if spins > maxSpins {
			v.fail(errors.New("the video decoder makes no progress"))
			return
		}
		err := v.cc.ReceiveFrame(v.in)
		switch {
		case err == nil:
			v.bad = 0
			if err := v.push(); err != nil {
				v.fail(err)
			}
		case errors.Is(err, astiav.ErrEof):
			v.decEOF = true
		case errors.Is(err, astiav.ErrEagain):
			if !v.send() {
				return
			}
		default:
			if v.bad++; v.bad > maxBadPackets {
				v.fail(av.Wrap("avcodec_receive_frame", err))
			}
		}
	}
}

// send sends the next video packet (or the end of stream) to the decoder.
// It reports false when no packet can be had now.
func (v *video) send() bool {
	if v.sentEOF {
		v.decEOF = true // the decoder wants input after the end: nothing more
		return true
	}
	pkt, ok := v.nextVideoPacket()
	if !ok {
		return false
	}
	if pkt == nil {
		v.sentEOF = true
		if err := v.cc.SendPacket(nil); err != nil && !errors.Is(err, astiav.ErrEof) {
			v.fail(av.Wrap("avcodec_send_packet", err))
		}
		return true
	}
	err := v.cc.SendPacket(pkt)
	if errors.Is(err, astiav.ErrEagain) {
		// Not expected after EAGAIN from receive; keep the packet.
		v.vpkts = append([]*astiav.Packet{pkt}, v.vpkts...)
		return true
	}
	pkt.Unref()
	v.pkts = append(v.pkts, pkt)
	if err != nil {
		if v.bad++; v.bad > maxBadPackets {
			v.fail(av.Wrap("avcodec_send_packet", err))
		}
	}
	return true
}

// push queues the frame in v.in, downloading it from the device when it
// is a hardware frame (which returns the surface to its pool at once).
func (v *video) push() error {
	ts := bestEffortTS(v.in)
	f := v.frame()
	if v.hwFmt != astiav.PixelFormatNone && v.in.PixelFormat() == v.hwFmt {
		err := v.in.TransferHardwareData(f)
		v.in.Unref()
		if err != nil {
			v.frames = append(v.frames, f)
			return av.Wrap("av_hwframe_transfer_data", err)
		}
	} else {
		if v.hwFmt != astiav.PixelFormatNone && !v.swNoted {
			// get_format chose software: the device cannot take this stream.
			v.swNoted = true
			if err := v.o.fallback("decode", fmt.Errorf("the %s decoder refused this stream", v.hwFmt)); err != nil {
				v.in.Unref()
				v.frames = append(v.frames, f)
				return err
			}
		}
		f.MoveRef(v.in)
	}
	pos := v.lastPos + v.step
	if ts != astiav.NoPtsValue {
		pos = int64(math.Round((float64(ts)*v.tbNum/v.tbDen - v.origin) * float64(v.rate)))
	}
	if len(v.queue) > 0 {
		pos = max(pos, v.lastPos) // keep the queue ordered whatever the timestamps say
	}
	v.lastPos = pos
	v.ids++
	v.queue = append(v.queue, vframe{f: f, pos: pos, id: v.ids})
	if len(v.queue) > maxQueuedFrames {
		v.recycle(v.queue[0].f)
		v.queue = v.queue[:copy(v.queue, v.queue[1:])]
	}
	return nil
}
