package decode

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"mime"
	"time"

	"github.com/asticode/go-astiav"
	"github.com/onair-go/onair"
	"github.com/onair-go/onair/internal/av"
)

const (
	// liveIOBuffer is the size of FFmpeg's read buffer for a stream. A
	// read returns what the stream has, so it does not add latency; go-astiav
	// allocates a buffer of this size at every read, so it stays small.
	liveIOBuffer = 4 << 10
	// liveProbeSize bounds how much of a stream is read to recognize its
	// format, so that a stream of garbage fails in bounded time.
	liveProbeSize = 1 << 20
	// liveAnalyze is how much of a stream (in microseconds) FFmpeg may
	// read to find its codec parameters before decoding starts. FFmpeg's
	// default (5s) would make an MP3 stream start 1.3s late; audio
	// streams announce their parameters in their first frames.
	liveAnalyze = 200000
	// maxEmptyReads is how many (0, nil) results of Read in a row are
	// taken as a broken reader.
	maxEmptyReads = 100
)

// liveInput is FFmpeg's read callback over a stream.
type liveInput struct {
	ctx   context.Context
	r     io.Reader
	s     *LiveSource
	sess  *liveSession
	err   error       // the first error of r (io.EOF included)
	bytes int64       // bytes handed to FFmpeg
	flush func() bool // hands decoded audio to the buffer before reading
}

// read fills b from the stream. An error of r is returned on the call
// after its data, because FFmpeg's callback cannot return both.
func (in *liveInput) read(b []byte) (int, error) {
	if in.err != nil {
		return 0, in.err
	}
	if err := in.ctx.Err(); err != nil {
		return 0, err
	}
	if in.flush != nil && !in.flush() {
		return 0, context.Cause(in.ctx)
	}
	in.setReading(true)
	defer in.setReading(false)
	for range maxEmptyReads {
		n, err := in.r.Read(b)
		if err != nil {
			in.err = err
		}
		if n > 0 {
			in.bytes += int64(n)
			return n, nil
		}
		if err != nil {
			return 0, err
		}
		if err := in.ctx.Err(); err != nil {
			return 0, err
		}
	}
	in.err = io.ErrNoProgress
	return 0, in.err
}

func (in *liveInput) setReading(v bool) {
	in.s.mu.Lock()
	in.sess.reading = v
	in.s.notify()
	in.s.mu.Unlock()
}

// interrupt makes a blocked Read return, when the reader allows it.
func (in *liveInput) interrupt() {
	if d, ok := in.r.(interface{ SetReadDeadline(time.Time) error }); ok {
		_ = d.SetReadDeadline(time.Unix(1, 0))
	}
}

// liveDecoder is a decoder reading a stream through custom IO.
type liveDecoder struct {
	*decoder
	pb   *astiav.IOContext
	last onair.Metadata // the tags last reported
}

// formatHints maps stream MIME types to a file extension that favours
// the right demuxer when probing.
var formatHints = map[string]string{
	"audio/mpeg": "mp3", "audio/mp3": "mp3", "audio/mpeg3": "mp3", "audio/x-mpeg": "mp3",
	"audio/aac": "aac", "audio/aacp": "aac", "audio/x-aac": "aac",
	"audio/ogg": "ogg", "application/ogg": "ogg", "audio/x-ogg": "ogg", "audio/vorbis": "ogg",
	"audio/opus": "opus",
	"audio/flac": "flac", "audio/x-flac": "flac",
	"audio/wav": "wav", "audio/x-wav": "wav", "audio/wave": "wav",
	"audio/webm": "webm", "video/webm": "webm",
}

