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

// TestSharedHandOff pins the hand-off between the clock goroutine and the
// encoder's goroutine, whatever the scheduling: the frames' samples go to
// the codec in jobs of 100 ms (4,410 samples: 5 frames of 882), and the
// packets made from a job are in the frame that hands over the next one,
// at its start (the sine has no track mark, which would hand a job over
// at once: TestSharedHandOffEmptiesAtMarks). With PCM (no codec delay,
// 1024-sample packets) packet k, which needs the samples up to
// 1024(k+1), comes from the first job that reaches them. The run is
// repeated to catch a dependence on timing.
func TestSharedHandOff(t *testing.T) {
	batch := encode.BatchSize(&onair.Format{SampleRate: 44100})
	require.Equal(t, 4410, batch, "100 ms")
	// The model: the frame each job's packets come out in. Until the
	// first packet came out, a job is a frame; then 100 ms.
	want := make([][]int64, 41)
	var jobs [][2]int // [end sample of the job, frame it comes out in]
	filled, end, primed, read := 0, 0, false, 0
	for i := range 40 {
		end += 882
		filled += 882
		if filled >= batch || !primed {
			if k := len(jobs) - 1; k >= 0 && jobs[k][1] < 0 {
				jobs[k][1] = i // the previous job comes out now
				primed = primed || jobs[k][0] >= 1024
				read = jobs[k][0] / 1024
			}
			jobs = append(jobs, [2]int{end, -1})
			filled = 0
		}
	}
	if filled > 0 {
		jobs = append(jobs, [2]int{end, 40}) // the job being filled
	}
	for k := range jobs {
		if jobs[k][1] < 0 {
			jobs[k][1] = 40 // the drain tick
		}
	}
	next := int64(0) // next packet's first sample
	for _, j := range jobs {
		for next+1024 <= int64(j[0]) {
			want[j[1]] = append(want[j[1]], next)
			next += 1024
		}
	}
	want[40] = append(want[40], next) // the flush: the partial last packet

	var first [][]int64
	for run := range 3 {
		enc, err := encode.Audio(onair.Sine(440, nil), &encode.AudioOptions{Codec: "pcm_s16le"})
		require.NoError(t, err)
		var frames [][]int64 // DTS of the packets of each frame
		g, clk := onairtest.StartGraph(t, nil, onair.Sink(enc, func(f *onair.Frame) error {
			var dts []int64
			for _, p := range f.Track("audio").Packets {
				require.Zero(t, p.Pos, "packets of earlier frames' input sit at the start")
				dts = append(dts, p.DTS)
			}
			frames = append(frames, dts)
			return nil
		}, nil))
		for range 40 {
			clk.Tick()
		}
		st := enc.Stats()
		require.NoError(t, g.Close())
		require.Len(t, frames, 41, "40 ticks and the drain tick")
		for i := range want {
			if len(want[i]) == 0 {
				want[i] = nil
			}
		}
		assert.Equal(t, want, frames, "run %d", run)
		assert.EqualValues(t, 40, st.Encodes, "one per frame")
		assert.EqualValues(t, read, st.Frames, "the codec frames read back before the drain tick")
		if run == 0 {
			first = frames
		} else {
			assert.Equal(t, first, frames, "same frames in every run")
		}
	}
}

// liar is an endless source whose Remaining always says its track ends
// here, as a file whose header gives a wrong length would.
type liar struct{}

func (liar) Generate(f *onair.Frame) error { f.Extend(f.Free()); return nil }
func (liar) Remaining() int                { return 0 }

// TestSharedHandOffTrustsAnEndOnce: an input that announces the end of its
// track empties the hand-off once; when the track goes on, the encoder
// goes back to handing over 100 ms at a time instead of every frame.
func TestSharedHandOffTrustsAnEndOnce(t *testing.T) {
	src := onair.NewNode(liar{}, &onair.NodeOptions{ID: "liar"})
	enc, err := encode.Audio(src, &encode.AudioOptions{Codec: "pcm_s16le"})
	require.NoError(t, err)
	withPackets := 0
	g, clk := onairtest.StartGraph(t, nil, onair.Sink(enc, func(f *onair.Frame) error {
		if len(f.Track("audio").Packets) > 0 {
			withPackets++
		}
		return nil
	}, nil))
	for range 30 {
		clk.Tick()
	}
	require.NoError(t, g.Close())
	// Frame 1 empties the hand-off (its packet is made in it), then jobs
	// of 5 frames: packets in frames 11, 16, 21, 26, and the drain tick.
	assert.LessOrEqual(t, withPackets, 7, "frames with packets: not every frame")
}

