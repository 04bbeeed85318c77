package onair_test

import (
	"math"
	"slices"
	"testing"

	"github.com/onair-go/onair"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// packetSource returns a source whose frames hold a packet track "audio"
// of stream st with one packet (data = tag, tick) at position 0 of each
// frame, a track mark every 10 frames, and metadata with the mark.
func packetSource(id string, st *onair.StreamInfo, tag byte) *onair.Node {
	tick := 0
	return onair.NewNode(onair.GeneratorFunc(func(f *onair.Frame) error {
		pos := f.Len()
		f.RemoveTrack(onair.MainAudio)
		if tick%10 == 0 {
			f.AddMark(pos)
			f.AddMetadata(pos, onair.Metadata{"from": id})
		}
		f.Extend(f.Free())
		f.AddPacket("audio", st, onair.Packet{Pos: pos, Data: []byte{tag, byte(tick)}, PTS: int64(tick), DTS: int64(tick)})
		tick++
		return nil
	}), &onair.NodeOptions{ID: id})
}

type frameLog struct {
	names   [][]string
	kinds   map[string]onair.TrackKind
	packets map[string][]onair.Packet
	streams map[string]*onair.StreamInfo
	audio   map[string][]float32
	marks   []int
	meta    []onair.Metadata
	total   int
}

func newFrameLog() *frameLog {
	return &frameLog{kinds: map[string]onair.TrackKind{}, packets: map[string][]onair.Packet{},
		streams: map[string]*onair.StreamInfo{}, audio: map[string][]float32{}}
}

func (l *frameLog) send(f *onair.Frame) error {
	var names []string
	for _, t := range f.Tracks() {
		names = append(names, t.Name)
		l.kinds[t.Name] = t.Kind
		switch t.Kind {
		case onair.PacketTrack:
			l.streams[t.Name] = t.Stream
			for _, p := range t.Packets {
				p.Pos += l.total
				l.packets[t.Name] = append(l.packets[t.Name], p)
			}
		case onair.AudioTrack:
			l.audio[t.Name] = append(l.audio[t.Name], t.Audio[0]...)
		}
	}
	slices.Sort(names)
	l.names = append(l.names, names)
	for _, m := range f.Marks() {
		l.marks = append(l.marks, l.total+m)
	}
	for _, m := range f.Metadata() {
		l.meta = append(l.meta, m.Metadata)
	}
	l.total += f.Len()
	return nil
}

func runManual(t *testing.T, ticks int, outputs ...onair.Source) {
	t.Helper()
	clk := onair.NewClock("test", &onair.ClockOptions{Kind: onair.Manual})
	g, err := onair.NewGraph(&onair.GraphOptions{Clock: clk, SyncCallbacks: true})
	require.NoError(t, err)
	require.NoError(t, g.Add(outputs...))
	require.NoError(t, g.Start())
	for range ticks {
		clk.Tick()
	}
	require.NoError(t, g.Close())
}

func TestMultitrackCombinesAndSelects(t *testing.T) {
	low := &onair.StreamInfo{ID: 1, Codec: "aac", MediaType: onair.PacketTrack}
	high := &onair.StreamInfo{ID: 2, Codec: "aac", MediaType: onair.PacketTrack}
	a := packetSource("low", low, 'L')
	b := packetSource("high", high, 'H')
	sine := onair.Sine(440, nil)
	multi, err := onair.Multitrack([]onair.TrackSpec{
		{Name: "audio_aac_low", Source: a, Track: "audio"},
		{Name: "audio_aac_high", Source: b, Track: "audio"},
		{Name: "audio_pcm", Source: sine, Track: "audio"},
	}, nil)
	require.NoError(t, err)
	hi, err := onair.Select(multi, map[string]string{"audio": "audio_aac_high"}, nil)
	require.NoError(t, err)

	all, one, direct := newFrameLog(), newFrameLog(), newFrameLog()
	runManual(t, 25,
		onair.Sink(multi, all.send, nil),
		onair.Sink(hi, one.send, nil),
		onair.Sink(b, direct.send, nil))

	for _, names := range all.names {
		require.Equal(t, []string{"audio_aac_high", "audio_aac_low", "audio_pcm"}, names, "only the named tracks")
	}
	assert.Equal(t, onair.PacketTrack, all.kinds["audio_aac_low"])
	assert.Equal(t, onair.PacketTrack, all.kinds["audio_aac_high"])
	assert.Equal(t, onair.AudioTrack, all.kinds["audio_pcm"])
	assert.Same(t, low, all.streams["audio_aac_low"])
	assert.Same(t, high, all.streams["audio_aac_high"])
	require.Len(t, all.packets["audio_aac_low"], 25)
	assert.Equal(t, byte('L'), all.packets["audio_aac_low"][3].Data[0])
	assert.Equal(t, 3*882, all.packets["audio_aac_low"][3].Pos)
	assert.Len(t, all.audio["audio_pcm"], 25*882)
	assert.NotZero(t, all.audio["audio_pcm"][100], "the sine is copied")
	assert.Equal(t, []int{0, 10 * 882, 20 * 882}, all.marks, "marks of the first source")
	for _, m := range all.meta {
		assert.Equal(t, "low", m["from"], "metadata of the first source only")
	}

	// Split again: the selected track is the original one, renamed.
	for _, names := range one.names {
		require.Equal(t, []string{"audio"}, names)
	}
	assert.Same(t, high, one.streams["audio"])
	assert.Equal(t, direct.packets["audio"], one.packets["audio"])
	assert.Equal(t, all.marks, one.marks, "Select keeps its source's marks")
}

// TestMultitrackShortestFrame checks that a source with less data limits
// the frame and keeps the rest of the others for the next tick.
func TestMultitrackShortestFrame(t *testing.T) {
	full := onair.Sine(440, nil)
	tick := 0
	half := onair.NewNode(onair.GeneratorFunc(func(f *onair.Frame) error {
		tick++
		if tick%2 == 0 {
			f.Extend(f.Free() / 2)
		} else {
			f.Extend(f.Free())
		}
		return nil
	}), &onair.NodeOptions{ID: "half"})
	multi, err := onair.Multitrack([]onair.TrackSpec{
		{Name: "a", Source: full, Track: "audio"},
		{Name: "b", Source: half, Track: "audio"},
	}, nil)
	require.NoError(t, err)
	l := newFrameLog()
	runManual(t, 10, onair.Sink(multi, l.send, nil))
	assert.Less(t, l.total, 10*882, "short frames of the half source shorten the multitrack")
	ref := onair.Sine(440, nil)
	r := newFrameLog()
	runManual(t, 10, onair.Sink(ref, r.send, nil))
	want, got := r.audio["audio"][:l.total], l.audio["a"]
	require.Len(t, got, len(want))
	maxDiff := 0.0
	for i := range want {
		maxDiff = max(maxDiff, math.Abs(float64(want[i]-got[i])))
	}
	assert.Less(t, maxDiff, 1e-6, "nothing of the full source is lost or repeated")
}

func TestMultitrackErrors(t *testing.T) {
	s := onair.Sine(440, nil)
	_, err := onair.Multitrack(nil, nil)
	assert.ErrorIs(t, err, onair.ErrInvalidOption)
	_, err = onair.Multitrack([]onair.TrackSpec{{Name: "a", Source: s}, {Name: "a", Source: s}}, nil)
	assert.ErrorIs(t, err, onair.ErrInvalidOption)
	_, err = onair.Multitrack([]onair.TrackSpec{{Name: "a"}}, nil)
	assert.ErrorIs(t, err, onair.ErrInvalidOption)
	_, err = onair.Multitrack([]onair.TrackSpec{{Source: s}}, nil)
	assert.ErrorIs(t, err, onair.ErrInvalidOption)
	_, err = onair.Select(s, nil, nil)
	assert.ErrorIs(t, err, onair.ErrInvalidOption)

	fallible, err := onair.Multitrack([]onair.TrackSpec{{Name: "a", Source: s, Track: "audio"}, {Name: "b", Source: onair.Fail(""), Track: "audio"}}, nil)
	require.NoError(t, err)
	assert.True(t, fallible.Fallible())
}
