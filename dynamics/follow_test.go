package dynamics_test

import (
	"testing"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/dynamics"
	"github.com/onair-go/onair/onairtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCompressFollowsItsInput: the compressor is ready exactly when its
// input is, and reports its remaining track length (its node forwards
// both to its one child).
func TestCompressFollowsItsInput(t *testing.T) {
	comp, err := dynamics.Compress(onairtest.Stutter(onairtest.Counter("c")), nil)
	require.NoError(t, err)
	c := onairtest.Collect(t, comp, 6, nil)
	require.Len(t, c.Frames, 3)
	for i, f := range c.Frames {
		assert.Equal(t, uint64(2*i+1), f.Tick)
	}

	src := onairtest.Tracks("t", 44100)
	comp, err = dynamics.Compress(src, nil)
	require.NoError(t, err)
	_, clk := onairtest.StartGraph(t, nil, onair.Sink(comp, nil, nil))
	clk.Tick()
	assert.Positive(t, src.Node().Remaining())
	assert.Equal(t, src.Node().Remaining(), comp.Node().Remaining())
}
