package mux_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/encode"
	"github.com/onair-go/onair/mux"
	"github.com/onair-go/onair/onairtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestWriterOnMetadataBytePosition checks that OnMetadata fires after the
// bytes of the audio before the metadata reached the writer, and before
// the bytes after it: the byte offset seen by the hook is where a network
// output puts the title change.
func TestWriterOnMetadataBytePosition(t *testing.T) {
	sine := onair.Sine(440, nil)
	mp3, err := encode.Audio(sine, &encode.AudioOptions{Codec: "libmp3lame", BitRate: 128000, Track: "audio_mp3"})
	require.NoError(t, err)
	var buf bytes.Buffer
	var at []int
	var titles []string
	out, err := mux.Writer(mp3, &buf, "mp3", &mux.Options{OnMetadata: func(m onair.Metadata) {
		at = append(at, buf.Len())
		titles = append(titles, m["title"])
	}})
	require.NoError(t, err)
	g, clk := onairtest.StartGraph(t, nil, out)
	var before []int
	for i := range 150 {
		if i == 50 || i == 100 {
			before = append(before, buf.Len())
			sine.Node().InsertMetadata(onair.Metadata{"title": "T" + string(rune('0'+i/50))}, false)
		}
		clk.Tick()
	}
	require.NoError(t, g.Close())
	require.Equal(t, []string{"T1", "T2"}, titles)
	// Every frame is flushed: the hook sees at least what was written
	// before the metadata's tick, and not more than about one frame of
	// MP3 (plus the encoder's delay) after it.
	bytesPerTick := 128000 / 8 / 50
	for i := range at {
		assert.GreaterOrEqual(t, at[i], before[i], "title %d", i)
		assert.LessOrEqual(t, at[i], before[i]+4*bytesPerTick+1500, "title %d", i)
	}
	assert.Greater(t, at[1], at[0])
}

// TestWriterReopenWithOggComments checks that ReopenWith starts a new
// chained Ogg stream whose comment header carries the new title.
func TestWriterReopenWithOggComments(t *testing.T) {
	sine := onair.Sine(440, nil)
	ogg, err := encode.Audio(sine, &encode.AudioOptions{Codec: "libvorbis", BitRate: 96000, Track: "audio_ogg"})
	require.NoError(t, err)
	var buf bytes.Buffer
	var out *mux.WriterOutput
	out, err = mux.Writer(ogg, &buf, "ogg", &mux.Options{
		Metadata: map[string]string{"title": "First"},
		OnMetadata: func(m onair.Metadata) {
			out.ReopenWith(map[string]string{"title": m["title"]})
		},
	})
	require.NoError(t, err)
	g, clk := onairtest.StartGraph(t, nil, out)
	for i := range 100 {
		if i == 50 {
			sine.Node().InsertMetadata(onair.Metadata{"title": "Second"}, false)
		}
		clk.Tick()
	}
	require.NoError(t, g.Close())
	data := buf.Bytes()
	assert.Equal(t, 2, bytes.Count(data, []byte("\x01vorbis")), "two identification headers: two chained streams")
	i1 := bytes.Index(data, []byte("=First"))
	i2 := bytes.Index(data, []byte("=Second"))
	require.Positive(t, i1, "first comment header")
	require.Greater(t, i2, i1, "second comment header after the first")

	// FFmpeg reads the chain without errors.
	p := filepath.Join(t.TempDir(), "chain.ogg")
	require.NoError(t, os.WriteFile(p, data, 0o644))
	cmd := exec.Command("ffmpeg", "-nostdin", "-v", "error", "-i", p, "-f", "null", "-")
	outb, err := cmd.CombinedOutput()
	require.NoError(t, err, string(outb))
	// FFmpeg's Ogg demuxer gives the first packet of a new chained stream
	// the previous packet's DTS (each chain restarts its granule at 0),
	// and the null muxer reports that once: not a decoding error.
	for _, l := range strings.Split(strings.TrimSpace(string(outb)), "\n") {
		if l != "" && !strings.Contains(l, "non monotonically increasing dts") {
			t.Errorf("ffmpeg: %s", l)
		}
	}
}
