// Package avmux writes encoded packets into a container through FFmpeg's
// libavformat: a file path or any io.Writer, any number of streams, packets
// rescaled to each stream's time base and interleaved, and the bitstream
// filters each destination container needs on top of what FFmpeg adds by
// itself (see [Muxer.AddStream]).
//
// It is shared by the graph outputs of package mux and by the standalone
// Encoder of package encode. It is not for users.
//
// Usage:
//
//	m, err := avmux.Create("out.ts", nil)   // or avmux.NewWriter(w, "mp4", nil)
//	i, err := m.AddStream(info)             // one per encoded stream
//	err = m.WriteHeader()
//	err = m.WritePacket(i, pkt, info.TimeBase) // repeatedly
//	err = m.Close()                         // writes the trailer, frees everything
package avmux

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/asticode/go-astiav"
	"github.com/onair-go/onair"
	"github.com/onair-go/onair/avlog"
	"github.com/onair-go/onair/internal/av"
)

var (
	// ErrState reports a call the muxer's state does not allow: a stream
	// added after the header, a packet written before it or after the
	// trailer, any call after Close.
	ErrState = errors.New("avmux: invalid muxer state")
	// ErrFormat reports a container format FFmpeg does not know or cannot
	// guess from a path. It is public as mux.ErrFormat, which the outputs
	// of package mux and encode's Encoder both report; its message names
	// no package, since both wrap it with their own prefix.
	ErrFormat = errors.New("unknown container format")
	// ErrStream reports a stream the muxer cannot add or does not have.
	ErrStream = errors.New("avmux: invalid stream")
)

// Options configure a [Muxer]. A nil *Options means all defaults.
type Options struct {
	// Format is the FFmpeg muxer name ("adts", "mp3", "mp4", "mpegts",
	// "matroska", "flv", "ogg", ...). For [Create] it defaults to the
	// format FFmpeg guesses from the path's extension; [NewWriter] requires
	// it.
	Format string
	// MuxerOptions are passed to the muxer when the header is written (for
	// example "movflags"). An option the muxer does not know is an error
	// naming it. By default none; a non-seekable MP4-family output gets
	// fragmented-MP4 movflags unless "movflags" is set here.
	MuxerOptions map[string]string
	// Metadata is written as container metadata (title, ...). Default none.
	Metadata map[string]string
	// Logger receives the muxer's logs, FFmpeg's messages about the
	// container, its IO and its bitstream filters included (see package
	// avlog). It defaults to discarding them.
	Logger *slog.Logger
}

// Muxer writes encoded packets into one container. Build it with [Create]
// or [NewWriter], add every stream, write the header, write packets, then
// Close (which writes the trailer).
//
// A Muxer is not safe for concurrent use.
type Muxer struct {
	fc       *astiav.FormatContext
	pb       *astiav.IOContext
	custom   *customIO // nil for a file output
	format   string
	seekable bool
	opts     Options
	log      *slog.Logger

	streams []*stream
	pkt     *astiav.Packet
	scratch []byte // packet data plus FFmpeg's input padding

	header  bool
	trailer bool
	closed  bool

	detachLog []func() // end the routing of FFmpeg's messages (avlog)
}

type stream struct {
	st  *astiav.Stream
	bsf *bsfChain // nil when FFmpeg's own filters are enough
}

// Create returns a muxer writing to the file at path, which it creates
// (truncating an existing file). The container is opts.Format or, by
// default, guessed from the extension. opts may be nil.
func Create(path string, opts *Options) (*Muxer, error) {
	m, err := newMuxer(path, opts)
	if err != nil {
		return nil, err
	}
	if !m.fc.OutputFormat().Flags().Has(astiav.IOFormatFlagNofile) {
		pb, err := astiav.OpenIOContext(path, astiav.NewIOContextFlags(astiav.IOContextFlagWrite), nil, nil)
		if err != nil {
			m.fc.Free()
			m.detach()
			return nil, av.Wrap("avio_open2", err)
		}
		m.pb = pb
		m.fc.SetPb(pb)
		m.detachLog = append(m.detachLog, avlog.Attach(pb, m.log))
	}
	m.seekable = true
	return m, nil
}

