package encode_test

import (
	"io"
	"path/filepath"
	"testing"
	"time"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/encode"
	"github.com/onair-go/onair/internal/avmux"
	"github.com/onair-go/onair/onairtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// collector is a sink that keeps copies of a packet track's packets.
type collector struct {
	track   string
	stream  *onair.StreamInfo
	packets []onair.Packet
	lens    []int
	marks   [][]int
	meta    int
}

func (c *collector) send(f *onair.Frame) error {
	c.lens = append(c.lens, f.Len())
	c.marks = append(c.marks, append([]int(nil), f.Marks()...))
	c.meta += len(f.Metadata())
	t := f.Track(c.track)
	if t == nil {
		return nil
	}
	if t.Kind != onair.PacketTrack {
		panic("not a packet track")
	}
	c.stream = t.Stream
	for _, p := range t.Packets {
		if p.Pos < 0 || p.Pos >= f.Len() {
			panic("packet outside the frame")
		}
		c.packets = append(c.packets, p)
	}
	return nil
}

// writePackets muxes packets of one stream into a file.
func writePackets(t *testing.T, path, format string, st *onair.StreamInfo, pkts []onair.Packet) {
	t.Helper()
	m, err := avmux.Create(path, &avmux.Options{Format: format})
	require.NoError(t, err)
	i, err := m.AddStream(st)
	require.NoError(t, err)
	require.NoError(t, m.WriteHeader())
	for _, p := range pkts {
		require.NoError(t, m.WritePacket(i, p, st.TimeBase))
	}
	require.NoError(t, m.Close())
}

// TestSharedAudioEncodesOnce runs one AAC encoder read by two outputs and
// checks that it encodes each tick once, that both outputs get the same
// packets on the frame grid with the source's marks and metadata, and that
// the packets make a valid two-second ADTS file.
func TestSharedAudioEncodesOnce(t *testing.T) {
	src := onair.Sine(440, &onair.GenOptions{Duration: 500 * time.Millisecond, Metadata: onair.Metadata{"title": "tone"}})
	aac, err := encode.Audio(src, &encode.AudioOptions{Codec: "aac", BitRate: 48000})
	require.NoError(t, err)
	a := &collector{track: "audio"}
	b := &collector{track: "audio"}
	g, clk := onairtest.StartGraph(t, nil, onair.Sink(aac, a.send, nil), onair.Sink(aac, b.send, nil))
	const ticks = 100 // 2 s of 20 ms frames
	for range ticks {
		clk.Tick()
	}
	st := aac.Stats()
	path := filepath.Join(t.TempDir(), "aac.aac")
	writePackets(t, path, "adts", a.stream, a.packets)
	require.NoError(t, g.Close())

	assert.EqualValues(t, ticks, st.Encodes, "one encode per tick for two outputs")
	assert.EqualValues(t, 1, st.Streams)
	assert.Zero(t, st.Errors)
	assert.Positive(t, st.CPU, "CPU time spent in the codec")
	// The 100 ticks end where a track ends (tracks of 500 ms): the
	// hand-off emptied, in the frame before the track, whose end the sine
	// knows.
	assert.InDelta(t, ticks*882/1024, st.Frames, 2, "codec frames of 1024 samples read back")
	assert.Equal(t, aac.Stats().Packets, int64(len(a.packets)), "every packet, the ones drained at Close included, reaches the outputs")
	assert.Equal(t, a.packets, b.packets, "both outputs copy the same packets")
	for i, n := range a.lens {
		require.Equal(t, 882, n, "frame %d keeps the grid", i)
	}
	assert.Equal(t, []int{0}, a.marks[0], "track mark at 0")
	assert.Equal(t, []int{0}, a.marks[25], "mark at 500 ms = sample 22050 = start of frame 25")
	assert.Equal(t, 4, a.meta, "metadata of the 4 tracks passed through")
	assert.Equal(t, "aac", a.stream.Codec)
	assert.Equal(t, 44100, a.stream.SampleRate)
	assert.NotEmpty(t, a.stream.Extradata, "global header: AudioSpecificConfig out of band")

	p := ffprobe(t, path, nil)
	require.Len(t, p.Streams, 1)
	assert.Equal(t, "aac", p.Streams[0].CodecName)
	assert.Equal(t, 2, p.Streams[0].Channels)
	assert.Empty(t, decodeErrors(t, path, nil))
	pcm := decodePCM(t, path, nil)
	// 2 s less what the codec still holds (a frame or two of delay).
	assert.InDelta(t, 2*44100, len(pcm), 3*1024)
}

// TestSharedAudioFlushesWhenInputRunsOut feeds 1.01 s then ends: the last
// frame is short, the codec is drained into it, and every input sample is
// in the packets.
func TestSharedAudioFlushesWhenInputRunsOut(t *testing.T) {
	left := 44541 // 1.01 s
	src := onair.NewNode(onair.GeneratorFunc(func(f *onair.Frame) error {
		if left == 0 {
			return io.EOF
		}
		n := f.Extend(min(left, f.Free()))
		left -= n
		return nil
	}), &onair.NodeOptions{ID: "short", Fallible: true})
	enc, err := encode.Audio(src, &encode.AudioOptions{Codec: "libmp3lame", Track: "audio_mp3"})
	require.NoError(t, err)
	c := &collector{track: "audio_mp3"}
	g, clk := onairtest.StartGraph(t, nil, onair.Sink(enc, c.send, &onair.OutputOptions{Fallible: true}))
	for range 60 {
		clk.Tick()
	}
	path := filepath.Join(t.TempDir(), "out.mp3")
	writePackets(t, path, "mp3", c.stream, c.packets)
	require.NoError(t, g.Close())
	st := enc.Stats()
	assert.EqualValues(t, 51, st.Encodes, "50 full frames and a short one")
	assert.EqualValues(t, 39, st.Frames, "ceil(44541 / 1152) MP3 frames")
	assert.Equal(t, "mp3", c.stream.Codec)
	pcm := decodePCM(t, path, nil)
	assert.InDelta(t, 44541, len(pcm), 1152+576, "all input samples encoded")
}

// TestSharedAudioDrainsOnClose stops an endless source on a frame
// boundary: the packets the codec still holds (its delay and the part of a
// codec frame in its FIFO) reach the output in the drain tick of Close.
func TestSharedAudioDrainsOnClose(t *testing.T) {
	enc, err := encode.Audio(onair.Sine(440, nil), &encode.AudioOptions{Codec: "libmp3lame", Track: "audio_mp3"})
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "out.mp3")
	w := &streamWriter{t: t, path: path, format: "mp3", track: "audio_mp3"}
	g, clk := onairtest.StartGraph(t, nil, onair.NewOutput(enc, w, nil))
	for range 50 { // exactly 1 s, ending on a frame boundary
		clk.Tick()
	}
	before := w.packets
	require.NoError(t, g.Close())
	assert.Greater(t, w.packets, before, "Close hands over the packets the codec held")
	assert.EqualValues(t, 50, enc.Stats().Encodes, "the drain tick encodes no new input")
	pcm := decodePCM(t, path, nil)
	assert.GreaterOrEqual(t, len(pcm), 44100, "the whole second is in the file")
	assert.LessOrEqual(t, len(pcm), 44100+2*1152, "plus at most the codec delay and padding")
}

