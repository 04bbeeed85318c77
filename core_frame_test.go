package onair_test

import (
	"testing"
	"time"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/onairtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFormatNormalize(t *testing.T) {
	f, err := onair.Format{}.Normalize()
	require.NoError(t, err)
	assert.Equal(t, onair.Format{SampleRate: 44100, Channels: 2, FrameDuration: 20 * time.Millisecond}, f)
	assert.Equal(t, 882, f.FrameSize())
	assert.Equal(t, 441, f.Samples(10*time.Millisecond))
	assert.Equal(t, time.Second, f.Duration(44100))

	v, err := onair.Format{Video: &onair.VideoFormat{}}.Normalize()
	require.NoError(t, err)
	assert.Equal(t, onair.VideoFormat{Width: 1280, Height: 720, FrameRate: onair.Rational{Num: 25, Den: 1}, PixelFormat: "yuv420p"}, *v.Video)

	for name, bad := range map[string]onair.Format{
		"rate":     {SampleRate: -1},
		"channels": {Channels: 65},
		"frame":    {FrameDuration: time.Microsecond},
		"empty":    {SampleRate: 10, FrameDuration: time.Millisecond},
		"odd size": {Video: &onair.VideoFormat{Width: 641, Height: 480}},
	} {
		_, err := bad.Normalize()
		assert.ErrorIs(t, err, onair.ErrInvalidFormat, name)
	}
}

func newFrame(t *testing.T) *onair.Frame {
	f, err := onair.Format{Channels: 1}.Normalize()
	require.NoError(t, err)
	return onair.NewFrame(&f)
}

func TestFrameExtendMarksMetadata(t *testing.T) {
	f := newFrame(t)
	assert.Equal(t, fs, f.Size())
	assert.Equal(t, 100, f.Extend(100))
	f.Audio()[0][99] = 1
	f.AddMark(50)
	f.AddMark(10)
	f.AddMark(50)
	assert.Equal(t, []int{10, 50}, f.Marks(), "sorted, no duplicate")
	f.AddMetadata(60, onair.Metadata{"a": "1"})
	f.AddMetadata(20, onair.Metadata{"b": "2"})
	f.AddMetadata(60, onair.Metadata{"c": "3"})
	assert.Equal(t, []onair.MetadataAt{{Pos: 20, Metadata: onair.Metadata{"b": "2"}}, {Pos: 60, Metadata: onair.Metadata{"a": "1"}}, {Pos: 60, Metadata: onair.Metadata{"c": "3"}}}, f.Metadata())
	assert.Equal(t, fs-100, f.Extend(10000), "Extend stops at the frame size")
	assert.Equal(t, 0, f.Free(), "full")

	f.Reset()
	assert.Equal(t, 0, f.Len())
	assert.Empty(t, f.Marks())
	assert.Empty(t, f.Metadata())
	f.Extend(100)
	assert.Equal(t, float32(0), f.Audio()[0][99], "Extend zero-fills reused storage")
}

// Append takes a mark at the end of the range only when the range ends
// the source frame: a prefix never takes the mark that starts the rest.
func TestFrameAppendRanges(t *testing.T) {
	src := newFrame(t)
	src.Extend(300)
	for i := range 300 {
		src.Audio()[0][i] = float32(i)
	}
	src.AddMark(0)
	src.AddMark(100)
	src.AddMark(300)
	src.AddMetadata(100, onair.Metadata{"t": "x"})

	dst := newFrame(t)
	dst.Extend(5)
	assert.Equal(t, 95, dst.Append(src, 5, 100))
	assert.Equal(t, []int{}, append([]int{}, dst.Marks()...), "marks at 0 and 100 are outside [5,100) and 100 is not the end")
	assert.Equal(t, 200, dst.Append(src, 100, 300))
	assert.Equal(t, []int{100, 300}, dst.Marks())
	assert.Equal(t, []onair.MetadataAt{{Pos: 100, Metadata: onair.Metadata{"t": "x"}}}, dst.Metadata())
	assert.Equal(t, float32(100), dst.Audio()[0][100])
	assert.Equal(t, float32(299), dst.Audio()[0][299])

	full := newFrame(t)
	full.Extend(fs - 10)
	assert.Equal(t, 10, full.Append(src, 0, 300), "Append copies at most Free samples")

	// Appending a track the destination lacks adds it, zero-filling the
	// main track in the range.
	other := newFrame(t)
	other.RemoveTrack(onair.MainAudio)
	other.AddAudioTrack("audio_2", 1)
	other.Extend(10)
	d := newFrame(t)
	d.Append(other, 0, 10)
	require.NotNil(t, d.Track("audio_2"))
	assert.Len(t, d.Track(onair.MainAudio).Audio[0], 10)
	d.AddPicture(onair.MainVideo, onair.Picture{Pos: 3, Width: 2, Height: 2})
	d.AddPacket("audio_aac", &onair.StreamInfo{ID: 7, Codec: "aac"}, onair.Packet{Pos: 4, Data: []byte{1}})
	e := newFrame(t)
	e.Append(d, 2, 10)
	assert.Equal(t, onair.VideoTrack, e.Track(onair.MainVideo).Kind, "Append adds the tracks e lacks")
	assert.Equal(t, "aac", e.Track("audio_aac").Stream.Codec)
	assert.Equal(t, 1, e.Track(onair.MainVideo).Pictures[0].Pos)
	assert.Equal(t, 2, e.Track("audio_aac").Packets[0].Pos)
	assert.Equal(t, "packets", onair.PacketTrack.String())
}

// Track marks and metadata keep their exact positions through operators,
// whatever the frame boundaries and the readiness of the input.
func TestMarksAndMetadataSurviveOperators(t *testing.T) {
	script := func() *onairtest.Source {
		return onairtest.NewSource(&onairtest.Script{Counter: true, Segments: []onairtest.Segment{
			{Len: 1000, Metadata: onair.Metadata{"title": "a"}},
			{Len: 37, Metadata: onair.Metadata{"title": "b"}},
			{Len: 2500, Metadata: onair.Metadata{"title": "c"}, Meta: []onair.MetadataAt{{Pos: 881, Metadata: onair.Metadata{"mid": "1"}}, {Pos: 882, Metadata: onair.Metadata{"mid": "2"}}}},
			{Len: 882, Metadata: onair.Metadata{"title": "d"}},
			{Len: 1, Metadata: onair.Metadata{"title": "e"}},
			{Len: 1, Metadata: onair.Metadata{"title": "f"}},
		}})
	}
	ref := onairtest.Collect(t, script(), 20, nil)
	require.Equal(t, []int{0, 1000, 1037, 3537, 4419, 4420}, ref.Marks)
	require.Len(t, ref.Metadata, 8)
	for name, wrap := range map[string]func(onair.Source) onair.Source{
		"MkSafe":      func(s onair.Source) onair.Source { return onair.MkSafe(s) },
		"Gain":        func(s onair.Source) onair.Source { return newOp("gain", s, 1, nil) },
		"GainStutter": func(s onair.Source) onair.Source { return newOp("gain", onairtest.Stutter(s), 1, nil) },
		"GainShort":   func(s onair.Source) onair.Source { return newOp("gain", onairtest.Short(s, 123), 1, nil) },
		"ReadAhead":   func(s onair.Source) onair.Source { return newReadAhead("ahead", s) },
	} {
		t.Run(name, func(t *testing.T) {
			got := onairtest.Collect(t, wrap(script()), 60, nil)
			if name == "MkSafe" {
				// MkSafe goes on with silence after the end of its
				// input, with a mark where it switches.
				require.Equal(t, 60*fs, got.Len())
				assert.Equal(t, make([]float32, got.Len()-ref.Len()), got.Audio[0][ref.Len():])
				assert.Equal(t, ref.Len(), got.Marks[len(got.Marks)-1])
				got.Marks = got.Marks[:len(got.Marks)-1]
				for c := range got.Audio {
					got.Audio[c] = got.Audio[c][:ref.Len()]
				}
			} else {
				assert.Equal(t, ref.Len(), got.Len())
			}
			for c := range ref.Audio {
				requireCounting(t, got.Audio[c], 0, "audio moved")
			}
			assert.Equal(t, ref.Marks, got.Marks)
			assert.Equal(t, ref.Metadata, got.Metadata)
		})
	}
}

// The operator of example_operator_test.go keeps the contract.
func TestGainOperatorConformance(t *testing.T) {
	onairtest.TestSource(t, func() onair.Source {
		return NewGain(onairtest.Stutter(onairtest.Tracks("t", 1000, 37, 2500)), 0.5)
	})
}

// Append does not relabel a packet track that holds another stream's
// packets: it stops before the first packet of the new stream.
func TestFrameAppendSplitsPacketStreams(t *testing.T) {
	s1 := &onair.StreamInfo{ID: 1, Codec: "aac"}
	s2 := &onair.StreamInfo{ID: 2, Codec: "aac"}
	dst := newFrame(t)
	dst.AddPacket("audio_aac", s1, onair.Packet{Pos: 0, Data: []byte{1}})
	dst.Extend(10)
	src := newFrame(t)
	src.Extend(20)
	src.AddPacket("audio_aac", s2, onair.Packet{Pos: 7, Data: []byte{2}})
	require.Equal(t, 7, dst.Append(src, 0, 20), "the samples before the new stream's first packet")
	tr := dst.Track("audio_aac")
	assert.Same(t, s1, tr.Stream, "the track keeps its stream")
	require.Len(t, tr.Packets, 1)
	require.Equal(t, 0, dst.Append(src, 7, 20), "nothing more in this frame")
	next := newFrame(t)
	require.Equal(t, 13, next.Append(src, 7, 20))
	assert.Same(t, s2, next.Track("audio_aac").Stream)
	assert.Equal(t, 0, next.Track("audio_aac").Packets[0].Pos)
}