// NewWriter returns a muxer writing to w through FFmpeg's custom IO. format
// is required (opts.Format is ignored). When w is an io.WriteSeeker whose
// Seek works, the output is seekable; otherwise it is written strictly
// sequentially, and MP4-family formats are written as fragmented MP4. A
// write error of w is returned by the call that caused the write (wrapped
// in an *av.Error; errors.Is finds w's error). opts may be nil.
func NewWriter(w io.Writer, format string, opts *Options) (*Muxer, error) {
	if format == "" {
		return nil, fmt.Errorf("%w: NewWriter needs an explicit format", ErrFormat)
	}
	var o Options
	if opts != nil {
		o = *opts
	}
	o.Format = format
	m, err := newMuxer("", &o)
	if err != nil {
		return nil, err
	}
	c, pb, err := newCustomIO(w)
	if err != nil {
		m.fc.Free()
		m.detach()
		return nil, err
	}
	m.custom, m.pb, m.seekable = c, pb, c.seekable
	m.detachLog = append(m.detachLog, avlog.Attach(pb, m.log))
	m.fc.SetPb(pb)
	m.fc.SetFlags(m.fc.Flags().Add(astiav.FormatContextFlagCustomIo))
	return m, nil
}

func newMuxer(path string, opts *Options) (*Muxer, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.Format != "" && astiav.FindOutputFormat(o.Format) == nil {
		return nil, fmt.Errorf("%w: %q", ErrFormat, o.Format)
	}
	fc, err := astiav.AllocOutputFormatContext(nil, o.Format, path)
	if err != nil || fc == nil {
		if o.Format == "" {
			return nil, fmt.Errorf("%w: cannot guess the format of %q (set the format explicitly)", ErrFormat, path)
		}
		return nil, av.Wrap("avformat_alloc_output_context2", err)
	}
	m := &Muxer{fc: fc, format: fc.OutputFormat().Name(), opts: o, log: o.Logger, pkt: astiav.AllocPacket()}
	if m.log == nil {
		m.log = slog.New(slog.DiscardHandler)
	}
	m.detachLog = append(m.detachLog, avlog.Attach(fc, m.log))
	return m, nil
}

// detach ends the routing of FFmpeg's messages about the freed contexts.
func (m *Muxer) detach() {
	for _, d := range m.detachLog {
		d()
	}
	m.detachLog = nil
}

// Format returns the FFmpeg name of the container being written.
func (m *Muxer) Format() string { return m.format }

// NumStreams returns the number of streams added.
func (m *Muxer) NumStreams() int { return len(m.streams) }

// AddStream adds a stream for the encoded stream info describes and returns
// its index. info.Params, when it is a *astiav.CodecParameters, is copied
// (the caller keeps ownership); otherwise the parameters are built from
// info's fields (Codec, MediaType, rates, sizes, Extradata). info.TimeBase
// is the time base hint given to the muxer, which may choose another one
// (see [Muxer.TimeBase]). It must be called before [Muxer.WriteHeader].
func (m *Muxer) AddStream(info *onair.StreamInfo) (int, error) {
	if info == nil {
		return -1, fmt.Errorf("%w: nil stream info", ErrStream)
	}
	tb := astiav.NewRational(info.TimeBase.Num, info.TimeBase.Den)
	if cp, ok := info.Params.(*astiav.CodecParameters); ok && cp != nil {
		return m.AddCodecParameters(cp, tb)
	}
	cp, err := paramsFromInfo(info)
	if err != nil {
		return -1, err
	}
	defer cp.Free()
	return m.AddCodecParameters(cp, tb)
}

// AddCodecParameters adds a stream with a copy of cp (the caller keeps
// ownership of cp) and the time base hint tb, and returns its index. It
// must be called before [Muxer.WriteHeader].
//
// Encoders are expected to open with the global-header flag, so the
// extradata is out of band. FFmpeg's muxers insert most bitstream filters
// themselves (AVFMT_FLAG_AUTO_BSF is on: aac_adtstoasc for ADTS input to
// MP4/FLV/Matroska, h264_mp4toannexb for length-prefixed H.264 to MPEG-TS)
// and the ADTS, MPEG-TS, MP4, FLV and Matroska muxers accept raw AAC with
// an AudioSpecificConfig and Annex B H.264 with out-of-band SPS/PPS. The
// muxer adds what is missing; see bsf.go.
func (m *Muxer) AddCodecParameters(cp *astiav.CodecParameters, tb astiav.Rational) (int, error) {
	if m.closed || m.header {
		return -1, fmt.Errorf("%w: stream added after the header was written", ErrState)
	}
	if cp == nil {
		return -1, fmt.Errorf("%w: nil codec parameters", ErrStream)
	}
	if tb.Num() <= 0 || tb.Den() <= 0 {
		return -1, fmt.Errorf("%w: time base %d/%d", ErrStream, tb.Num(), tb.Den())
	}
	st := m.fc.NewStream(nil)
	if st == nil {
		return -1, &av.Error{Op: "avformat_new_stream", Err: errors.New("allocation failed")}
	}
	if err := cp.Copy(st.CodecParameters()); err != nil {
		return -1, av.Wrap("avcodec_parameters_copy", err)
	}
	// The tag is the source container's; let the muxer pick its own.
	st.CodecParameters().SetCodecTag(0)
	st.SetTimeBase(tb)
	s := &stream{st: st}
	bsf, err := newBSFChain(m.format, st.CodecParameters(), tb, m.log)
	if err != nil {
		return -1, err
	}
	s.bsf = bsf
	m.streams = append(m.streams, s)
	return len(m.streams) - 1, nil
}

