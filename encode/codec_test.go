package encode_test

import (
	"errors"
	"path/filepath"
	"testing"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/encode"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// audioCases is the codec table shared by the round-trip test and the
// benchmarks.
var audioCases = []struct {
	name       string
	ext        string
	inRate     int
	inChannels int
	opts       encode.AudioOptions
	wantCodec  string
	wantRate   int
	wantCh     int
}{
	{"aac", ".m4a", 44100, 2, encode.AudioOptions{Codec: "aac", BitRate: 128000}, "aac", 44100, 2},
	{"aac-48k-mono", ".aac", 48000, 2, encode.AudioOptions{Codec: "aac", BitRate: 48000, Channels: 1}, "aac", 48000, 1},
	{"mp3-cbr", ".mp3", 44100, 2, encode.AudioOptions{Codec: "libmp3lame", BitRate: 128000}, "mp3", 44100, 2},
	{"mp3-vbr", ".mp3", 44100, 2, encode.AudioOptions{Codec: "libmp3lame", VBR: true, Quality: 2}, "mp3", 44100, 2},
	{"opus", ".opus", 44100, 2, encode.AudioOptions{Codec: "libopus", BitRate: 96000}, "opus", 48000, 2},
	{"vorbis", ".ogg", 44100, 2, encode.AudioOptions{Codec: "libvorbis", VBR: true, Quality: 5}, "vorbis", 44100, 2},
	{"flac", ".flac", 44100, 1, encode.AudioOptions{Codec: "flac"}, "flac", 44100, 1},
	{"pcm", ".wav", 22050, 2, encode.AudioOptions{Codec: "pcm_s16le"}, "pcm_s16le", 22050, 2},
	{"aac-resampled", ".mka", 44100, 2, encode.AudioOptions{Codec: "aac", SampleRate: 48000}, "aac", 48000, 2},
}

// TestAudioCodecsRoundTrip encodes two seconds of audio with every codec,
// then decodes the file with FFmpeg and checks codec, rate, channels,
// duration and that decoding reports no error.
func TestAudioCodecsRoundTrip(t *testing.T) {
	const seconds = 2.0
	for _, tc := range audioCases {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "out"+tc.ext)
			enc := encode.New(nil)
			a, err := enc.AddAudio(tc.inRate, tc.inChannels, &tc.opts)
			require.NoError(t, err)
			require.NoError(t, enc.Open(path, ""))
			planes := sine(tc.inRate, tc.inChannels, int(seconds*float64(tc.inRate)), 440)
			// Odd chunk sizes on purpose: the FIFO regroups them.
			for off, step := 0, 333; off < len(planes[0]); off += step {
				end := min(off+step, len(planes[0]))
				chunk := make([][]float32, len(planes))
				for c := range planes {
					chunk[c] = planes[c][off:end]
				}
				require.NoError(t, a.AddSamples(chunk))
			}
			require.NoError(t, enc.Close())

			p := ffprobe(t, path, nil)
			require.Len(t, p.Streams, 1)
			s := p.Streams[0]
			assert.Equal(t, tc.wantCodec, s.CodecName)
			assert.Equal(t, tc.wantRate, s.rate())
			assert.Equal(t, tc.wantCh, s.Channels)
			assert.InDelta(t, seconds, p.duration(), 0.06, "container duration")
			assert.Empty(t, decodeErrors(t, path, nil))
			pcm := decodePCM(t, path, nil)
			assert.InDelta(t, seconds*float64(tc.wantRate), float64(len(pcm)), 0.06*float64(tc.wantRate), "decoded samples")
		})
	}
}

func TestUnknownOptionNamesIt(t *testing.T) {
	_, err := encode.NewAudioEncoder(44100, 2, &encode.AudioOptions{Codec: "libmp3lame", Options: map[string]string{"no_such_option": "1"}})
	var oe *encode.OptionError
	require.ErrorAs(t, err, &oe)
	assert.Equal(t, "no_such_option", oe.Option)
	assert.Equal(t, "libmp3lame", oe.Codec)
	assert.ErrorIs(t, err, encode.ErrUnknownOption)
	assert.Contains(t, err.Error(), "no_such_option")

	// A known option with a value the codec rejects.
	_, err = encode.NewVideoEncoder(64, 48, onair.Rational{Num: 25, Den: 1}, &encode.VideoOptions{Options: map[string]string{"preset": "warp-speed"}})
	require.ErrorAs(t, err, &oe)
	assert.Equal(t, "preset", oe.Option)
	assert.ErrorIs(t, err, encode.ErrInvalidOption)

	_, err = encode.NewAudioEncoder(44100, 2, &encode.AudioOptions{Codec: "aac", Options: map[string]string{"b": "lots"}})
	require.ErrorAs(t, err, &oe)
	assert.Equal(t, "b", oe.Option)

	// Private options of the codec are found too.
	enc, err := encode.NewAudioEncoder(44100, 2, &encode.AudioOptions{Codec: "aac", Options: map[string]string{"aac_coder": "fast"}})
	require.NoError(t, err)
	require.NoError(t, enc.Close())
}

func TestUnknownCodec(t *testing.T) {
	_, err := encode.NewAudioEncoder(44100, 2, &encode.AudioOptions{Codec: "nope"})
	assert.ErrorIs(t, err, encode.ErrUnknownCodec)
	_, err = encode.NewAudioEncoder(44100, 2, &encode.AudioOptions{Codec: "libx264"})
	assert.ErrorIs(t, err, encode.ErrUnknownCodec, "a video codec for audio")
	_, err = encode.NewAudioEncoder(44100, 2, &encode.AudioOptions{Codec: "libopus", SampleRate: 44100})
	var oe *encode.OptionError
	require.ErrorAs(t, err, &oe, "opus does not support 44.1 kHz")
	assert.Equal(t, "sample_rate", oe.Option)
}

// TestAudioFrameSizes checks the fixed frame sizes the FIFO regroups into.
func TestAudioFrameSizes(t *testing.T) {
	for _, tc := range []struct {
		codec string
		rate  int
		want  int
	}{{"aac", 44100, 1024}, {"libmp3lame", 44100, 1152}, {"libopus", 48000, 960}} {
		e, err := encode.NewAudioEncoder(tc.rate, 2, &encode.AudioOptions{Codec: tc.codec})
		require.NoError(t, err)
		assert.Equal(t, tc.want, e.FrameSize(), tc.codec)
		n := 0
		require.NoError(t, e.Encode(sine(tc.rate, 2, 10*tc.want+7, 440), func(onair.Packet) error { n++; return nil }))
		assert.EqualValues(t, 10, e.Frames(), "%s: 10 full frames sent, 7 samples wait", tc.codec)
		require.NoError(t, e.Flush(func(onair.Packet) error { n++; return nil }))
		assert.EqualValues(t, 11, e.Frames())
		assert.Positive(t, n)
		require.NoError(t, e.Close())
		require.NoError(t, e.Close(), "Close is idempotent")
	}
}

func TestEmitErrorStopsEncode(t *testing.T) {
	e, err := encode.NewAudioEncoder(44100, 2, &encode.AudioOptions{Codec: "pcm_s16le"})
	require.NoError(t, err)
	defer e.Close()
	boom := errors.New("boom")
	err = e.Encode(sine(44100, 2, 4096, 440), func(onair.Packet) error { return boom })
	assert.ErrorIs(t, err, boom)
}
