package loudness_test

import (
	"testing"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/loudness"
	"github.com/onair-go/onair/onairtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestOperatorsFollowTheirInput: Meter and Normalize are ready exactly
// when their input is, and report its remaining track length (their
// nodes forward both to their one child).
func TestOperatorsFollowTheirInput(t *testing.T) {
	for name, op := range map[string]func(onair.Source) (onair.Source, error){
		"meter":     func(s onair.Source) (onair.Source, error) { return loudness.Meter(s, nil) },
		"normalize": func(s onair.Source) (onair.Source, error) { return loudness.Normalize(s, nil) },
	} {
		t.Run(name, func(t *testing.T) {
			n, err := op(onairtest.Stutter(onairtest.Counter("c")))
			require.NoError(t, err)
			c := onairtest.Collect(t, n, 6, nil)
			require.Len(t, c.Frames, 3)
			for i, f := range c.Frames {
				assert.Equal(t, uint64(2*i+1), f.Tick)
			}

			src := onairtest.Tracks("t", 44100)
			n, err = op(src)
			require.NoError(t, err)
			_, clk := onairtest.StartGraph(t, nil, onair.Sink(n, nil, nil))
			clk.Tick()
			assert.Positive(t, src.Node().Remaining())
			assert.Equal(t, src.Node().Remaining(), n.Node().Remaining())
		})
	}
}
