package mux_test

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/encode"
	"github.com/onair-go/onair/internal/avmux/avmuxtest"
	"github.com/onair-go/onair/mux"
	"github.com/onair-go/onair/onairtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// decodedSeconds decodes the first audio stream of path with ffmpeg and
// returns how long the decoded PCM lasts (edit lists, gapless headers
// and Ogg pre-skip applied, as players do).
func decodedSeconds(t *testing.T, path string) float64 {
	t.Helper()
	cmd := exec.Command("ffmpeg", "-nostdin", "-v", "error", "-i", path, "-map", "0:a:0", "-f", "f32le", "-ac", "1", "-ar", "44100", "-")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, "decoding %s: %s", path, stderr.String())
	return float64(len(out)/4) / 44100
}

// TestEncodeTrackFiles encodes a raw sine inside file outputs and decodes
// the files back: each holds one stream of the asked codec that lasts the
// input's duration within one codec frame. The M4A input ends inside a
// frame (the encoder drains on the short frame); the other inputs are
// endless and the encoders drain when the graph closes.
func TestEncodeTrackFiles(t *testing.T) {
	cases := []struct {
		file, codec, want string
		finite            bool
		frame             float64 // samples per codec frame
	}{
		{"sine.m4a", "aac", "aac", true, 1024},
		{"sine.mp3", "libmp3lame", "mp3", false, 1152},
		{"sine.ogg", "libvorbis", "vorbis", false, 2048},
		{"sine.opus", "libopus", "opus", true, 960 * 44100 / 48000.0},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), c.file)
			var src onair.Source = onair.Sine(440, nil)
			seconds := 2.0 // 100 ticks
			if c.finite {
				src = finite(src, 1510*time.Millisecond)
				seconds = 1.51
			}
			out, err := mux.File(src, path, &mux.FileOptions{Options: mux.Options{
				Fallible: c.finite,
				Tracks:   []mux.Track{mux.EncodeTrack("audio", &encode.AudioOptions{Codec: c.codec, BitRate: 96000})},
			}})
			require.NoError(t, err)
			run(t, 100, out)
			p, err := avmuxtest.ProbeFile(path, false)
			require.NoError(t, err)
			require.Len(t, p.Streams, 1)
			assert.Equal(t, c.want, p.Streams[0].CodecName)
			checkDecodes(t, path)
			assert.InDelta(t, seconds, decodedSeconds(t, path), c.frame/44100, "decoded duration within one frame of the input")
		})
	}
}

// TestEncodeTrackMixedTS writes one MPEG-TS file with two streams: an
// AAC track encoded once in the graph and copied, and an MP3 encoding of
// the raw track made inside the output.
func TestEncodeTrackMixedTS(t *testing.T) {
	src := finite(onair.Sine(440, &onair.GenOptions{Duration: time.Second, Metadata: onair.Metadata{"title": "t"}}), 2010*time.Millisecond)
	aac, err := encode.Audio(src, &encode.AudioOptions{Codec: "aac", BitRate: 64000, Track: "audio_aac"})
	require.NoError(t, err)
	both, err := onair.Multitrack([]onair.TrackSpec{
		{Name: "audio_aac", Source: aac},
		{Name: "audio", Source: src},
	}, nil)
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "mixed.ts")
	var errs []error
	out, err := mux.File(both, path, &mux.FileOptions{Options: mux.Options{
		Fallible: true,
		OnError:  func(err error) { errs = append(errs, err) },
		Tracks: []mux.Track{
			mux.CopyTrack("audio_aac"),
			mux.EncodeTrack("audio", &encode.AudioOptions{Codec: "libmp3lame", BitRate: 128000}),
		},
	}})
	require.NoError(t, err)
	run(t, 110, out)
	require.Empty(t, errs)
	assert.EqualValues(t, 101, aac.Stats().Encodes, "the copied track is encoded once, in the graph")

	p, err := avmuxtest.ProbeFile(path, true)
	require.NoError(t, err)
	require.Len(t, p.Streams, 2)
	assert.Equal(t, "aac", p.Streams[0].CodecName, "copied track first, as selected")
	assert.Equal(t, "mp3", p.Streams[1].CodecName)
	checkDecodes(t, path)
	var dur [2]float64
	for _, k := range p.Packets {
		d, err := strconv.ParseFloat(k.DurTime, 64)
		require.NoError(t, err)
		dur[k.StreamIndex] += d
	}
	assert.InDelta(t, dur[0], dur[1], 1152.0/44100, "both streams last as long, within one frame")
	assert.InDelta(t, 2.01, dur[1], 3*1152.0/44100, "the MP3 stream holds the whole input")
}

