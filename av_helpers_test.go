package onair_test

import (
	"testing"
	"time"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/onairtest"
	"github.com/stretchr/testify/require"
)

// avSlot is the picture interval of avFormat in samples.
const avSlot = 30

// avFormat is a small format with video for exact tests: 1 kHz mono
// (samples are milliseconds), 20-sample frames, and 4x2 yuv420p pictures
// at 100/3 per second, one every avSlot samples: pictures fall at every
// offset of the frames.
var avFormat = onair.Format{SampleRate: 1000, Channels: 1, FrameDuration: 20 * time.Millisecond,
	Video: &onair.VideoFormat{Width: 4, Height: 2, FrameRate: onair.Rational{Num: 100, Den: 3}}}

// avSource wraps a counter script of onairtest (main audio sample = its
// index in the source's output) and adds, at the same positions:
//   - a picture at every multiple of avSlot on the main video track, with
//     a luma of shade(index) (16 when shade is nil);
//   - with aux, an audio track "audio_2" whose samples are -index-1, from
//     the frame that holds sample auxFrom on (0 before auxFrom);
//   - with pktEvery > 0, a packet track "enc" with a packet every pktEvery
//     samples, of PTS index, in a stream that changes at the first frame
//     after each track mark (as an encoder rebuilt at track ends does).
//
// It records what it made, so that tests can tell each picture and
// packet apart.
type avSource struct {
	s        *onairtest.Source
	shade    func(index int) byte
	aux      bool
	auxFrom  int
	pktEvery int
	pf       string // pixel format, yuv420p by default

	abs     int
	stream  *onair.StreamInfo
	next    bool
	pics    map[*byte]int               // first luma byte -> picture number
	streams map[int64]*onair.StreamInfo // packet PTS -> its stream
}

func newAV(sc *onairtest.Script, aux bool, pktEvery int) *avSource {
	sc.Counter = true
	return &avSource{s: onairtest.NewSource(sc), aux: aux, pktEvery: pktEvery,
		pics: map[*byte]int{}, streams: map[int64]*onair.StreamInfo{}}
}

func (a *avSource) node() *onair.Node {
	return onair.NewNode(a, &onair.NodeOptions{ID: "av"})
}

func (a *avSource) Ready() bool { return a.s.Ready() }
func (a *avSource) Skip()       { a.s.Skip() }

func (a *avSource) Generate(f *onair.Frame) error {
	start := f.Len()
	err := a.s.Generate(f)
	n := f.Len() - start
	if a.stream == nil || a.next {
		id := uint64(1)
		if a.stream != nil {
			id = a.stream.ID + 1
		}
		a.stream = &onair.StreamInfo{ID: id, Codec: "test", MediaType: onair.AudioTrack, TimeBase: onair.Rational{Num: 1, Den: 1000}}
		a.next = false
	}
	for i := range n {
		g := a.abs + i
		if g%avSlot == 0 {
			p := a.picture(g / avSlot)
			p.Pos = start + i
			f.AddPicture(onair.MainVideo, p)
		}
		if a.pktEvery > 0 && g%a.pktEvery == 0 {
			f.AddPacket("enc", a.stream, onair.Packet{Pos: start + i, PTS: int64(g), DTS: int64(g), Duration: 1, Data: []byte{byte(g)}})
			a.streams[int64(g)] = a.stream
		}
	}
	if a.aux && a.abs+n > a.auxFrom {
		t := f.AddAudioTrack("audio_2", 1)
		for i := range n {
			if a.abs+i >= a.auxFrom {
				t.Audio[0][start+i] = -float32(a.abs+i) - 1
			}
		}
	}
	for _, m := range f.Marks() {
		if m >= start && m < start+n {
			a.next = true
		}
	}
	a.abs += n
	return err
}

func (a *avSource) picture(k int) onair.Picture {
	shade := byte(16)
	if a.shade != nil {
		shade = a.shade(k)
	}
	y := make([]byte, 8)
	for i := range y {
		y[i] = shade
	}
	u, v := []byte{128, 128}, []byte{128, 128}
	a.pics[&y[0]] = k
	pf := a.pf
	if pf == "" {
		pf = "yuv420p"
	}
	return onair.Picture{Width: 4, Height: 2, PixelFormat: pf, Planes: [4][]byte{y, u, v}, Strides: [4]int{4, 2, 2}}
}

