package encode_test

import (
	"testing"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/encode"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestTrackEncoder drives the engine of the shared encoders without a
// graph: packets of each frame come with the next call, Drain hands over
// the rest, and a wrong track or options are errors.
func TestTrackEncoder(t *testing.T) {
	_, err := encode.NewTrackEncoder(&encode.AudioOptions{Codec: "libmp3lame", Options: map[string]string{"bogus": "1"}})
	var oe *encode.OptionError
	require.ErrorAs(t, err, &oe)
	assert.Equal(t, "bogus", oe.Option)

	e, err := encode.NewTrackEncoder(&encode.AudioOptions{Codec: "pcm_s16le"})
	require.NoError(t, err)
	assert.Equal(t, onair.AudioTrack, e.Kind())
	format, err := onair.Format{}.Normalize()
	require.NoError(t, err)
	f := onair.NewFrame(&format)
	f.Extend(f.Free())
	var out onair.Track
	var got int
	for i := range 10 {
		out.Packets = out.Packets[:0]
		require.NoError(t, e.Encode(f, f.Track("audio"), &out))
		if i == 0 {
			assert.Empty(t, out.Packets, "the first frame's packets come with the second call")
		}
		for _, p := range out.Packets {
			assert.Less(t, p.Pos, f.Len())
		}
		got += len(out.Packets)
	}
	require.NotNil(t, out.Stream)
	assert.Equal(t, "pcm_s16le", out.Stream.Codec)
	out.Packets = out.Packets[:0]
	require.NoError(t, e.Drain(&out, 1))
	got += len(out.Packets)
	assert.Equal(t, 9, got, "ceil(10 x 882 / 1024) packets")
	st := e.Stats()
	assert.Positive(t, st.CPU, "CPU time in the codec")
	st.CPU = 0
	assert.Equal(t, encode.Stats{Encodes: 10, Frames: 9, Packets: 9, Streams: 1}, st)

	err = e.Encode(f, &onair.Track{Name: "v", Kind: onair.VideoTrack}, &out)
	assert.ErrorContains(t, err, "given a video track")
	require.NoError(t, e.Close())
	require.NoError(t, e.Close(), "Close is idempotent")
	assert.Error(t, e.Encode(f, f.Track("audio"), &out))
}