// TestEncodeVideoTrack encodes raw video and audio inside one MP4 output.
func TestEncodeVideoTrack(t *testing.T) {
	format := onair.Format{Video: &onair.VideoFormat{Width: 160, Height: 120, FrameRate: onair.Rational{Num: 25, Den: 1}}}
	pos := 0 // a picture every 1764 samples: 25 fps
	src := onair.NewNode(onair.GeneratorFunc(func(f *onair.Frame) error {
		start := f.Len()
		n := f.Extend(f.Free())
		for i := range n {
			if (pos+i)%1764 == 0 {
				f.AddPicture("video", grayPicture(160, 120, start+i, (pos+i)/1764))
			}
		}
		pos += n
		return nil
	}), &onair.NodeOptions{ID: "pictures"})
	path := filepath.Join(t.TempDir(), "av.mp4")
	out, err := mux.File(src, path, &mux.FileOptions{Options: mux.Options{Tracks: []mux.Track{
		mux.EncodeVideoTrack("video", &encode.VideoOptions{Preset: "ultrafast", GOP: 25}),
		mux.EncodeTrack("audio", &encode.AudioOptions{Codec: "aac"}),
	}}})
	require.NoError(t, err)
	g, clk := onairtest.StartGraph(t, &onairtest.Options{Format: format}, out)
	for range 100 { // 2 s: 50 pictures
		clk.Tick()
	}
	require.NoError(t, g.Close())
	p, err := avmuxtest.ProbeFile(path, true)
	require.NoError(t, err)
	require.Len(t, p.Streams, 2)
	assert.Equal(t, "h264", p.Streams[0].CodecName)
	assert.Equal(t, 160, p.Streams[0].Width)
	assert.Equal(t, "aac", p.Streams[1].CodecName)
	video := 0
	for _, k := range p.Packets {
		if k.StreamIndex == 0 {
			video++
		}
	}
	assert.Equal(t, 50, video, "every picture encoded, the encoder drained at Close")
	checkDecodes(t, path)
}

func grayPicture(w, h, pos, n int) onair.Picture {
	y := bytes.Repeat([]byte{byte(16 + n*4%200)}, w*h)
	c := bytes.Repeat([]byte{128}, w*h/4)
	return onair.Picture{Pos: pos, Width: w, Height: h, PixelFormat: "yuv420p",
		Planes: [4][]byte{y, c, bytes.Clone(c)}, Strides: [4]int{w, w / 2, w / 2}}
}