// openLive opens a stream for decoding to format f. forced names a
// demuxer ("" to probe, with contentType as a hint).
func openLive(in *liveInput, f *onair.Format, forced, contentType, name string, log *slog.Logger) (ld *liveDecoder, err error) {
	layout, err := channelLayout(f.Channels)
	if err != nil {
		return nil, err
	}
	ld = &liveDecoder{decoder: &decoder{path: name, rate: f.SampleRate, channels: f.Channels, layout: layout, length: -1, log: log}}
	defer func() {
		if err != nil {
			ld.close()
			ld = nil
			if in.err != nil && !errors.Is(in.err, io.EOF) {
				err = &PathError{Op: "read", Path: name, Err: in.err}
			} else if errors.Is(in.err, io.EOF) {
				err = fmt.Errorf("%w (the stream ended after %d bytes)", err, in.bytes)
			}
		}
	}()
	var ifmt *astiav.InputFormat
	if forced != "" {
		if ifmt = astiav.FindInputFormat(forced); ifmt == nil {
			return ld, &PathError{Op: "open", Path: name, Err: fmt.Errorf("%w: unknown input format %q", onair.ErrInvalidOption, forced)}
		}
	}
	d := ld.decoder
	if ld.pb, err = astiav.AllocIOContext(liveIOBuffer, false, in.read, nil, nil); err != nil {
		return ld, &PathError{Op: "open", Path: name, Err: av.Wrap("avio_alloc_context", err)}
	}
	d.attach(ld.pb)
	if d.fc = astiav.AllocFormatContext(); d.fc == nil {
		return ld, &PathError{Op: "open", Path: name, Err: errors.New("cannot allocate format context")}
	}
	d.attach(d.fc)
	d.fc.SetPb(ld.pb)
	opts := astiav.NewDictionary()
	defer opts.Free()
	for k, v := range map[string]int{"probesize": liveProbeSize, "analyzeduration": liveAnalyze} {
		if err := opts.Set(k, fmt.Sprint(v), astiav.NewDictionaryFlags()); err != nil {
			return ld, &PathError{Op: "open", Path: name, Err: av.Wrap("av_dict_set", err)}
		}
	}
	// The URL is never opened (the IO is ours): its extension is a hint
	// for probing.
	url := "stream"
	if mt, _, err := mime.ParseMediaType(contentType); err == nil && formatHints[mt] != "" {
		url += "." + formatHints[mt]
	}
	if err := d.fc.OpenInput(url, ifmt, opts); err != nil {
		d.fc.Free()
		d.fc = nil // OpenInput frees the context on failure
		return ld, &PathError{Op: "open", Path: name, Err: av.Wrap("avformat_open_input", err)}
	}
	// Most audio demuxers know the codec parameters from the stream's
	// headers; reading ahead to find them (avformat_find_stream_info) is
	// left for the others (ADTS), because it delays decoding: up to 1.3s
	// of an MP3 stream, 64 KiB or more of a WAV one.
	if !knownAudio(d.fc) {
		if err := d.fc.FindStreamInfo(nil); err != nil {
			return ld, &PathError{Op: "probe", Path: name, Err: av.Wrap("avformat_find_stream_info", err)}
		}
	}
	st, codec, err := d.fc.FindBestStream(astiav.MediaTypeAudio, -1, -1)
	switch {
	case errors.Is(err, astiav.ErrDecoderNotFound) || (err == nil && codec == nil):
		return ld, &PathError{Op: "probe", Path: name, Err: ErrUnsupportedCodec}
	case err != nil || st == nil:
		return ld, &PathError{Op: "probe", Path: name, Err: ErrNoAudio}
	}
	d.st = st
	if d.cc = astiav.AllocCodecContext(codec); d.cc == nil {
		return ld, &PathError{Op: "open decoder", Path: name, Err: errors.New("cannot allocate codec context")}
	}
	d.attach(d.cc)
	if err := st.CodecParameters().ToCodecContext(d.cc); err != nil {
		return ld, &PathError{Op: "open decoder", Path: name, Err: av.Wrap("avcodec_parameters_to_context", err)}
	}
	if r := d.cc.SampleRate(); r != 0 && (r < minRate || r > maxRate) {
		return ld, &PathError{Op: "probe", Path: name, Err: fmt.Errorf("%w: sample rate %d Hz", ErrUnsupportedCodec, r)}
	}
	d.cc.SetTimeBase(st.TimeBase())
	if err := d.cc.Open(codec, nil); err != nil {
		return ld, &PathError{Op: "open decoder", Path: name, Err: fmt.Errorf("%w: %s: %w", ErrUnsupportedCodec, codec.Name(), av.Wrap("avcodec_open2", err))}
	}
	d.packet = astiav.AllocPacket()
	d.in = astiav.AllocFrame()
	d.out = astiav.AllocFrame()
	d.swr = astiav.AllocSoftwareResampleContext()
	ld.last = ld.readTags()
	st.SetEventFlags(st.EventFlags().Del(astiav.StreamEventFlagMetadataUpdated))
	return ld, nil
}

// knownAudio reports whether the demuxer found an audio stream with its
// codec, sample rate and channels.
func knownAudio(fc *astiav.FormatContext) bool {
	for _, st := range fc.Streams() {
		cp := st.CodecParameters()
		if cp.MediaType() == astiav.MediaTypeAudio && cp.CodecID() != astiav.CodecIDNone &&
			cp.SampleRate() > 0 && cp.ChannelLayout().Channels() > 0 {
			return true
		}
	}
	return false
}

// tags returns the stream's tags at the start.
func (ld *liveDecoder) tags() onair.Metadata { return maps.Clone(ld.last) }

// readTags collects the container and stream tags (lower-case keys;
// container tags win).
func (ld *liveDecoder) readTags() onair.Metadata {
	return collectTags(ld.fc.Metadata(), ld.st.Metadata())
}

// updatedTags reports the stream's tags when the demuxer updated them
// (a new link of a chained Ogg stream, for instance) and they changed.
func (ld *liveDecoder) updatedTags() (onair.Metadata, bool) {
	stUpd := ld.st.EventFlags().Has(astiav.StreamEventFlagMetadataUpdated)
	fcUpd := ld.fc.EventFlags().Has(astiav.FormatEventFlagMetadataUpdated)
	if !stUpd && !fcUpd {
		return nil, false
	}
	if stUpd {
		ld.st.SetEventFlags(ld.st.EventFlags().Del(astiav.StreamEventFlagMetadataUpdated))
	}
	m := ld.readTags()
	if maps.Equal(m, ld.last) || len(m) == 0 {
		return nil, false
	}
	ld.last = m
	return maps.Clone(m), true
}

// close frees the decoder and the IO context. It is idempotent.
func (ld *liveDecoder) close() {
	if ld == nil {
		return
	}
	detachs := ld.detachs
	ld.detachs = nil
	ld.decoder.close()
	if ld.pb != nil {
		ld.pb.Free()
		ld.pb = nil
	}
	for _, detach := range detachs {
		detach()
	}
}
