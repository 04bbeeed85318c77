package mux_test

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/encode"
	"github.com/onair-go/onair/mux"
	"github.com/onair-go/onair/onairtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// countingWriter records the bytes written and the number of writes.
type countingWriter struct {
	buf    bytes.Buffer
	writes int
}

func (w *countingWriter) Write(p []byte) (int, error) {
	w.writes++
	return w.buf.Write(p)
}

// TestWriterOnEnd checks that OnEnd fires once, at Graph.Close, after the
// encoder's last packets and the trailer reached the io.Writer: for Ogg
// the stream's last page, flagged end of stream, is in the writer when
// the hook runs, and nothing is written after it.
func TestWriterOnEnd(t *testing.T) {
	sine := onair.Sine(440, nil)
	enc, err := encode.Audio(sine, &encode.AudioOptions{Codec: "libvorbis", BitRate: 96000, Track: "audio_ogg"})
	require.NoError(t, err)
	var w countingWriter
	ends, atLen, atWrites := 0, -1, -1
	out, err := mux.Writer(enc, &w, "ogg", &mux.Options{OnEnd: func() {
		ends++
		atLen, atWrites = w.buf.Len(), w.writes
	}})
	require.NoError(t, err)
	g, clk := onairtest.StartGraph(t, nil, out)
	for range 100 {
		clk.Tick()
	}
	require.Zero(t, ends, "no end while the graph runs")
	before := w.buf.Len()
	require.Positive(t, before)
	require.NotEqual(t, byte(4), lastOggFlags(t, w.buf.Bytes())&4, "no end-of-stream page before Close")

	require.NoError(t, g.Close())
	require.Equal(t, 1, ends, "OnEnd once at Close")
	assert.Greater(t, atLen, before, "the trailer (last page) was written before OnEnd")
	assert.Equal(t, w.buf.Len(), atLen, "nothing written after OnEnd")
	assert.Equal(t, w.writes, atWrites, "no write after OnEnd")
	assert.Equal(t, byte(4), lastOggFlags(t, w.buf.Bytes())&4, "the last page ends the stream")

	require.NoError(t, g.Close())
	assert.Equal(t, 1, ends, "a second Close does not call OnEnd again")
}

// lastOggFlags returns the header type flags of the last Ogg page in data
// (4: end of stream).
func lastOggFlags(t *testing.T, data []byte) byte {
	t.Helper()
	i := bytes.LastIndex(data, []byte("OggS\x00"))
	require.GreaterOrEqual(t, i, 0, "an Ogg page")
	require.Greater(t, len(data), i+5)
	return data[i+5]
}

// TestOnEndWithoutContainer: an output closed before any packet (no
// container was opened) still reports its end, once.
func TestOnEndWithoutContainer(t *testing.T) {
	enc, err := encode.Audio(onair.Sine(440, nil), &encode.AudioOptions{Codec: "aac", Track: "audio_aac"})
	require.NoError(t, err)
	var w countingWriter
	ends := 0
	out, err := mux.Writer(enc, &w, "adts", &mux.Options{OnEnd: func() { ends++ }})
	require.NoError(t, err)
	run(t, 0, out)
	assert.Equal(t, 1, ends)
	assert.Zero(t, w.writes)
}

// TestFileOnEnd: a file output calls OnEnd after the OnClose of its last
// file.
func TestFileOnEnd(t *testing.T) {
	enc, err := encode.Audio(onair.Sine(440, nil), &encode.AudioOptions{Codec: "aac", Track: "audio_aac"})
	require.NoError(t, err)
	var order []string
	opts := &mux.FileOptions{OnClose: func(string) { order = append(order, "close") }}
	opts.OnEnd = func() { order = append(order, "end") }
	out, err := mux.File(enc, filepath.Join(t.TempDir(), "a.aac"), opts)
	require.NoError(t, err)
	run(t, 50, out)
	assert.Equal(t, []string{"close", "end"}, order)
}