// streamWriter is a sender that muxes one packet track as it comes, as a
// file output does: the stream's parameters are only valid while the
// encoder is open, so they are copied when the first packet arrives.
type streamWriter struct {
	t       *testing.T
	path    string
	format  string
	track   string
	m       *avmux.Muxer
	idx     int
	tb      onair.Rational
	packets int
}

func (w *streamWriter) Send(f *onair.Frame) error {
	tr := f.Track(w.track)
	if tr == nil || len(tr.Packets) == 0 {
		return nil
	}
	if w.m == nil {
		m, err := avmux.Create(w.path, &avmux.Options{Format: w.format})
		require.NoError(w.t, err)
		w.idx, err = m.AddStream(tr.Stream)
		require.NoError(w.t, err)
		require.NoError(w.t, m.WriteHeader())
		w.m, w.tb = m, tr.Stream.TimeBase
	}
	for _, p := range tr.Packets {
		require.NoError(w.t, w.m.WritePacket(w.idx, p, w.tb))
		w.packets++
	}
	return nil
}

func (w *streamWriter) Close() error {
	if w.m == nil {
		return nil
	}
	return w.m.Close()
}

// TestSharedVideo encodes graph video once and checks the packets decode.
func TestSharedVideo(t *testing.T) {
	format := onair.Format{Video: &onair.VideoFormat{Width: 160, Height: 120, FrameRate: onair.Rational{Num: 25, Den: 1}}}
	pos := 0 // samples since start; a picture every 1764 samples (25 fps)
	src := onair.NewNode(onair.GeneratorFunc(func(f *onair.Frame) error {
		start := f.Len()
		n := f.Extend(f.Free())
		for i := range n {
			if (pos+i)%1764 == 0 {
				p := testPicture(160, 120, (pos+i)/1764)
				p.Pos = start + i
				f.AddPicture("video", p)
			}
		}
		pos += n
		return nil
	}), &onair.NodeOptions{ID: "pictures"})
	enc, err := encode.Video(src, &encode.VideoOptions{Preset: "ultrafast", GOP: 25})
	require.NoError(t, err)
	c := &collector{track: "video"}
	d := &collector{track: "video"}
	g, clk := onairtest.StartGraph(t, &onairtest.Options{Format: format}, onair.Sink(enc, c.send, nil), onair.Sink(enc, d.send, nil))
	for range 100 { // 2 s: 50 pictures
		clk.Tick()
	}
	path := filepath.Join(t.TempDir(), "v.mkv")
	writePackets(t, path, "matroska", c.stream, c.packets)
	require.NoError(t, g.Close())
	assert.EqualValues(t, 100, enc.Stats().Encodes)
	assert.EqualValues(t, 50, enc.Stats().Frames)
	assert.Equal(t, c.packets, d.packets)
	assert.Equal(t, "h264", c.stream.Codec)
	assert.True(t, c.packets[0].Key)
	p := ffprobe(t, path, nil)
	require.Len(t, p.Streams, 1)
	assert.Equal(t, 160, p.Streams[0].Width)
	assert.Empty(t, decodeErrors(t, path, nil))
}