// TimeBase returns the time base of stream i, final once the header is
// written.
func (m *Muxer) TimeBase(i int) (onair.Rational, error) {
	if i < 0 || i >= len(m.streams) {
		return onair.Rational{}, fmt.Errorf("%w: index %d of %d", ErrStream, i, len(m.streams))
	}
	tb := m.streams[i].st.TimeBase()
	return onair.Rational{Num: tb.Num(), Den: tb.Den()}, nil
}

// WriteHeader writes the container header. Every stream must have been
// added; a second call is an error.
func (m *Muxer) WriteHeader() error {
	if m.closed || m.header {
		return fmt.Errorf("%w: header already written", ErrState)
	}
	if len(m.streams) == 0 {
		return fmt.Errorf("%w: no stream to write", ErrStream)
	}
	d := astiav.NewDictionary()
	defer d.Free()
	opts := m.muxerOptions()
	for k, v := range opts {
		if err := d.Set(k, v, 0); err != nil {
			return av.Wrap("av_dict_set", err)
		}
	}
	if len(m.opts.Metadata) > 0 {
		md := astiav.NewDictionary()
		for k, v := range m.opts.Metadata {
			if err := md.Set(k, v, 0); err != nil {
				md.Free()
				return av.Wrap("av_dict_set", err)
			}
		}
		m.fc.SetMetadata(md) // the format context owns md from now on
		if IsOgg(m.format) {
			// The Ogg muxer writes each stream's comment header from the
			// stream's metadata, not the container's.
			for _, st := range m.streams {
				sd := astiav.NewDictionary()
				for k, v := range m.opts.Metadata {
					if err := sd.Set(k, v, 0); err != nil {
						sd.Free()
						return av.Wrap("av_dict_set", err)
					}
				}
				st.st.SetMetadata(sd)
			}
		}
	}
	if err := m.fc.WriteHeader(d); err != nil {
		return m.ioErr("avformat_write_header", err)
	}
	m.header = true
	if e := d.Get("", nil, astiav.NewDictionaryFlags(astiav.DictionaryFlagIgnoreSuffix)); e != nil {
		var unknown []string
		for ; e != nil; e = d.Get("", e, astiav.NewDictionaryFlags(astiav.DictionaryFlagIgnoreSuffix)) {
			unknown = append(unknown, e.Key())
		}
		return fmt.Errorf("avmux: %s muxer: unknown option(s) %s", m.format, strings.Join(unknown, ", "))
	}
	return nil
}

// muxerOptions resolves the options given to avformat_write_header.
func (m *Muxer) muxerOptions() map[string]string {
	opts := make(map[string]string, len(m.opts.MuxerOptions)+2)
	for k, v := range m.opts.MuxerOptions {
		opts[k] = v
	}
	if !m.seekable && isMP4Family(m.format) {
		if _, ok := opts["movflags"]; !ok {
			// A non-seekable output cannot go back to write the moov
			// atom: write an empty moov first and self-contained fragments.
			opts["movflags"] = "frag_keyframe+empty_moov+default_base_moof"
			if !m.hasVideo() {
				if _, ok := opts["frag_duration"]; !ok {
					// frag_keyframe only cuts on video keyframes: audio-only
					// output would be held in memory until the trailer.
					opts["frag_duration"] = "1000000"
				}
			}
		}
	}
	return opts
}

func (m *Muxer) hasVideo() bool {
	for _, s := range m.streams {
		if s.st.CodecParameters().MediaType() == astiav.MediaTypeVideo {
			return true
		}
	}
	return false
}

func isMP4Family(format string) bool {
	switch format {
	case "mp4", "mov", "ipod", "ismv", "3gp", "3g2", "psp", "f4v":
		return true
	}
	return false
}

// CheckFormat returns an error wrapping [ErrFormat] when FFmpeg has no
// muxer called name.
func CheckFormat(name string) error {
	if astiav.FindOutputFormat(name) == nil {
		return fmt.Errorf("%w: %q", ErrFormat, name)
	}
	return nil
}

// IsOgg reports whether format is one of FFmpeg's Ogg muxers, whose
// metadata travels in band (a new chained stream).
func IsOgg(format string) bool {
	switch format {
	case "ogg", "oga", "opus", "spx", "ogv":
		return true
	}
	return false
}
