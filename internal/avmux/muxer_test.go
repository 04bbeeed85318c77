package avmux_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/asticode/go-astiav"
	"github.com/onair-go/onair"
	"github.com/onair-go/onair/internal/av"
	"github.com/onair-go/onair/internal/avmux"
	"github.com/onair-go/onair/internal/avmux/avmuxtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// encoded is one encoded test stream: its info and all its packets.
func TestMain(m *testing.M) {
	astiav.SetLogLevel(astiav.LogLevelError)
	os.Exit(m.Run())
}

type encoded struct {
	info *onair.StreamInfo
	pkts []onair.Packet
}

// encodeAudio encodes one second of a 440 Hz sine with codec.
func encodeAudio(t *testing.T, codec string, rate int, bitRate int64) encoded {
	t.Helper()
	e, err := avmuxtest.NewAudio(codec, rate, 2, bitRate)
	require.NoError(t, err)
	t.Cleanup(e.Close)
	var pkts []onair.Packet
	for i := 0; i < rate; i += 1000 { // odd chunk sizes on purpose
		n := min(1000, rate-i)
		p, err := e.Sine(440, i, n)
		require.NoError(t, err)
		pkts = append(pkts, p...)
	}
	p, err := e.Flush()
	require.NoError(t, err)
	return encoded{e.Info(), append(pkts, p...)}
}

// encodeVideo encodes one second of 25 fps 320x240 video with libx264.
func encodeVideo(t *testing.T) encoded {
	t.Helper()
	e, err := avmuxtest.NewVideo("libx264", 320, 240, 25)
	require.NoError(t, err)
	t.Cleanup(e.Close)
	pkts, err := e.Video(25)
	require.NoError(t, err)
	p, err := e.Flush()
	require.NoError(t, err)
	return encoded{e.Info(), append(pkts, p...)}
}

// mux writes the streams to m in DTS order and closes it.
func mux(t *testing.T, m *avmux.Muxer, streams ...encoded) {
	t.Helper()
	type item struct {
		stream int
		at     float64
		p      onair.Packet
	}
	var items []item
	for _, s := range streams {
		i, err := m.AddStream(s.info)
		require.NoError(t, err)
		for _, p := range s.pkts {
			items = append(items, item{i, float64(p.DTS) * s.info.TimeBase.Float(), p})
		}
	}
	sort.SliceStable(items, func(a, b int) bool { return items[a].at < items[b].at })
	require.NoError(t, m.WriteHeader())
	for _, it := range items {
		require.NoError(t, m.WritePacket(it.stream, it.p, streams[it.stream].info.TimeBase))
	}
	require.NoError(t, m.Close())
	require.NoError(t, m.Close(), "Close is idempotent")
}

func checkFile(t *testing.T, p *avmuxtest.Probe, codecs []string, dur float64) {
	t.Helper()
	got := p.Duration()
	if got == 0 {
		got = p.PacketDuration()
	}
	require.Len(t, p.Streams, len(codecs), "stream count")
	for i, c := range codecs {
		assert.Equal(t, c, p.Streams[i].CodecName, "codec of stream %d", i)
	}
	assert.InDelta(t, dur, got, 0.15, "duration")
}

func TestMuxFiles(t *testing.T) {
	aac := encodeAudio(t, "aac", 44100, 128000)
	mp3 := encodeAudio(t, "libmp3lame", 44100, 128000)
	opus := encodeAudio(t, "libopus", 48000, 96000)
	vorbis := encodeAudio(t, "libvorbis", 44100, 128000)
	h264 := encodeVideo(t)
	cases := []struct {
		name    string
		file    string
		format  string
		streams []encoded
		codecs  []string
	}{
		{"adts", "a.aac", "", []encoded{aac}, []string{"aac"}},
		{"mp3", "a.mp3", "", []encoded{mp3}, []string{"mp3"}},
		{"m4a", "a.m4a", "", []encoded{aac}, []string{"aac"}},
		{"mp4", "av.mp4", "", []encoded{aac, h264}, []string{"aac", "h264"}},
		{"mpegts", "av.ts", "", []encoded{aac, h264}, []string{"aac", "h264"}},
		{"mpegts-mp3", "a.ts", "", []encoded{mp3}, []string{"mp3"}},
		{"mkv", "av.mkv", "", []encoded{aac, h264}, []string{"aac", "h264"}},
		{"flv", "av.flv", "", []encoded{aac, h264}, []string{"aac", "h264"}},
		{"ogg-opus", "a.opus", "", []encoded{opus}, []string{"opus"}},
		{"ogg-vorbis", "a.ogg", "", []encoded{vorbis}, []string{"vorbis"}},
		{"explicit-format", "a.bin", "adts", []encoded{aac}, []string{"aac"}},
		// Raw H.264 has no timestamps: ffprobe's duration is meaningless,
		// the packet count is checked instead.
		{"h264-raw", "v.h264", "", []encoded{h264}, []string{"h264"}},
	}
	dir := t.TempDir()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(dir, c.file)
			m, err := avmux.Create(path, &avmux.Options{Format: c.format})
			require.NoError(t, err)
			mux(t, m, c.streams...)
			p, err := avmuxtest.ProbeFile(path, true)
			require.NoError(t, err)
			if c.name == "h264-raw" {
				require.Len(t, p.Streams, 1)
				assert.Equal(t, "h264", p.Streams[0].CodecName)
				assert.Len(t, p.Packets, len(h264.pkts))
			} else {
				checkFile(t, p, c.codecs, 1)
			}
			out, err := avmuxtest.DecodeErrors(path, nil)
			require.NoError(t, err)
			assert.Empty(t, out, "decoding %s must print nothing", c.file)
		})
	}
}