func TestSharedBadOptions(t *testing.T) {
	_, err := encode.Audio(onair.Sine(440, nil), &encode.AudioOptions{Codec: "aac", Options: map[string]string{"bogus": "1"}})
	var oe *encode.OptionError
	require.ErrorAs(t, err, &oe)
	assert.Equal(t, "bogus", oe.Option)
}

// TestSharedRenditionsMultitrack is seed 000's graph: one source encoded
// to AAC 48k, AAC 192k and MP3 128k, each read directly and through one
// multitrack source and a Select of it. Each encoder still runs once per
// tick, and every reader sees the same packets.
func TestSharedRenditionsMultitrack(t *testing.T) {
	src := onair.Sine(440, &onair.GenOptions{Duration: time.Second})
	low, err := encode.Audio(src, &encode.AudioOptions{Codec: "aac", BitRate: 48000})
	require.NoError(t, err)
	high, err := encode.Audio(src, &encode.AudioOptions{Codec: "aac", BitRate: 192000})
	require.NoError(t, err)
	mp3, err := encode.Audio(src, &encode.AudioOptions{Codec: "libmp3lame", BitRate: 128000})
	require.NoError(t, err)
	multi, err := onair.Multitrack([]onair.TrackSpec{
		{Name: "audio_aac_low", Source: low, Track: "audio"},
		{Name: "audio_aac_high", Source: high, Track: "audio"},
		{Name: "audio_mp3", Source: mp3, Track: "audio"},
	}, nil)
	require.NoError(t, err)
	onlyMP3, err := onair.Select(multi, map[string]string{"audio": "audio_mp3"}, nil)
	require.NoError(t, err)

	direct := map[string]*collector{"low": {track: "audio"}, "high": {track: "audio"}, "mp3": {track: "audio"}}
	viaMulti := map[string]*collector{"low": {track: "audio_aac_low"}, "high": {track: "audio_aac_high"}, "mp3": {track: "audio_mp3"}}
	selected := &collector{track: "audio"}
	sinks := []onair.Source{
		onair.Sink(low, direct["low"].send, nil), onair.Sink(high, direct["high"].send, nil), onair.Sink(mp3, direct["mp3"].send, nil),
		onair.Sink(onlyMP3, selected.send, nil),
	}
	for _, c := range viaMulti {
		sinks = append(sinks, onair.Sink(multi, c.send, nil))
	}
	g, clk := onairtest.StartGraph(t, nil, sinks...)
	for range 150 { // 3 s, 3 tracks
		clk.Tick()
	}
	require.NoError(t, g.Close())

	for name, enc := range map[string]*encode.Shared{"low": low, "high": high, "mp3": mp3} {
		assert.EqualValues(t, 150, enc.Stats().Encodes, "%s encodes once per tick for 3 readers", name)
		assert.Equal(t, direct[name].packets, viaMulti[name].packets, name)
		assert.Same(t, direct[name].stream, viaMulti[name].stream, name)
	}
	assert.Less(t, len(bytesOf(direct["low"].packets)), len(bytesOf(direct["high"].packets))/3, "48k is smaller than 192k")
	assert.Equal(t, direct["mp3"].packets, selected.packets)
	assert.Equal(t, "mp3", selected.stream.Codec)
	assert.Equal(t, direct["low"].marks, viaMulti["mp3"].marks, "marks of the first track's source")
}

func bytesOf(pkts []onair.Packet) []byte {
	var b []byte
	for _, p := range pkts {
		b = append(b, p.Data...)
	}
	return b
}

// TestSharedAllocations pins the steady-state allocations of a shared
// encoder per tick: only the packet copies inside go-astiav (about three
// per AAC frame, 0.86 frames per tick); the hand-off to the encoder's
// goroutine reuses its jobs and buffers.
func TestSharedAllocations(t *testing.T) {
	enc, err := encode.Audio(onair.Sine(440, nil), &encode.AudioOptions{Codec: "aac"})
	require.NoError(t, err)
	g, clk := onairtest.StartGraph(t, nil, onair.Sink(enc, nil, nil))
	defer g.Close()
	for range 20 { // past the codec's delay and the first allocations
		clk.Tick()
	}
	allocs := testing.AllocsPerRun(200, clk.Tick)
	t.Logf("%.2f allocations per tick", allocs)
	assert.LessOrEqual(t, allocs, 3.0)
}
