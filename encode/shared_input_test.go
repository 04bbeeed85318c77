package encode_test

import (
	"testing"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/encode"
	"github.com/onair-go/onair/onairtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSharedFollowsItsInput: a shared encoder is ready when its input is,
// and in the tick its input fails while packets are on their way from the
// codec (they go out then); it reports its input's remaining track length
// (its node forwards it to its one child).
func TestSharedFollowsItsInput(t *testing.T) {
	enc, err := encode.Audio(onairtest.Stutter(onairtest.Counter("c")), &encode.AudioOptions{Codec: "pcm_s16le"})
	require.NoError(t, err)
	var ticks []uint64
	var packets []int
	out := onair.Sink(enc, func(f *onair.Frame) error {
		ticks = append(ticks, enc.Node().Clock().Ticks())
		packets = append(packets, len(f.Track("audio").Packets))
		return nil
	}, &onair.OutputOptions{Fallible: true})
	g, clk := onairtest.StartGraph(t, nil, out)
	for range 6 {
		clk.Tick()
	}
	require.NoError(t, g.Close())
	// The input is ready at ticks 1, 3 and 5. Tick 1 has the stream's
	// track mark, so what the codec makes of it comes out in it, and
	// nothing is in flight at tick 2; what it makes of ticks 3 and 5 comes
	// out in the input's failing ticks 4 and 6; 7 is Close's drain tick.
	// PCM packets are 1024 samples: the first needs ticks 1 and 3, the
	// second tick 5, the rest (598 samples) is the codec's flush.
	assert.Equal(t, []uint64{1, 3, 4, 5, 6, 7}, ticks)
	assert.Equal(t, []int{0, 0, 1, 0, 1, 1}, packets, "packets per frame")

	src := onairtest.Tracks("t", 44100)
	enc, err = encode.Audio(src, &encode.AudioOptions{Codec: "pcm_s16le"})
	require.NoError(t, err)
	_, clk = onairtest.StartGraph(t, nil, onair.Sink(enc, nil, nil))
	clk.Tick()
	clk.Tick()
	assert.Positive(t, src.Node().Remaining())
	assert.Equal(t, src.Node().Remaining(), enc.Node().Remaining(), "the input's remaining samples")
}
