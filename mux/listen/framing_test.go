package listen

import (
	"bytes"
	"encoding/binary"
	"math/rand/v2"
	"testing"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/encode"
	"github.com/onair-go/onair/mux"
	"github.com/onair-go/onair/onairtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMP3FrameSize(t *testing.T) {
	for _, c := range []struct {
		name string
		hdr  []byte
		want int
	}{
		{"MPEG-1 layer III 128k 44.1k", []byte{0xFF, 0xFB, 0x90, 0x64}, 417},
		{"same with padding", []byte{0xFF, 0xFB, 0x92, 0x64}, 418},
		{"MPEG-1 layer III 320k 48k", []byte{0xFF, 0xFB, 0xE4, 0x64}, 960},
		{"MPEG-2 layer III 64k 22.05k", []byte{0xFF, 0xF3, 0x80, 0x64}, 208},
		{"MPEG-2.5 layer III 8k 8k", []byte{0xFF, 0xE3, 0x18, 0x64}, 72},
		{"MPEG-1 layer II 192k 48k", []byte{0xFF, 0xFD, 0xA4, 0x64}, 576},
		{"MPEG-1 layer I 32k 32k", []byte{0xFF, 0xFF, 0x18, 0x64}, 48},
		{"free format", []byte{0xFF, 0xFB, 0x00, 0x64}, 0},
		{"bad bit rate", []byte{0xFF, 0xFB, 0xF0, 0x64}, 0},
		{"bad sample rate", []byte{0xFF, 0xFB, 0x9C, 0x64}, 0},
		{"reserved version", []byte{0xFF, 0xEB, 0x90, 0x64}, 0},
		{"reserved layer", []byte{0xFF, 0xF9, 0x90, 0x64}, 0},
		{"no sync", []byte{0xFE, 0xFB, 0x90, 0x64}, 0},
	} {
		assert.Equal(t, c.want, mp3FrameSize(c.hdr), c.name)
	}
}

func TestID3Size(t *testing.T) {
	n, ok := id3Size([]byte("ID3\x04\x00\x00\x00\x00\x00\x22"))
	assert.True(t, ok)
	assert.Equal(t, 44, n, "10-byte header + 34 (size bits OR-ed, then added)")
	n, ok = id3Size([]byte("ID3\x04\x00\x10\x00\x00\x01\x00"))
	assert.True(t, ok)
	assert.Equal(t, 10+128+10, n, "syncsafe size and a footer")
	_, ok = id3Size([]byte("ID3\x04\x00\x00\x00\x00\x80\x00"))
	assert.False(t, ok, "not syncsafe")
}

// muxed returns two seconds of a sine encoded with codec and muxed
// by the same writer output a mount uses.
func muxed(t testing.TB, codec, format string) []byte {
	t.Helper()
	enc, err := encode.Audio(onair.Sine(440, nil), &encode.AudioOptions{Codec: codec, BitRate: 128000})
	require.NoError(t, err)
	var buf bytes.Buffer
	out, err := mux.Writer(enc, &buf, format, nil)
	require.NoError(t, err)
	g, clk := onairtest.StartGraph(t, nil, out)
	for range 100 {
		clk.Tick()
	}
	require.NoError(t, g.Close()) // the last Ogg pages
	return buf.Bytes()
}