func TestMuxWriter(t *testing.T) {
	aac := encodeAudio(t, "aac", 44100, 128000)
	h264 := encodeVideo(t)
	for _, c := range []struct {
		name, format string
		streams      []encoded
		codecs       []string
	}{
		{"fmp4-av", "mp4", []encoded{aac, h264}, []string{"aac", "h264"}},
		{"fmp4-audio", "mp4", []encoded{aac}, []string{"aac"}},
		{"mpegts", "mpegts", []encoded{aac, h264}, []string{"aac", "h264"}},
		{"adts", "adts", []encoded{aac}, []string{"aac"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var buf bytes.Buffer
			m, err := avmux.NewWriter(&buf, c.format, nil)
			require.NoError(t, err)
			mux(t, m, c.streams...)
			require.NotZero(t, buf.Len())
			p, err := avmuxtest.ProbeBytes(buf.Bytes(), true)
			require.NoError(t, err)
			checkFile(t, p, c.codecs, 1)
			out, err := avmuxtest.DecodeErrors("", buf.Bytes())
			require.NoError(t, err)
			assert.Empty(t, out)
		})
	}
}

type failWriter struct{ n int }

var errDiskFull = errors.New("disk full")

func (w *failWriter) Write(b []byte) (int, error) {
	if w.n += len(b); w.n > 2000 {
		return 0, errDiskFull
	}
	return len(b), nil
}

func TestMuxWriterError(t *testing.T) {
	aac := encodeAudio(t, "aac", 44100, 128000)
	m, err := avmux.NewWriter(&failWriter{}, "adts", nil)
	require.NoError(t, err)
	i, err := m.AddStream(aac.info)
	require.NoError(t, err)
	require.NoError(t, m.WriteHeader())
	for _, p := range aac.pkts {
		if err = m.WritePacket(i, p, aac.info.TimeBase); err != nil {
			break
		}
	}
	if err == nil {
		err = m.Close()
	} else {
		_ = m.Close()
	}
	require.Error(t, err, "the writer's failure must surface")
	assert.ErrorIs(t, err, errDiskFull)
	var ae *av.Error
	assert.ErrorAs(t, err, &ae)
}

func TestMuxStateErrors(t *testing.T) {
	aac := encodeAudio(t, "aac", 44100, 128000)
	_, err := avmux.Create(filepath.Join(t.TempDir(), "x.unknownext"), nil)
	assert.ErrorIs(t, err, avmux.ErrFormat)
	_, err = avmux.NewWriter(&bytes.Buffer{}, "", nil)
	assert.ErrorIs(t, err, avmux.ErrFormat)
	_, err = avmux.NewWriter(&bytes.Buffer{}, "nosuchformat", nil)
	assert.ErrorIs(t, err, avmux.ErrFormat)

	m, err := avmux.NewWriter(&bytes.Buffer{}, "adts", &avmux.Options{MuxerOptions: map[string]string{"nosuchoption": "1"}})
	require.NoError(t, err)
	assert.ErrorIs(t, m.WriteHeader(), avmux.ErrStream, "no stream yet")
	assert.ErrorIs(t, m.WritePacket(0, aac.pkts[0], aac.info.TimeBase), avmux.ErrState)
	assert.ErrorIs(t, m.WriteTrailer(), avmux.ErrState)
	i, err := m.AddStream(aac.info)
	require.NoError(t, err)
	err = m.WriteHeader()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "nosuchoption")
	_, err = m.AddStream(aac.info)
	assert.ErrorIs(t, err, avmux.ErrState)
	assert.ErrorIs(t, m.WritePacket(5, aac.pkts[0], aac.info.TimeBase), avmux.ErrStream)
	require.NoError(t, m.WritePacket(i, aac.pkts[0], aac.info.TimeBase))
	require.NoError(t, m.WriteTrailer())
	require.NoError(t, m.WriteTrailer(), "WriteTrailer is idempotent")
	assert.ErrorIs(t, m.WritePacket(i, aac.pkts[1], aac.info.TimeBase), avmux.ErrState)
	require.NoError(t, m.Close())
	require.NoError(t, m.Close())
	_, err = m.AddStream(aac.info)
	assert.ErrorIs(t, err, avmux.ErrState)
}

// TestMuxInfoWithoutParams builds the codec parameters from StreamInfo's
// fields when Params is not FFmpeg's.
func TestMuxInfoWithoutParams(t *testing.T) {
	aac := encodeAudio(t, "aac", 44100, 128000)
	info := *aac.info
	info.Params = nil
	path := filepath.Join(t.TempDir(), "a.m4a")
	m, err := avmux.Create(path, nil)
	require.NoError(t, err)
	mux(t, m, encoded{&info, aac.pkts})
	p, err := avmuxtest.ProbeFile(path, false)
	require.NoError(t, err)
	checkFile(t, p, []string{"aac"}, 1)
	out, err := avmuxtest.DecodeErrors(path, nil)
	require.NoError(t, err)
	assert.Empty(t, out)
}