// id returns the number of a picture the source made, or -1 for another
// picture (a blend).
func (a *avSource) id(p onair.Picture) int {
	if k, ok := a.pics[&p.Planes[0][0]]; ok {
		return k
	}
	return -1
}

// avCollect records what an output receives, at positions counted from
// the first sample it received.
type avCollect struct {
	audio, aux []float32
	marks      []int
	pics       []onair.Picture
	pkts       []avPkt
	frames     int
}

type avPkt struct {
	pos    int
	pts    int64
	stream *onair.StreamInfo
}

func (c *avCollect) send(f *onair.Frame) error {
	base := len(c.audio)
	c.frames++
	c.audio = append(c.audio, f.Audio()[0]...)
	if t := f.Track("audio_2"); t != nil {
		c.aux = append(c.aux, t.Audio[0]...)
	} else {
		c.aux = append(c.aux, make([]float32, f.Len())...)
	}
	for _, m := range f.Marks() {
		c.marks = append(c.marks, base+m)
	}
	if t := f.Track(onair.MainVideo); t != nil {
		for _, p := range t.Pictures {
			p.Pos += base
			c.pics = append(c.pics, p)
		}
	}
	if t := f.Track("enc"); t != nil {
		for _, p := range t.Packets {
			c.pkts = append(c.pkts, avPkt{base + p.Pos, p.PTS, t.Stream})
		}
	}
	return nil
}

// checkGrid asserts that c holds one picture at every avSlot samples from
// its first one, at phase phase, and none elsewhere.
func checkGrid(t *testing.T, c *avCollect, phase int) {
	t.Helper()
	want := 0
	if len(c.audio) > phase {
		want = (len(c.audio) - phase + avSlot - 1) / avSlot
	}
	require.Equal(t, want, len(c.pics), "one picture per interval of %d samples over %d samples", avSlot, len(c.audio))
	for i, p := range c.pics {
		require.Equal(t, phase+i*avSlot, p.Pos, "picture %d position", i)
	}
}

// checkWithAudio asserts that every picture received is one the source
// made, in order, at the position of its own audio sample (the counter
// tells which input sample that is), and that nothing else was made at a
// received position: a picture never leaves its audio, and none is
// lost, repeated or invented. It returns the picture numbers.
func checkWithAudio(t *testing.T, c *avCollect, src *avSource) []int {
	t.Helper()
	var ids []int
	for i, p := range c.pics {
		k := src.id(p)
		require.GreaterOrEqual(t, k, 0, "picture %d at %d was made by the source", i, p.Pos)
		require.Equal(t, float32(k*avSlot), c.audio[p.Pos], "picture %d (#%d) at the position of its audio", i, k)
		if i > 0 {
			require.Greater(t, k, ids[i-1], "pictures in order, none repeated")
		}
		ids = append(ids, k)
	}
	next := 0
	for pos, v := range c.audio {
		if int(v)%avSlot != 0 {
			continue
		}
		require.Less(t, next, len(c.pics), "a picture at %d (input %v)", pos, v)
		require.Equal(t, pos, c.pics[next].Pos, "the picture of input sample %v", v)
		next++
	}
	return ids
}

// checkAux asserts that the extra audio track arrived with the main one.
func checkAux(t *testing.T, c *avCollect) {
	t.Helper()
	require.Equal(t, len(c.audio), len(c.aux))
	for i, v := range c.audio {
		require.Equal(t, -v-1, c.aux[i], "audio_2 at %d", i)
	}
}

// checkPackets asserts that packets arrived at the position of their
// audio, in order, in frames labelled with their own stream, and that
// every packet of the audio received arrived.
func checkPackets(t *testing.T, c *avCollect, src *avSource) {
	t.Helper()
	next := 0
	streams := map[*onair.StreamInfo]bool{}
	for pos, v := range c.audio {
		if int(v)%src.pktEvery != 0 {
			continue
		}
		require.Less(t, next, len(c.pkts), "a packet at %d (input %v)", pos, v)
		p := c.pkts[next]
		require.Equal(t, pos, p.pos, "packet %d position", next)
		require.Equal(t, int64(v), p.pts, "packet at %d: the one of its audio", pos)
		require.Same(t, src.streams[p.pts], p.stream, "packet of PTS %d labelled with its stream", p.pts)
		streams[p.stream] = true
		next++
	}
	require.Equal(t, next, len(c.pkts), "no packet without its audio")
	require.Greater(t, len(streams), 1, "the test crosses stream changes")
}