// TestEncodeTrackErrors: options the codec rejects are errors of the
// constructor naming them; encoding a track that already holds packets
// (or copying a raw one) stops the output with an error naming the track.
func TestEncodeTrackErrors(t *testing.T) {
	src := onair.Sine(440, nil)
	_, err := mux.File(src, "a.m4a", &mux.FileOptions{Options: mux.Options{Tracks: []mux.Track{
		mux.EncodeTrack("audio", &encode.AudioOptions{Codec: "aac", Options: map[string]string{"no_such_option": "1"}}),
	}}})
	require.ErrorIs(t, err, mux.ErrTrack)
	var oe *encode.OptionError
	require.ErrorAs(t, err, &oe)
	assert.Equal(t, "no_such_option", oe.Option)
	assert.Contains(t, err.Error(), `"no_such_option"`)
	assert.Contains(t, err.Error(), `track "audio"`)

	_, err = mux.File(src, "a.m4a", &mux.FileOptions{Options: mux.Options{Tracks: []mux.Track{
		mux.EncodeTrack("audio", &encode.AudioOptions{Codec: "no_such_codec"}),
	}}})
	require.ErrorIs(t, err, encode.ErrUnknownCodec)
	assert.Contains(t, err.Error(), "no_such_codec")

	_, err = mux.Writer(src, &bytes.Buffer{}, "matroska", &mux.Options{Tracks: []mux.Track{
		{Name: "audio", Action: mux.Encode, Audio: &encode.AudioOptions{}, Video: &encode.VideoOptions{}},
	}})
	require.ErrorIs(t, err, mux.ErrTrack)

	aac := func() onair.Source {
		s, err := encode.Audio(onair.Sine(440, nil), &encode.AudioOptions{Codec: "aac"})
		require.NoError(t, err)
		return s
	}
	sine := func() onair.Source { return onair.Sine(440, nil) }
	for name, sel := range map[string]struct {
		src  func() onair.Source
		sel  mux.Track
		want string
	}{
		"encode packets":        {aac, mux.EncodeTrack("audio", nil), `track "audio" holds encoded packets`},
		"encode audio as video": {sine, mux.EncodeVideoTrack("audio", nil), `track "audio" holds audio, but its encoder takes video`},
		"copy raw audio":        {sine, mux.CopyTrack("audio"), `track "audio" holds audio, not encoded packets`},
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "x.mkv")
			var errs []error
			out, err := mux.File(sel.src(), path, &mux.FileOptions{Options: mux.Options{
				Tracks:  []mux.Track{sel.sel},
				OnError: func(err error) { errs = append(errs, err) },
			}})
			require.NoError(t, err)
			run(t, 60, out) // the output retries after 1 s: two errors
			require.Len(t, errs, 2)
			assert.ErrorIs(t, errs[0], mux.ErrTrack)
			assert.Contains(t, errs[0].Error(), sel.want)
			_, err = os.Stat(path)
			assert.True(t, errors.Is(err, os.ErrNotExist), "no file is created")
		})
	}
}

// TestEncodeTrackWriterMetadata: a writer output that encodes inline
// calls OnMetadata at each track start, after the packets before it were
// flushed to the io.Writer, and the MP3 stream decodes.
func TestEncodeTrackWriterMetadata(t *testing.T) {
	src := onair.Sine(440, &onair.GenOptions{Duration: 500 * time.Millisecond, Metadata: onair.Metadata{"title": "t"}})
	var buf bytes.Buffer
	var at []int
	out, err := mux.Writer(src, &buf, "mp3", &mux.Options{
		Tracks:     []mux.Track{mux.EncodeTrack("audio", &encode.AudioOptions{Codec: "libmp3lame"})},
		OnMetadata: func(m onair.Metadata) { at = append(at, buf.Len()) },
	})
	require.NoError(t, err)
	run(t, 100, out) // 2 s: tracks at 0, 0.5, 1 and 1.5 s
	require.Len(t, at, 4)
	t.Logf("bytes written at each title: %v", at)
	assert.Zero(t, at[0], "nothing is written before the first title")
	// 0.5 s of 128 kb/s MP3 is 8 kB, give or take a packet (418 bytes);
	// the first title's audio is late by the encoder's delay and one frame
	// of hand-off (about 100 ms in all).
	assert.Greater(t, at[1], 6000)
	assert.Less(t, at[1], 8000)
	for i := 2; i < len(at); i++ {
		assert.InDelta(t, 8000, at[i]-at[i-1], 418, "bytes flushed between titles %d and %d", i-1, i)
	}
	out2, err := avmuxtest.DecodeErrors("", buf.Bytes())
	require.NoError(t, err)
	assert.Empty(t, out2)
}
