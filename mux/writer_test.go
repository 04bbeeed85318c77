package mux_test

import (
	"bytes"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/encode"
	"github.com/onair-go/onair/internal/avmux/avmuxtest"
	"github.com/onair-go/onair/mux"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWriterFragmentedMP4(t *testing.T) {
	src := finite(onair.Sine(440, nil), 2*time.Second+10*time.Millisecond)
	aac, err := encode.Audio(src, &encode.AudioOptions{Codec: "aac", BitRate: 96000, Track: "audio_aac"})
	require.NoError(t, err)
	var buf bytes.Buffer
	out, err := mux.Writer(aac, &buf, "mp4", &mux.Options{Fallible: true})
	require.NoError(t, err)
	run(t, 110, out)
	require.NotZero(t, buf.Len())
	// A fragmented MP4 starts with ftyp then an empty moov, and has moof
	// boxes: it was written without seeking back.
	assert.True(t, bytes.Contains(buf.Bytes()[:64], []byte("ftyp")))
	assert.True(t, bytes.Contains(buf.Bytes(), []byte("moof")), "fragments")
	p, err := avmuxtest.ProbeBytes(buf.Bytes(), true)
	require.NoError(t, err)
	require.Len(t, p.Streams, 1)
	assert.Equal(t, "aac", p.Streams[0].CodecName)
	assert.InDelta(t, 2.0, p.PacketDuration(), 0.1)
	out2, err := avmuxtest.DecodeErrors("", buf.Bytes())
	require.NoError(t, err)
	assert.Empty(t, out2)
}

// gapped plays src for on1, is unready for off, then plays it for on2 and
// ends. Ready is asked once per tick.
func gapped(src onair.Source, on1, off, on2 time.Duration) *onair.Node {
	g := &gapGen{src: src, d: [3]time.Duration{on1, off, on2}}
	return onair.NewNode(g, &onair.NodeOptions{ID: "gapped", Children: []onair.Source{src}, Fallible: true})
}

type gapGen struct {
	src   onair.Source
	d     [3]time.Duration
	phase int
	left  int
	init  bool
	fmt   *onair.Format
}

func (g *gapGen) WakeUp(f *onair.Format) error { g.fmt = f; return nil }

func (g *gapGen) Ready() bool {
	if !g.init {
		g.init, g.left = true, g.fmt.Samples(g.d[0])
	}
	if g.phase == 1 {
		g.left -= g.fmt.FrameSize()
		if g.left > 0 {
			return false
		}
		g.phase, g.left = 2, g.fmt.Samples(g.d[2])
	}
	return g.phase < 3 && g.src.Node().Ready()
}

func (g *gapGen) Generate(f *onair.Frame) error {
	n := g.src.Node()
	in := n.Peek()
	k := f.Append(in, 0, min(in.Len(), g.left))
	n.Consume(k)
	if g.left -= k; g.left == 0 {
		g.phase++
		if g.phase == 1 {
			g.left = g.fmt.Samples(g.d[1])
		}
	}
	return nil
}

// TestFileNewStreamContinues: the shared encoder drains when its input
// runs out and starts a new stream (new StreamInfo.ID) when it resumes; the
// muxer goes on in the same file with continuous timestamps.
func TestFileNewStreamContinues(t *testing.T) {
	src := gapped(onair.Sine(440, nil), 1010*time.Millisecond, 500*time.Millisecond, 1010*time.Millisecond)
	aac, err := encode.Audio(src, &encode.AudioOptions{Codec: "aac", BitRate: 64000, Track: "audio_aac"})
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "cont.ts")
	var closed int
	out, err := mux.File(aac, path, &mux.FileOptions{Options: mux.Options{Fallible: true}, OnClose: func(string) { closed++ }})
	require.NoError(t, err)
	run(t, 150, out)
	assert.Equal(t, 2, int(aac.Stats().Streams), "the encoder was rebuilt once")
	assert.Equal(t, 1, closed, "one file for both streams")
	p, err := avmuxtest.ProbeFile(path, true)
	require.NoError(t, err)
	require.Len(t, p.Streams, 1)
	checkDecodes(t, path)
	// Timestamps continue: each packet starts where the previous ended
	// (within the 90 kHz rounding of MPEG-TS).
	for i := 1; i < len(p.Packets); i++ {
		prev, _ := strconv.ParseFloat(p.Packets[i-1].PTSTime, 64)
		dur, _ := strconv.ParseFloat(p.Packets[i-1].DurTime, 64)
		cur, _ := strconv.ParseFloat(p.Packets[i].PTSTime, 64)
		require.InDelta(t, prev+dur, cur, 2.0/90000, "packet %d", i)
	}
	// Both streams, each with its encoder delay and padding.
	assert.InDelta(t, 2.02+2*1024.0/44100, sumDur(p), 2*1024.0/44100)
}
