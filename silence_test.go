package onair_test

import (
	"testing"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/onairtest"
	"github.com/stretchr/testify/require"
)

// A fallback that goes from sound to silence and back, under an Amplify:
// the frames the graph reuses carried sound before they carry silence, so
// what they know of their silent storage is checked against the exact
// output, sample by sample.
func TestSilenceBetweenSoundIsExact(t *testing.T) {
	ready := func(tick uint64) bool { return tick%7 < 4 }
	src := onairtest.NewSource(&onairtest.Script{Fallible: true, Ready: ready,
		Segments: []onairtest.Segment{{Len: 1 << 20, Value: 0.8}}})
	fb, err := onair.Fallback([]onair.Source{src, onair.Blank(nil)}, &onair.SwitchOptions{Immediate: true})
	require.NoError(t, err)
	amp, err := onair.Amplify(fb, 0.5, nil)
	require.NoError(t, err)
	c := onairtest.Collect(t, amp, 50, nil)
	fs := c.Format.FrameSize()
	for tick := 1; tick <= 50; tick++ {
		want := float32(0)
		if ready(uint64(tick)) {
			want = 0.4
		}
		for ch := range c.Audio {
			for i := (tick - 1) * fs; i < tick*fs; i++ {
				if c.Audio[ch][i] != want {
					t.Fatalf("tick %d: channel %d sample %d is %g, want %g", tick, ch, i, c.Audio[ch][i], want)
				}
			}
		}
	}
}
