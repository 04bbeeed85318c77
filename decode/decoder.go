package decode

import (
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"strings"

	"github.com/asticode/go-astiav"
	"github.com/onair-go/onair"
	"github.com/onair-go/onair/avlog"
	"github.com/onair-go/onair/internal/av"
)

// maxBadPackets is how many consecutive packets may fail to decode before
// the file is given up as broken (single bad packets are skipped, as the
// ffmpeg program does).
const maxBadPackets = 64

// maxSpins bounds the decode steps that may pass without a frame.
const maxSpins = 100000

// Sample rates outside this range are refused: a corrupt header claiming
// 1 Hz would make the resampler produce hours of audio per frame.
const (
	minRate = 1000
	maxRate = 768000
)

// decoder reads one media file and delivers its best audio stream as
// planar float32 at the graph's rate and channel count. It is used by one
// goroutine at a time (a source's helper goroutine) and owns C memory:
// close it.
type decoder struct {
	path     string
	ident    os.FileInfo // the local file as opened (nil for a URL)
	fc       *astiav.FormatContext
	st       *astiav.Stream
	cc       *astiav.CodecContext
	swr      *astiav.SoftwareResampleContext
	out, in  *astiav.Frame
	packet   *astiav.Packet
	layout   astiav.ChannelLayout
	rate     int
	channels int
	outCap   int
	swrReady bool       // swr is configured (Delay may be asked)
	describe [1024]byte // defaultLayout's scratch (go-astiav indexes past a short one)
	vid      *video     // the video, when the graph format has video

	tags   onair.Metadata
	length int64    // track length in output samples (after cues), -1 unknown
	cueIn  int64    // output samples from the file start
	cueOut int64    // 0 when none
	end    int64    // file position where the track ends (cue-out, exact container length); 0: none
	trim   *trimmer // cuts the silence at the track's edges; nil: none

	off       int   // samples of d.out (the converted frame) already read
	pos       int64 // file position of the next sample to deliver
	drop      int64 // samples to drop after a seek, up to the target
	resync    bool  // take pos from the next frame's timestamp
	sendAgain bool  // packet still to send (decoder was full)
	demuxEOF  bool
	decEOF    bool
	bad       int // consecutive undecodable packets

	// onPacket, when set, is called with the byte position of each packet
	// of the audio stream (-1 when unknown) before it is decoded (live
	// streams place in-band metadata with it).
	onPacket func(pos int64)

	log     *slog.Logger // the source's: FFmpeg's messages about the file (avlog)
	detachs []func()
}

// attach sends FFmpeg's messages about ctx to the source's logger until
// the decoder is closed.
func (d *decoder) attach(ctx astiav.Classer) {
	d.detachs = append(d.detachs, avlog.Attach(ctx, d.log))
}

// openDecoder opens path for decoding to format f, with FFmpeg's messages
// about it going to log (nil: where avlog sends messages of no logger).
// extra overrides the file's tags (cue points included).
func openDecoder(path string, f *onair.Format, extra onair.Metadata, log *slog.Logger) (d *decoder, err error) {
	return openDecoderWith(path, f, extra, &videoOptions{log: log})
}

// openDecoderWith is openDecoder with the video options of a source (nil:
// defaults), used when f has video.
func openDecoderWith(path string, f *onair.Format, extra onair.Metadata, vo *videoOptions) (d *decoder, err error) {
	layout, err := channelLayout(f.Channels)
	if err != nil {
		return nil, err
	}
	d = &decoder{path: path, rate: f.SampleRate, channels: f.Channels, layout: layout, length: -1}
	if vo != nil {
		d.log = vo.log
	}
	defer func() {
		if err != nil {
			d.close()
			d = nil
		}
	}()
	if !strings.Contains(path, "://") {
		// Report file system errors as such (errors.Is(err, fs.ErrNotExist)).
		fi, err := os.Stat(path)
		if err == nil && fi.IsDir() {
			err = errors.New("is a directory")
		}
		if err != nil {
			return d, &PathError{Op: "open", Path: path, Err: err}
		}
		d.ident = fi
	}
	if d.fc = astiav.AllocFormatContext(); d.fc == nil {
		return d, &PathError{Op: "open", Path: path, Err: errors.New("cannot allocate format context")}
	}
	d.attach(d.fc)
	// A local file may only read local files. FFmpeg's file protocol
	// already limits what a playlist inside it (HLS, concat) may open to
	// file, crypto and data; we narrow it to file and say so here, so
	// that the property does not rest on a library default.
	var opts *astiav.Dictionary
	if !strings.Contains(path, "://") {
		opts = astiav.NewDictionary()
		defer opts.Free()
		if err := opts.Set("protocol_whitelist", "file", astiav.NewDictionaryFlags()); err != nil {
			return d, &PathError{Op: "open", Path: path, Err: av.Wrap("av_dict_set", err)}
		}
	}
	if err := d.fc.OpenInput(path, nil, opts); err != nil {
		d.fc.Free()
		d.fc = nil // OpenInput frees the context on failure
		return d, &PathError{Op: "open", Path: path, Err: av.Wrap("avformat_open_input", err)}
	}
	if err := d.fc.FindStreamInfo(nil); err != nil {
		return d, &PathError{Op: "probe", Path: path, Err: av.Wrap("avformat_find_stream_info", err)}
	}
	st, codec, err := d.fc.FindBestStream(astiav.MediaTypeAudio, -1, -1)
	switch {
	case errors.Is(err, astiav.ErrDecoderNotFound) || (err == nil && codec == nil):
		return d, &PathError{Op: "probe", Path: path, Err: ErrUnsupportedCodec}
	case err != nil || st == nil:
		return d, &PathError{Op: "probe", Path: path, Err: ErrNoAudio}
	}
	d.st = st
	if d.cc = astiav.AllocCodecContext(codec); d.cc == nil {
		return d, &PathError{Op: "open decoder", Path: path, Err: errors.New("cannot allocate codec context")}
	}
	d.attach(d.cc)
	if err := st.CodecParameters().ToCodecContext(d.cc); err != nil {
		return d, &PathError{Op: "open decoder", Path: path, Err: av.Wrap("avcodec_parameters_to_context", err)}
	}
	if r := d.cc.SampleRate(); r != 0 && (r < minRate || r > maxRate) {
		return d, &PathError{Op: "probe", Path: path, Err: fmt.Errorf("%w: sample rate %d Hz", ErrUnsupportedCodec, r)}
	}
	d.cc.SetTimeBase(st.TimeBase())
	if err := d.cc.Open(codec, nil); err != nil {
		return d, &PathError{Op: "open decoder", Path: path, Err: fmt.Errorf("%w: %s: %w", ErrUnsupportedCodec, codec.Name(), av.Wrap("avcodec_open2", err))}
	}
	d.packet = astiav.AllocPacket()
	d.in = astiav.AllocFrame()
	d.out = astiav.AllocFrame()
	d.swr = astiav.AllocSoftwareResampleContext()
	if f.Video != nil {
		if err := d.openVideo(f, vo); err != nil {
			return d, err
		}
	}
	d.readTags(extra)
	d.readLength()
	if d.cueIn > 0 {
		if err := d.seek(0); err != nil {
			return d, err
		}
	}
	return d, nil
}

