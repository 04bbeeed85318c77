package encode_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/encode"
	"github.com/onair-go/onair/mux"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	vidW, vidH = 320, 240
	vidFPS     = 24
	vidFrames  = 60
	audRate    = 16000
)

func pictures(w, h, n int) []onair.Picture {
	p := make([]onair.Picture, n)
	for i := range p {
		p[i] = testPicture(w, h, i)
	}
	return p
}

// encodeAV writes seed 004's video + audio file: 60 frames at 24 fps and
// a 440 Hz mono tone of the same length at 16 kHz, fed in chunks of
// videoChunk frames and the matching audio (all at once when 0).
func encodeAV(t *testing.T, open func(*encode.Encoder) error, videoChunk int, audioChunks []int) {
	t.Helper()
	enc := encode.New(nil)
	v, err := enc.AddVideo(vidW, vidH, onair.Rational{Num: vidFPS, Den: 1}, &encode.VideoOptions{Preset: "ultrafast"})
	require.NoError(t, err)
	a, err := enc.AddAudio(audRate, 1, nil)
	require.NoError(t, err)
	require.NoError(t, open(enc))
	frames := pictures(vidW, vidH, vidFrames)
	pcm := sine(audRate, 1, vidFrames*audRate/vidFPS, 440)[0]
	if videoChunk == 0 {
		require.NoError(t, v.AddFrames(frames...))
		require.NoError(t, a.AddSamples([][]float32{pcm}))
	} else {
		off, k := 0, 0
		for i := 0; i < len(frames); i += videoChunk {
			require.NoError(t, v.AddFrames(frames[i:min(i+videoChunk, len(frames))]...))
			n := audioChunks[k%len(audioChunks)]
			k++
			end := min(off+n, len(pcm))
			require.NoError(t, a.AddSamples([][]float32{pcm[off:end]}))
			off = end
		}
		if off < len(pcm) {
			require.NoError(t, a.AddSamples([][]float32{pcm[off:]}))
		}
	}
	require.NoError(t, enc.Close())
}

func TestEncoderVideoAudioMP4(t *testing.T) {
	path := filepath.Join(t.TempDir(), "av.mp4")
	encodeAV(t, func(e *encode.Encoder) error { return e.Open(path, "") }, 0, nil)
	p := ffprobe(t, path, nil)
	require.Len(t, p.Streams, 2)
	v, a := p.Streams[0], p.Streams[1]
	assert.Equal(t, "h264", v.CodecName)
	assert.Equal(t, vidW, v.Width)
	assert.Equal(t, vidH, v.Height)
	assert.Equal(t, "aac", a.CodecName)
	assert.Equal(t, audRate, a.rate())
	assert.Equal(t, 1, a.Channels)
	assert.InDelta(t, 2.5, v.length(), 1.0/vidFPS, "video duration")
	assert.InDelta(t, 2.5, a.length(), 0.07, "audio duration")
	assert.InDelta(t, v.start(), a.start(), 1.0/vidFPS, "A/V start within one video frame")
	assert.Empty(t, decodeErrors(t, path, nil))
}

// TestEncoderIncrementalChunks checks that feeding odd-sized chunks gives
// the very same streams as one big call per stream: same packets (sizes,
// timestamps, key flags) and same decoded audio. (The files themselves
// differ only by Matroska's random segment UID.)
func TestEncoderIncrementalChunks(t *testing.T) {
	dir := t.TempDir()
	once := filepath.Join(dir, "once.mkv")
	chunked := filepath.Join(dir, "chunked.mkv")
	encodeAV(t, func(e *encode.Encoder) error { return e.Open(once, "") }, 0, nil)
	encodeAV(t, func(e *encode.Encoder) error { return e.Open(chunked, "") }, 7, []int{1, 999, 4097, 13, 2048})
	a, err := os.Stat(once)
	require.NoError(t, err)
	b, err := os.Stat(chunked)
	require.NoError(t, err)
	assert.Equal(t, a.Size(), b.Size())
	pa := packets(t, once)
	assert.Equal(t, pa, packets(t, chunked), "packets")
	assert.Greater(t, strings.Count(pa, "\n"), vidFrames+30)
	assert.Equal(t, decodePCM(t, once, nil), decodePCM(t, chunked, nil), "decoded audio")
}

