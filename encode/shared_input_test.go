package encode_test

import (
	"testing"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/encode"
	"github.com/onair-go/onair/onairtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSharedFollowsItsInput: a shared encoder is ready exactly when its
// input is, and reports its input's remaining track length (its node
// forwards both to its one child).
func TestSharedFollowsItsInput(t *testing.T) {
	enc, err := encode.Audio(onairtest.Stutter(onairtest.Counter("c")), &encode.AudioOptions{Codec: "pcm_s16le"})
	require.NoError(t, err)
	c := onairtest.Collect(t, enc, 6, nil)
	// Ticks 1, 3 and 5, then the drain tick of Close (7): never on the
	// input's unready ticks.
	require.Len(t, c.Frames, 4)
	for i, f := range c.Frames {
		assert.Equal(t, uint64(2*i+1), f.Tick)
	}

	src := onairtest.Tracks("t", 44100)
	enc, err = encode.Audio(src, &encode.AudioOptions{Codec: "pcm_s16le"})
	require.NoError(t, err)
	_, clk := onairtest.StartGraph(t, nil, onair.Sink(enc, nil, nil))
	clk.Tick()
	clk.Tick()
	assert.Positive(t, src.Node().Remaining())
	assert.Equal(t, src.Node().Remaining(), enc.Node().Remaining(), "the input's remaining samples")
}