// TestSharedStartsSoon: a stream's first packets come out a frame or two
// after the codec's own delay, not after two 100 ms hand-offs (a
// listener's first byte at start-up), for each codec of a station.
func TestSharedStartsSoon(t *testing.T) {
	for _, codec := range []string{"aac", "libmp3lame", "libopus"} {
		t.Run(codec, func(t *testing.T) {
			enc, err := encode.Audio(onair.Sine(440, nil), &encode.AudioOptions{Codec: codec})
			require.NoError(t, err)
			first, frame := -1, 0
			g, clk := onairtest.StartGraph(t, nil, onair.Sink(enc, func(f *onair.Frame) error {
				if first < 0 && len(f.Track("audio").Packets) > 0 {
					first = frame
				}
				frame++
				return nil
			}, nil))
			for range 10 {
				clk.Tick()
			}
			require.NoError(t, g.Close())
			// The codecs hold back 1024 to 2112 samples (22 to 44 ms):
			// their first packet needs the third frame at most, and comes
			// out with the next one. Two 100 ms hand-offs would be 10.
			assert.GreaterOrEqual(t, first, 0, "no packet in 10 frames")
			assert.LessOrEqual(t, first, 4, "first packet in frame %d", first)
		})
	}
}

// TestSharedHandOffOption: a negative HandOff hands every frame over, and
// the packets made from frame N's samples are in frame N+1; more than 10 s
// is refused.
func TestSharedHandOffOption(t *testing.T) {
	_, err := encode.Audio(onair.Sine(440, nil), &encode.AudioOptions{Codec: "pcm_s16le", HandOff: 11 * time.Second})
	require.ErrorIs(t, err, encode.ErrInvalidOption)
	assert.Contains(t, err.Error(), "hand-off 11s")

	enc, err := encode.Audio(onair.Sine(440, nil), &encode.AudioOptions{Codec: "pcm_s16le", HandOff: -1})
	require.NoError(t, err)
	var frames [][]int64
	g, clk := onairtest.StartGraph(t, nil, onair.Sink(enc, func(f *onair.Frame) error {
		var dts []int64
		for _, p := range f.Track("audio").Packets {
			dts = append(dts, p.DTS)
		}
		frames = append(frames, dts)
		return nil
	}, nil))
	for range 10 {
		clk.Tick()
	}
	require.NoError(t, g.Close())
	// Packet k needs the samples up to 1024(k+1): it is made from frame
	// ceil(1024(k+1)/882)-1 and read in the frame after it.
	want := make([][]int64, 10)
	for k := int64(0); 1024*(k+1) <= 9*882; k++ {
		made := (1024*(k+1)+881)/882 - 1
		want[made+1] = append(want[made+1], 1024*k)
	}
	assert.Equal(t, want, frames[:10])
}

// TestSharedHandOffEmptiesAtMarks: a frame with a track mark carries the
// packets of its own input, at their positions, and of everything before
// it, so that muxers cutting or tagging at the mark find the packets of
// the ending track before it and those of the next one after it.
func TestSharedHandOffEmptiesAtMarks(t *testing.T) {
	// Tracks of 10,000 samples: marks inside frames 11, 22, 34...
	src := onairtest.Tracks("t", 10000, 10000, 10000, 10000, 10000, 10000)
	enc, err := encode.Audio(src, &encode.AudioOptions{Codec: "pcm_s16le"})
	require.NoError(t, err)
	pos := 0 // stream position of the frame
	var got []int64
	g, clk := onairtest.StartGraph(t, nil, onair.Sink(enc, func(f *onair.Frame) error {
		defer func() { pos += f.Len() }()
		marks := f.Marks()
		if len(marks) == 0 || pos == 0 {
			return nil
		}
		mark := int64(pos + marks[0])
		pkts := f.Track("audio").Packets
		require.NotEmpty(t, pkts)
		last := pkts[len(pkts)-1]
		assert.Greater(t, last.DTS+1024, int64(pos+f.Len()-1024), "frame at %d: the packets reach the frame's end", pos)
		for _, p := range pkts {
			if p.DTS+1024 <= mark {
				assert.LessOrEqual(t, p.Pos, marks[0], "packet at %d, before the mark at %d", p.DTS, mark)
			} else if p.DTS >= mark {
				assert.GreaterOrEqual(t, p.Pos, marks[0], "packet at %d, after the mark at %d", p.DTS, mark)
			}
		}
		got = append(got, mark)
		return nil
	}, &onair.OutputOptions{Fallible: true}))
	for range 60 {
		clk.Tick()
	}
	require.NoError(t, g.Close())
	assert.Equal(t, []int64{10000, 20000, 30000, 40000, 50000}, got, "the marks seen")
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
