package encode

import (
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"time"

	"github.com/onair-go/onair"
)

// AudioOptions configure an audio encoder. A nil or zero AudioOptions
// encodes AAC-LC at the codec's default bit rate, keeping the input's
// sample rate and channels.
type AudioOptions struct {
	// Codec is the FFmpeg encoder name: "aac" (AAC-LC), "libmp3lame",
	// "libopus", "libvorbis", "flac", "pcm_s16le", or any other audio
	// encoder of the FFmpeg build. It defaults to "aac".
	Codec string
	// BitRate is the target bit rate in bits per second. It defaults to
	// the codec's default (128 kb/s for AAC and MP3). It is ignored by
	// lossless codecs, and by codecs in VBR mode that use Quality.
	BitRate int64
	// SampleRate is the encoded sample rate. It defaults to the input
	// rate, or, when the codec does not support it, to the closest rate
	// it does (Opus: 48000). The input is resampled when they differ.
	SampleRate int
	// Channels is the number of encoded channels (1 to 8). It defaults to
	// the input's; the input is remixed when they differ.
	Channels int
	// VBR selects variable bit rate at Quality, on the codec's own
	// quality scale: libmp3lame 0 (best) to 9, libvorbis -1 to 10, aac
	// 0.1 to 2, flac unused. libopus is VBR by default; its "vbr" option
	// ("off", "on", "constrained") is set through Options.
	VBR bool
	// Quality is the VBR quality (see VBR). It defaults to 0.
	Quality float64
	// Profile is the codec profile by FFmpeg name, e.g. "aac_low" or
	// "aac_he" for aac. It defaults to the codec's default (AAC-LC for aac).
	Profile string
	// Threads is the number of encoder threads. It defaults to the
	// codec's default (most audio encoders are single-threaded).
	Threads int
	// Options are FFmpeg codec options by name, as on the ffmpeg command
	// line ("cutoff", "compression_level", "frame_duration", ...). They
	// are applied after the fields above. An unknown option or a value the
	// codec rejects is an *OptionError naming the option.
	Options map[string]string

	// HandOff is how much audio a graph encoder ([Audio]) gives its
	// codec's goroutine at a time; the packets come out with the next
	// hand-off, so one to two HandOffs after their samples (and the
	// codec's own delay). Until a stream's first packet, every frame is
	// handed over, so that a stream starts (a listener's first byte) a
	// frame or two after the codec's delay. It defaults to 100 ms. A
	// negative HandOff hands over every frame, for the least delay (a
	// frame or two: WebRTC listeners, a live monitor) at about 10 % more
	// CPU per encoder. At most 10 s.
	HandOff time.Duration

	// Track is the name of the packet track an encoded graph source
	// produces ([Audio]). It defaults to "audio".
	Track string
	// Input is the name of the audio track a graph encoder reads. It
	// defaults to "audio".
	Input string
	// ID names the graph source. It defaults to "encode.<codec>".
	ID string
	// Logger receives the encoder's logs, FFmpeg's messages about the
	// codec included (see package avlog). It defaults to discarding them
	// (FFmpeg's then go where avlog sends messages of no logger; for a
	// stream of an [Encoder], to the Encoder's Logger).
	Logger *slog.Logger
}

// VideoOptions configure a video encoder. A nil or zero VideoOptions
// encodes H.264 with libx264 at its defaults (CRF 23, preset "medium"),
// keeping the input's size and frame rate, in yuv420p.
type VideoOptions struct {
	// Codec is the FFmpeg encoder name. It defaults to "libx264".
	Codec string
	// Width and Height are the encoded picture size. They default to the
	// input size; pictures are scaled when they differ.
	Width, Height int
	// FrameRate is the encoded frame rate. It defaults to the input frame
	// rate (the graph's, or the one given to [Encoder.AddVideo]).
	FrameRate onair.Rational
	// PixelFormat is the encoded pixel format by FFmpeg name. It defaults
	// to "yuv420p".
	PixelFormat string
	// BitRate is the target bit rate in bits per second. By default the
	// codec's rate control applies (CRF for libx264).
	BitRate int64
	// CRF is the constant rate factor for codecs that have one (libx264:
	// 0 lossless to 51). It defaults to the codec's default; set lossless
	// with Options["crf"] = "0".
	CRF int
	// Preset and Profile are the codec's preset ("ultrafast" ... "veryslow")
	// and profile ("baseline", "main", "high"). They default to the codec's.
	Preset, Profile string
	// GOP is the keyframe interval in frames. It defaults to the codec's
	// (250 for libx264).
	GOP int
	// Threads is the number of encoder threads. It defaults to the codec's
	// default (automatic for libx264).
	Threads int
	// Device is where the stream is encoded: "cpu" (the default) or a
	// hardware device "type[:device]" such as "cuda", "vaapi",
	// "vaapi:/dev/dri/renderD128", "qsv" or "videotoolbox" (see
	// hw.ParseDevice and hw.Types). On a device, Codec names the codec
	// family and the device's encoder of that family is used (libx264 on
	// "cuda" is h264_nvenc, on "vaapi" h264_vaapi, on "qsv" h264_qsv;
	// libx265 gives hevc_*), or Codec names a hardware encoder directly.
	// Pictures are converted to a pixel format the device takes
	// (PixelFormat when it can, else nv12) and uploaded. The fields above
	// and Options apply to whichever encoder opens; one the hardware
	// encoder rejects counts as hardware that cannot be used.
	//
	// When the hardware cannot be used (a type the FFmpeg build lacks, no
	// device, an encoder refusing the settings) the stream is encoded by
	// the software encoder of the same codec and the reason is logged once
	// (a warning) per options value, unless StrictDevice is set. A device
	// type FFmpeg does not know is always a *DeviceError.
	Device string
	// StrictDevice makes a Device that cannot be used a *DeviceError
	// (wrapping hw.ErrUnavailable) instead of a fallback to software.
	StrictDevice bool
	// Options are FFmpeg codec options by name ("tune", "x264-params",
	// "bf", ...), applied after the fields above. An unknown option or a
	// value the codec rejects is an *OptionError naming the option.
	Options map[string]string

	// Track is the name of the packet track an encoded graph source
	// produces ([Video]). It defaults to "video".
	Track string
	// Input is the name of the video track a graph encoder reads. It
	// defaults to "video".
	Input string
	// ID names the graph source. It defaults to "encode.<codec>".
	ID string
	// Logger receives the encoder's logs, FFmpeg's messages about the
	// codec included (see package avlog). It defaults to discarding them
	// (FFmpeg's then go where avlog sends messages of no logger; for a
	// stream of an [Encoder], to the Encoder's Logger).
	Logger *slog.Logger

	memo *hwMemo // shared by the encoders made from these options
}

