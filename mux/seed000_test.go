package mux_test

import (
	"io"
	"path/filepath"
	"testing"
	"time"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/encode"
	"github.com/onair-go/onair/internal/avmux/avmuxtest"
	"github.com/onair-go/onair/mux"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSeed000 is seed 000 end to end: one source encoded once each to AAC
// 48k, AAC 192k and MP3 128k; three files (ADTS, ADTS, MP3) copy the
// renditions, and three MPEG-TS files are made from one multitrack source
// with copy/drop.
func TestSeed000(t *testing.T) {
	dir := t.TempDir()
	// A 3.01 s "playlist" of 1 s tracks that then ends, so that the
	// encoders drain and every rendition holds the whole stream. (It ends
	// inside a frame: the shared encoder drains on a short input frame.)
	src := finite(onair.Sine(440, &onair.GenOptions{Duration: time.Second, Metadata: onair.Metadata{"title": "t"}}), 3*time.Second+10*time.Millisecond)
	enc := func(codec string, rate int64) *encode.Shared {
		s, err := encode.Audio(src, &encode.AudioOptions{Codec: codec, BitRate: rate, Track: "enc"})
		require.NoError(t, err)
		return s
	}
	low, high, mp3 := enc("aac", 48000), enc("aac", 192000), enc("libmp3lame", 128000)
	multi, err := onair.Multitrack([]onair.TrackSpec{
		{Name: "audio_aac_low", Source: low, Track: "enc"},
		{Name: "audio_aac_high", Source: high, Track: "enc"},
		{Name: "audio_mp3", Source: mp3, Track: "enc"},
	}, nil)
	require.NoError(t, err)

	type want struct {
		file, codec string
	}
	var outputs []onair.Source
	var wants []want
	file := func(s onair.Source, name, codec string, tracks ...mux.Track) {
		o, err := mux.File(s, filepath.Join(dir, name), &mux.FileOptions{Options: mux.Options{Tracks: tracks, Fallible: true}})
		require.NoError(t, err)
		outputs = append(outputs, o)
		wants = append(wants, want{name, codec})
	}
	file(low, "aac_low.aac", "aac")
	file(high, "aac_high.aac", "aac")
	file(mp3, "mp3.mp3", "mp3")
	names := []string{"audio_aac_low", "audio_aac_high", "audio_mp3"}
	for i, n := range names {
		var sel []mux.Track
		for j, m := range names {
			if i == j {
				sel = append(sel, mux.CopyTrack(m))
			} else {
				sel = append(sel, mux.DropTrack(m))
			}
		}
		file(multi, n+".ts", []string{"aac", "aac", "mp3"}[i], sel...)
	}
	const ticks = 160 // 3 s of data, then the source has ended
	run(t, ticks, outputs...)

	var durs []float64
	for _, w := range wants {
		path := filepath.Join(dir, w.file)
		p, err := avmuxtest.ProbeFile(path, true)
		require.NoError(t, err)
		require.Len(t, p.Streams, 1, "%s: stream count", w.file)
		assert.Equal(t, w.codec, p.Streams[0].CodecName, "%s: codec", w.file)
		checkDecodes(t, path)
		durs = append(durs, sumDur(p))
	}
	t.Logf("durations: %v", durs)
	// One frame is the longest codec frame (MP3: 1152 samples).
	frame := 1152.0 / 44100
	for i := range durs {
		for j := range durs {
			assert.InDelta(t, durs[i], durs[j], frame, "durations of %s and %s", wants[i].file, wants[j].file)
		}
		assert.InDelta(t, 3, durs[i], 0.1, "%s lasts the stream's 3 s plus the encoder delay", wants[i].file)
	}
	// Proof of sharing: each encoder ran once per tick, although two
	// outputs read each.
	for _, s := range []*encode.Shared{low, high, mp3} {
		assert.Equal(t, int64(151), s.Stats().Encodes)
	}
}

// finite plays the first d of src, then ends (io.EOF).
func finite(src onair.Source, d time.Duration) *onair.Node {
	left := -1
	return onair.NewNode(onair.GeneratorFunc(func(f *onair.Frame) error {
		if left < 0 {
			left = f.Format().Samples(d)
		}
		n := src.Node()
		if left == 0 || !n.Ready() {
			return io.EOF
		}
		in := n.Peek()
		k := f.Append(in, 0, min(in.Len(), left))
		n.Consume(k)
		left -= k
		return nil
	}), &onair.NodeOptions{ID: "finite", Children: []onair.Source{src}, Fallible: true})
}
