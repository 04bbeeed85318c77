package encode_test

import (
	"testing"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/encode"
	"github.com/onair-go/onair/onairtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// An input without the track to encode is an error of each tick, counted
// in Stats.Errors; the graph goes on.
func TestSharedErrorsCounted(t *testing.T) {
	enc, err := encode.Audio(onair.Sine(440, nil), &encode.AudioOptions{Codec: "aac", Input: "missing"})
	require.NoError(t, err)
	g, clk := onairtest.StartGraph(t, nil, onair.Sink(enc, nil, nil))
	for range 5 {
		clk.Tick()
	}
	require.NoError(t, g.Close())
	st := enc.Stats()
	assert.EqualValues(t, 5, st.Errors, "one error a tick")
	assert.Zero(t, st.Packets)
}
