package onair_test

import (
	"math"
	"testing"
	"time"

	"github.com/onair-go/onair"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSequenceOneTrackEachThenLast(t *testing.T) {
	h := newOpsHarness(t)
	a := h.src(opsScript{id: 1, tracks: []int{15}})
	b := h.src(opsScript{id: 2, tracks: []int{12}})
	c := h.src(opsScript{id: 3, tracks: []int{20}})
	seq := opsMust[*onair.Switcher](t)(onair.Sequence([]onair.Source{a, b, c}, nil))
	assert.False(t, seq.Node().Fallible())
	out := h.run(seq, 10, false)
	assert.Equal(t, []string{"1:0-14", "2:0-11", "3:0-72"}, opsSegments(out))
	assert.Equal(t, []int{0, 15, 27, 47, 67, 87}, out.marks)
	assert.Equal(t, "1233", trackOrder(out)[:4])
	assertNoClicks(t, out)
	assertMetaPositions(t, out)

	f := h.src(opsScript{id: 4, ready: between(0, 3)})
	seq2 := opsMust[*onair.Switcher](t)(onair.Sequence([]onair.Source{a, f}, nil))
	assert.True(t, seq2.Node().Fallible(), "fallible when the last source is")
}

func TestOnceEnds(t *testing.T) {
	h := newOpsHarness(t)
	a := h.src(opsScript{id: 1, tracks: []int{25}})
	once := opsMust[*onair.Switcher](t)(onair.Once(a))
	assert.True(t, once.Node().Fallible())
	out := h.run(once, 6, true)
	assert.Equal(t, []string{"1:0-24"}, opsSegments(out))
	assert.Equal(t, []int{10, 10, 5}, out.lens, "the output stops after the track")
	assert.True(t, once.Node().Ended())
	_, err := onair.Once(nil)
	require.ErrorIs(t, err, onair.ErrInvalidOption)
}

// TestJoinsHaveNoClicks runs every operator that joins tracks over tracks
// of one continuous sine wave: the output must be that same wave, with no
// step between two samples larger than the wave's own.
func TestJoinsHaveNoClicks(t *testing.T) {
	const freq = 3.0
	maxStep := 2 * math.Pi * freq / float64(opsFormat.SampleRate) * 1.0001
	sine := func() *onair.Node { return onair.Sine(freq, &onair.GenOptions{Duration: 23 * time.Millisecond}) }
	for _, tc := range []struct {
		name string
		op   func(t *testing.T, h *opsHarness) onair.Source
	}{
		{"sequence", func(t *testing.T, h *opsHarness) onair.Source {
			s := sine()
			return opsMust[*onair.Switcher](t)(onair.Sequence([]onair.Source{s, s, s}, nil))
		}},
		{"rotate", func(t *testing.T, h *opsHarness) onair.Source {
			return opsMust[*onair.Switcher](t)(onair.Rotate([]onair.Source{sine()}, &onair.SwitchOptions{Weights: []int{3}}))
		}},
		{"random", func(t *testing.T, h *opsHarness) onair.Source {
			return opsMust[*onair.Switcher](t)(onair.Random([]onair.Source{sine()}, &onair.SwitchOptions{Seed: 1}))
		}},
		{"fallback", func(t *testing.T, h *opsHarness) onair.Source {
			return opsMust[*onair.Switcher](t)(onair.Fallback([]onair.Source{onair.Fail("off"), sine()}, nil))
		}},
		{"switch", func(t *testing.T, h *opsHarness) onair.Source {
			return opsMust[*onair.Switcher](t)(onair.Switch([]onair.Case{{Source: sine()}}, nil))
		}},
		{"chop", func(t *testing.T, h *opsHarness) onair.Source {
			return opsMust[*onair.Node](t)(onair.Chop(sine(), 7*time.Millisecond, nil))
		}},
		{"amplify", func(t *testing.T, h *opsHarness) onair.Source {
			return opsMust[*onair.Amplifier](t)(onair.Amplify(sine(), 1, nil))
		}},
		{"fallback of the same source twice", func(t *testing.T, h *opsHarness) onair.Source {
			s := sine()
			return opsMust[*onair.Switcher](t)(onair.Fallback([]onair.Source{s, s}, &onair.SwitchOptions{Immediate: true}))
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newOpsHarness(t)
			out := h.run(tc.op(t, h), 30, false)
			require.Len(t, out.v, 300)
			require.Greater(t, len(out.marks), 5, "tracks were joined")
			for i := 1; i < len(out.v); i++ {
				step := math.Abs(float64(out.v[i]) - float64(out.v[i-1]))
				require.LessOrEqual(t, step, maxStep, "step at sample %d", i)
				want := math.Sin(2 * math.Pi * freq * float64(i) / float64(opsFormat.SampleRate))
				require.InDelta(t, want, out.v[i], 1e-5, "sample %d is the sine's", i)
			}
		})
	}
}
