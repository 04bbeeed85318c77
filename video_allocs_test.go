package onair_test

import (
	"testing"
	"time"

	"github.com/onair-go/onair"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// avStill is a source of silence with the same picture at every slot of
// the graph frame rate, an extra audio track and a packet every 100
// samples: it allocates nothing once running, so that allocations
// measured through an operator are the operator's.
func avStill() *onair.Node {
	pic := onair.Picture{Width: 4, Height: 2, PixelFormat: "yuv420p", Planes: [4][]byte{make([]byte, 8), make([]byte, 2), make([]byte, 2)}, Strides: [4]int{4, 2, 2}}
	stream := &onair.StreamInfo{ID: 1, Codec: "test"}
	data := []byte{1}
	pos := 0
	return onair.NewNode(onair.GeneratorFunc(func(f *onair.Frame) error {
		v := f.Format().Video
		start := f.Len()
		n := f.Extend(f.Free())
		f.AddAudioTrack("audio_2", 1)
		for i := range n {
			g := pos + i
			if g*v.FrameRate.Num%(f.Format().SampleRate*v.FrameRate.Den) < v.FrameRate.Num {
				p := pic
				p.Pos = start + i
				f.AddPicture(onair.MainVideo, p)
			}
			if g%100 == 0 {
				f.AddPacket("enc", stream, onair.Packet{Pos: start + i, Data: data, PTS: int64(g)})
			}
		}
		pos += n
		return nil
	}), &onair.NodeOptions{ID: "still"})
}

// TestVideoZeroAllocs pins the allocations per tick, in steady state, of
// Buffer and Crossfade carrying video, extra audio and packets.
func TestVideoZeroAllocs(t *testing.T) {
	format := onair.Format{Video: &onair.VideoFormat{Width: 4, Height: 2}}
	t.Run("buffer", func(t *testing.T) {
		_, in, out := xfBufferGraph(t, format, avStill(), &onair.BufferOptions{Prebuffer: 100 * time.Millisecond, Max: time.Second}, func(*onair.Frame) error { return nil })
		for range 20 {
			in.Tick()
		}
		for range 200 {
			in.Tick()
			out.Tick()
		}
		allocs := testing.AllocsPerRun(1000, func() { in.Tick(); out.Tick() })
		assert.Zero(t, allocs, "allocations per tick of both clocks")
	})
	t.Run("crossfade", func(t *testing.T) {
		clk := xfManual("main")
		x, err := onair.Crossfade(avStill(), &onair.CrossfadeOptions{Duration: time.Second})
		require.NoError(t, err)
		pics := 0
		xfStartWith(t, format, clk, onair.Sink(x, func(f *onair.Frame) error {
			pics += len(f.Track(onair.MainVideo).Pictures)
			return nil
		}, nil))
		for range 200 {
			clk.Tick()
		}
		allocs := testing.AllocsPerRun(1000, clk.Tick)
		assert.Zero(t, allocs, "allocations per tick")
		assert.Equal(t, (int(clk.Ticks())+1)/2, pics, "a picture every other tick (25 per second)")
	})
}