// ffQP2Lambda is FFmpeg's FF_QP2LAMBDA: global_quality = q * ffQP2Lambda.
const ffQP2Lambda = 118

func (o *AudioOptions) withDefaults() AudioOptions {
	var c AudioOptions
	if o != nil {
		c = *o
	}
	if c.Codec == "" {
		c.Codec = "aac"
	}
	if c.Track == "" {
		c.Track = onair.MainAudio
	}
	if c.Input == "" {
		c.Input = onair.MainAudio
	}
	if c.ID == "" {
		c.ID = "encode." + c.Codec
	}
	if c.HandOff == 0 {
		c.HandOff = defaultHandOff
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

func (o *AudioOptions) validate() error {
	switch {
	case o.BitRate < 0:
		return fmt.Errorf("encode: %w: bit rate %d", ErrInvalidOption, o.BitRate)
	case o.SampleRate < 0 || o.SampleRate > 768000:
		return fmt.Errorf("encode: %w: sample rate %d", ErrInvalidOption, o.SampleRate)
	case o.Channels < 0 || o.Channels > 8:
		return fmt.Errorf("encode: %w: %d channels (want 1 to 8)", ErrInvalidOption, o.Channels)
	case o.Threads < 0:
		return fmt.Errorf("encode: %w: %d threads", ErrInvalidOption, o.Threads)
	case o.HandOff > 10*time.Second:
		return fmt.Errorf("encode: %w: hand-off %v (at most 10s)", ErrInvalidOption, o.HandOff)
	}
	return nil
}

// codecOptions lists the options the fields map to, in application order,
// followed by the user's Options.
func (o *AudioOptions) codecOptions() [][2]string {
	var l [][2]string
	if o.VBR {
		l = append(l, [2]string{"flags", "+qscale"},
			[2]string{"global_quality", strconv.Itoa(int(o.Quality * ffQP2Lambda))})
	}
	if o.Profile != "" {
		l = append(l, [2]string{"profile", o.Profile})
	}
	return appendSorted(l, o.Options)
}

func (o *VideoOptions) withDefaults() VideoOptions {
	var c VideoOptions
	if o != nil {
		c = *o
	}
	if c.Codec == "" {
		c.Codec = "libx264"
	}
	if c.PixelFormat == "" {
		c.PixelFormat = "yuv420p"
	}
	if c.Device == "" {
		c.Device = "cpu"
	}
	if c.memo == nil {
		c.memo = &hwMemo{}
	}
	if c.Track == "" {
		c.Track = onair.MainVideo
	}
	if c.Input == "" {
		c.Input = onair.MainVideo
	}
	if c.ID == "" {
		c.ID = "encode." + c.Codec
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

func (o *VideoOptions) validate() error {
	switch {
	case o.Width < 0 || o.Height < 0 || o.Width%2 != 0 || o.Height%2 != 0:
		return fmt.Errorf("encode: %w: size %dx%d (want positive, even)", ErrInvalidOption, o.Width, o.Height)
	case o.FrameRate.Num < 0 || o.FrameRate.Den < 0:
		return fmt.Errorf("encode: %w: frame rate %v", ErrInvalidOption, o.FrameRate)
	case o.BitRate < 0 || o.CRF < 0 || o.GOP < 0 || o.Threads < 0:
		return fmt.Errorf("encode: %w: negative bit rate, CRF, GOP or threads", ErrInvalidOption)
	}
	return nil
}

func (o *VideoOptions) codecOptions() [][2]string {
	var l [][2]string
	if o.CRF > 0 {
		l = append(l, [2]string{"crf", strconv.Itoa(o.CRF)})
	}
	if o.Preset != "" {
		l = append(l, [2]string{"preset", o.Preset})
	}
	if o.Profile != "" {
		l = append(l, [2]string{"profile", o.Profile})
	}
	return appendSorted(l, o.Options)
}

// appendSorted appends m's entries in key order, so that errors are
// deterministic.
func appendSorted(l [][2]string, m map[string]string) [][2]string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		l = append(l, [2]string{k, m[k]})
	}
	return l
}