func TestEncoderTwoVideoTwoAudioMKV(t *testing.T) {
	path := filepath.Join(t.TempDir(), "multi.mkv")
	enc := encode.New(nil)
	rate := onair.Rational{Num: 30, Den: 1}
	hi, err := enc.AddVideo(320, 240, rate, &encode.VideoOptions{Preset: "ultrafast", Device: "cpu"})
	require.NoError(t, err)
	lo, err := enc.AddVideo(160, 120, rate, &encode.VideoOptions{Preset: "ultrafast", CRF: 30})
	require.NoError(t, err)
	en, err := enc.AddAudio(44100, 2, &encode.AudioOptions{Codec: "aac"})
	require.NoError(t, err)
	fr, err := enc.AddAudio(44100, 2, &encode.AudioOptions{Codec: "libopus"})
	require.NoError(t, err)
	require.NoError(t, enc.Open(path, ""))
	require.NoError(t, hi.AddFrames(pictures(320, 240, 30)...))
	// The low stream is scaled from the big pictures.
	require.NoError(t, lo.AddFrames(pictures(320, 240, 30)...))
	require.NoError(t, en.AddSamples(sine(44100, 2, 44100, 440)))
	require.NoError(t, fr.AddSamples(sine(44100, 2, 44100, 660)))
	require.NoError(t, enc.Close())

	p := ffprobe(t, path, nil)
	assert.Equal(t, "matroska,webm", p.Format.FormatName)
	require.Len(t, p.Streams, 4)
	assert.Equal(t, []string{"h264", "h264", "aac", "opus"},
		[]string{p.Streams[0].CodecName, p.Streams[1].CodecName, p.Streams[2].CodecName, p.Streams[3].CodecName})
	assert.Equal(t, [2]int{320, 240}, [2]int{p.Streams[0].Width, p.Streams[0].Height})
	assert.Equal(t, [2]int{160, 120}, [2]int{p.Streams[1].Width, p.Streams[1].Height})
	assert.Equal(t, 44100, p.Streams[2].rate())
	assert.Equal(t, 48000, p.Streams[3].rate())
	assert.InDelta(t, 1.0, p.duration(), 0.05)
	assert.Empty(t, decodeErrors(t, path, nil))
}

func TestEncoderToBuffer(t *testing.T) {
	for _, format := range []string{"mp4", "matroska"} {
		t.Run(format, func(t *testing.T) {
			var buf bytes.Buffer
			encodeAV(t, func(e *encode.Encoder) error { return e.OpenWriter(&buf, format) }, 0, nil)
			require.Positive(t, buf.Len())
			p := ffprobe(t, "", buf.Bytes())
			require.Len(t, p.Streams, 2)
			assert.Equal(t, "h264", p.Streams[0].CodecName)
			assert.Equal(t, "aac", p.Streams[1].CodecName)
			assert.InDelta(t, p.Streams[0].start(), p.Streams[1].start(), 1.0/vidFPS, "A/V start within one video frame")
			assert.Empty(t, decodeErrors(t, "", buf.Bytes()))
			// Between the samples given and those plus the encoder's
			// priming and last-frame padding (a fragmented MP4 read from a
			// pipe keeps the priming).
			pcm := decodePCM(t, "", buf.Bytes())
			assert.GreaterOrEqual(t, len(pcm), int(2.5*audRate))
			assert.LessOrEqual(t, len(pcm), int(2.5*audRate)+2*1024)
		})
	}
}

func TestOpenUnknownFormat(t *testing.T) {
	enc := encode.New(nil)
	_, err := enc.AddAudio(44100, 2, nil)
	require.NoError(t, err)
	err = enc.Open(filepath.Join(t.TempDir(), "out.nosuchext"), "")
	assert.ErrorIs(t, err, mux.ErrFormat)
	assert.ErrorContains(t, err, "encode: unknown container format")
	assert.Equal(t, encode.StateFailed, enc.State())
	require.NoError(t, enc.Close())

	enc = encode.New(nil)
	_, err = enc.AddAudio(44100, 2, nil)
	require.NoError(t, err)
	assert.ErrorIs(t, enc.OpenWriter(&bytes.Buffer{}, ""), mux.ErrFormat)
	require.NoError(t, enc.Close())
}