// TestFramers: on real muxed streams, each framer finds the same start
// points whatever the chunking of the writes, each start point is a unit
// boundary of the format, start points are at least minSyncGap apart,
// and garbage in front of the stream is skipped.
func TestFramers(t *testing.T) {
	for _, c := range []struct {
		codec, format string
		check         func(t *testing.T, data []byte, e event)
	}{
		{"libmp3lame", "mp3", func(t *testing.T, data []byte, e event) {
			if e.off == 0 {
				assert.Equal(t, "ID3", string(data[:3]))
				return
			}
			assert.Positive(t, mp3FrameSize(data[e.off:]), "frame at %d", e.off)
		}},
		{"aac", "adts", func(t *testing.T, data []byte, e event) {
			assert.Equal(t, []byte{0xFF, 0xF0}, []byte{data[e.off], data[e.off+1] & 0xF6}, "ADTS at %d", e.off)
		}},
		{"aac", "mpegts", func(t *testing.T, data []byte, e event) {
			assert.Zero(t, e.off%188)
			if e.off > 0 {
				assert.Equal(t, []byte{0x47, 0x40, 0x00}, data[e.off:e.off+3], "PAT at %d", e.off)
			}
		}},
		{"libvorbis", "ogg", func(t *testing.T, data []byte, e event) {
			assert.Equal(t, "OggS", string(data[e.off:e.off+4]), "page at %d", e.off)
		}},
		{"libopus", "ogg", func(t *testing.T, data []byte, e event) {
			assert.Equal(t, "OggS", string(data[e.off:e.off+4]), "page at %d", e.off)
		}},
	} {
		t.Run(c.codec+"/"+c.format, func(t *testing.T) {
			data := muxed(t, c.codec, c.format)
			whole := newFramer(c.format).feed(data, 0, nil)
			require.NotEmpty(t, whole)
			rng := rand.New(rand.NewPCG(1, 2))
			for _, maxChunk := range []int{1, 7, 300, 5000} {
				f := newFramer(c.format)
				var ev []event
				for off := 0; off < len(data); {
					n := min(1+rng.IntN(maxChunk), len(data)-off)
					ev = f.feed(data[off:off+n], int64(off), ev)
					off += n
				}
				require.Equal(t, whole, ev, "chunks up to %d bytes", maxChunk)
			}
			var last int64 = -minSyncGap
			headers := 0
			for _, e := range whole {
				c.check(t, data, e)
				if e.header != nil {
					headers++
					assert.True(t, bytes.HasPrefix(data[e.off:], e.header), "header pages are the stream's")
					assert.Equal(t, "OggS", string(data[e.off+int64(len(e.header)):][:4]), "a data page follows")
					continue
				}
				if !e.bos {
					assert.GreaterOrEqual(t, e.off-last, int64(minSyncGap))
				}
				last = e.off
			}
			if c.format == "ogg" {
				assert.Equal(t, 1, headers)
				assert.True(t, whole[0].bos)
			}
			// Garbage first: the framer finds the same points, shifted.
			junk := bytes.Repeat([]byte{0xFF, 0x00, 'O', 'g', 'x'}, 99)
			shifted := newFramer(c.format).feed(append(junk, data...), 0, nil)
			for i := range shifted {
				shifted[i].off -= int64(len(junk))
			}
			want := whole
			if c.format == "mpegts" {
				// The stream's first packet is a start point only at offset 0;
				// after junk the first is the PAT that follows the SDT.
				want = append([]event{{off: 188}}, whole[1:]...)
			}
			assert.Equal(t, want, shifted)
		})
	}
}

// TestOggHeaderTooLarge: a logical stream whose header pages exceed
// maxOggHeader is not kept, and no start point is offered inside it
// (a listener could not decode from there); its BOS still is.
func TestOggHeaderTooLarge(t *testing.T) {
	page := func(flags byte, granule int64, body int) []byte {
		var p []byte
		p = append(p, "OggS"...)
		p = append(p, 0, flags)
		p = binary.LittleEndian.AppendUint64(p, uint64(granule))
		p = append(p, make([]byte, 12)...)
		nseg := (body + 254) / 255
		p = append(p, byte(nseg))
		for i := range nseg {
			p = append(p, byte(min(255, body-i*255)))
		}
		return append(p, make([]byte, body)...)
	}
	var s []byte
	s = append(s, page(2, 0, 100)...)
	for range 20 { // 20 × 60 KB of comment pages
		s = append(s, page(0, -1, 60000)...)
	}
	s = append(s, page(0, 0, 100)...)
	for i := range 5 {
		s = append(s, page(0, int64(1000*(i+1)), 2000)...)
	}
	ev := newFramer("ogg").feed(s, 0, nil)
	require.Equal(t, []event{{off: 0, bos: true}}, ev)
}
