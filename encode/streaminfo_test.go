package encode_test

import (
	"io"
	"path/filepath"
	"runtime"
	"sync"
	"testing"

	"github.com/asticode/go-astiav"
	"github.com/onair-go/onair"
	"github.com/onair-go/onair/encode"
	"github.com/onair-go/onair/onairtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestStreamInfoOutlivesEncoder keeps the StreamInfo of a closed encoder
// (standalone, and a shared encoder's after its graph closed) and uses it
// as a muxer does: its Params are still the encoder's parameters, and a
// file written from it decodes. (The Params used to be freed with the
// encoder, and this crashed.)
func TestStreamInfoOutlivesEncoder(t *testing.T) {
	t.Run("standalone", func(t *testing.T) {
		enc, err := encode.NewAudioEncoder(44100, 2, &encode.AudioOptions{Codec: "libmp3lame"})
		require.NoError(t, err)
		info := enc.Stream()
		var pkts []onair.Packet
		keep := func(p onair.Packet) error { pkts = append(pkts, p); return nil }
		require.NoError(t, enc.Encode(sine(44100, 2, 44100, 440), keep))
		require.NoError(t, enc.Flush(keep))
		require.NoError(t, enc.Close())
		churn()

		cp, ok := info.Params.(*astiav.CodecParameters)
		require.True(t, ok)
		assert.Equal(t, astiav.CodecIDMp3, cp.CodecID())
		assert.Equal(t, 44100, cp.SampleRate())
		assert.Equal(t, 1152, cp.FrameSize())
		path := filepath.Join(t.TempDir(), "kept.mp3")
		writePackets(t, path, "mp3", info, pkts)
		assert.InDelta(t, 44100, len(decodePCM(t, path, nil)), 1152+576)
	})
	t.Run("shared", func(t *testing.T) {
		left := 44100
		src := onair.NewNode(onair.GeneratorFunc(func(f *onair.Frame) error {
			if left == 0 {
				return io.EOF
			}
			left -= f.Extend(min(left, f.Free()))
			return nil
		}), &onair.NodeOptions{ID: "second", Fallible: true})
		enc, err := encode.Audio(src, &encode.AudioOptions{Codec: "aac", Track: "audio_aac"})
		require.NoError(t, err)
		c := &collector{track: "audio_aac"}
		g, clk := onairtest.StartGraph(t, nil, onair.Sink(enc, c.send, &onair.OutputOptions{Fallible: true}))
		for range 60 {
			clk.Tick()
		}
		require.NoError(t, g.Close())
		churn()

		require.NotNil(t, c.stream)
		cp, ok := c.stream.Params.(*astiav.CodecParameters)
		require.True(t, ok)
		assert.Equal(t, astiav.CodecIDAac, cp.CodecID())
		path := filepath.Join(t.TempDir(), "kept.aac")
		writePackets(t, path, "adts", c.stream, c.packets)
		assert.InDelta(t, 44100, len(decodePCM(t, path, nil)), 2*1024)
	})
}

// churn collects garbage and reuses freed C memory, so that parameters
// freed too early would be overwritten.
func churn() {
	for range 3 {
		runtime.GC()
	}
	for range 20 {
		if e, err := encode.NewAudioEncoder(48000, 1, &encode.AudioOptions{Codec: "pcm_s16le"}); err == nil {
			e.Close()
		}
	}
}

// TestStreamIDs: every stream gets its own non-zero ID, also when
// encoders are made on several goroutines at once, and a stream that
// starts after a short frame (a drained and rebuilt encoder) gets a new
// one; nothing is shared between encoders to make them (IDs of encoders
// made one after the other do not follow a counter).
func TestStreamIDs(t *testing.T) {
	var mu sync.Mutex
	var ids []uint64
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 4 {
				e, err := encode.NewAudioEncoder(44100, 2, &encode.AudioOptions{Codec: "pcm_s16le"})
				if !assert.NoError(t, err) {
					return
				}
				mu.Lock()
				ids = append(ids, e.Stream().ID)
				mu.Unlock()
				e.Close()
			}
		})
	}
	wg.Wait()
	seen := map[uint64]bool{}
	for _, id := range ids {
		assert.NotZero(t, id)
		assert.False(t, seen[id], "ID %d given twice", id)
		seen[id] = true
	}
	assert.Len(t, seen, 32)

	a, err := encode.NewAudioEncoder(44100, 2, &encode.AudioOptions{Codec: "pcm_s16le"})
	require.NoError(t, err)
	b, err := encode.NewAudioEncoder(44100, 2, &encode.AudioOptions{Codec: "pcm_s16le"})
	require.NoError(t, err)
	assert.NotEqual(t, a.Stream().ID+1, b.Stream().ID, "no shared counter")
	a.Close()
	b.Close()

	// A short frame drains the codec; the next data is a new stream.
	te, err := encode.NewTrackEncoder(&encode.AudioOptions{Codec: "libmp3lame"})
	require.NoError(t, err)
	defer te.Close()
	f, err := onair.Format{}.Normalize()
	require.NoError(t, err)
	var streams []uint64
	for i := range 4 {
		fr := onair.NewFrame(&f)
		n := fr.Size()
		if i == 1 {
			n /= 2 // short: the input ran out
		}
		fr.Extend(n)
		var out onair.Track
		require.NoError(t, te.Encode(fr, fr.Track(onair.MainAudio), &out))
		streams = append(streams, out.Stream.ID)
	}
	assert.Equal(t, streams[0], streams[1], "the short frame ends the first stream")
	assert.NotEqual(t, streams[1], streams[2], "the next data is a new stream")
	assert.Equal(t, streams[2], streams[3])
}