// metadata returns a copy of the file's tags.
func (d *decoder) metadata() onair.Metadata { return maps.Clone(d.tags) }

// position returns the track position (after cue-in, and after the
// leading silence a trimmer cut) of the next sample read returns.
func (d *decoder) position() int64 {
	if t := d.trim; t != nil {
		return max(0, d.pos-d.cueIn-t.leadCut-t.tailCut-t.pending())
	}
	return max(0, d.pos-d.cueIn)
}

// trimSilence makes the decoder cut the silence at the track's edges (see
// trimmer), from now on. It is for audio only: with video, cutting audio
// would move the pictures against it, and it does nothing.
func (d *decoder) trimSilence() {
	if d.vid == nil {
		d.trim = newTrimmer(d.channels, d.rate)
	}
}

// seek moves to track position target (in output samples after cue-in).
func (d *decoder) seek(target int64) error {
	abs := target + d.cueIn
	if d.trim != nil {
		abs += d.trim.leadCut
		d.trim.reset()
	}
	tb := d.st.TimeBase()
	ts := rescale(abs, int64(tb.Den()), int64(tb.Num())*int64(d.rate))
	if start := d.st.StartTime(); start != astiav.NoPtsValue {
		ts += start
	}
	index := d.st.Index()
	if d.vid != nil {
		index, ts = d.vid.seekPoint(index, ts, abs)
	}
	if err := d.fc.SeekFrame(index, ts, astiav.NewSeekFlags(astiav.SeekFlagBackward)); err != nil {
		return &PathError{Op: "seek", Path: d.path, Err: av.Wrap("av_seek_frame", err)}
	}
	av.FlushDecoder(d.cc)
	if d.vid != nil {
		d.vid.reset()
	}
	d.swr.Free()
	d.swr = astiav.AllocSoftwareResampleContext()
	d.swrReady = false
	d.out.Unref()
	d.outCap = 0
	d.off = 0
	d.pos = abs
	d.drop = 0
	d.resync = true
	d.sendAgain = false
	d.demuxEOF, d.decEOF = false, false
	return nil
}

// close frees everything; it is safe on a partly opened decoder and
// idempotent.
func (d *decoder) close() {
	if d == nil {
		return
	}
	for _, f := range []**astiav.Frame{&d.in, &d.out} {
		if *f != nil {
			(*f).Free()
			*f = nil
		}
	}
	if d.packet != nil {
		d.packet.Free()
		d.packet = nil
	}
	d.vid.close()
	d.vid = nil
	if d.swr != nil {
		d.swr.Free()
		d.swr = nil
	}
	if d.cc != nil {
		d.cc.Free()
		d.cc = nil
	}
	if d.fc != nil {
		d.fc.CloseInput()
		d.fc.Free()
		d.fc = nil
	}
	for _, detach := range d.detachs {
		detach()
	}
	d.detachs = nil
}

// rewritten reports whether the local file was written over in place
// since it was opened: the same file (inode) with another size or
// modification time. A file deleted or replaced by a rename is not: the
// open file still reads the bytes it had.
func (d *decoder) rewritten() bool {
	if d.ident == nil {
		return false
	}
	fi, err := os.Stat(d.path)
	if err != nil || !os.SameFile(fi, d.ident) {
		return false
	}
	return fi.Size() != d.ident.Size() || !fi.ModTime().Equal(d.ident.ModTime())
}
