package onair_test

import (
	"testing"

	"github.com/onair-go/onair"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// trackOrder lists the source ids of the tracks of c, by their metadata.
func trackOrder(c *opsCapture) string {
	s := ""
	for _, m := range c.meta {
		s += m.m["title"][1:2]
	}
	return s
}

func TestRandomIsDeterministicWithASeed(t *testing.T) {
	run := func(seed uint64, weights []int) *opsCapture {
		h := newOpsHarness(t)
		var srcs []onair.Source
		for i := range 3 {
			srcs = append(srcs, h.src(opsScript{id: i + 1, tracks: []int{7 + 3*i}}))
		}
		r := opsMust[*onair.Switcher](t)(onair.Random(srcs, &onair.SwitchOptions{Seed: seed, Weights: weights}))
		require.False(t, r.Node().Fallible())
		return h.run(r, 60, false)
	}
	a, b := run(42, nil), run(42, nil)
	assert.Equal(t, a.v, b.v)
	assert.Equal(t, trackOrder(a), trackOrder(b))
	assert.NotEqual(t, trackOrder(a), trackOrder(run(7, nil)), "another seed, another order")
	assertNoClicks(t, a)
	assertMetaPositions(t, a)
	order := trackOrder(a)
	for _, id := range "123" {
		assert.Contains(t, order, string(id))
	}
	w := trackOrder(run(42, []int{1, 0, 1}))
	assert.NotContains(t, w, "2", "weight 0 never plays")
	assertWholeTracks(t, a, map[float32]int{1: 7, 2: 10, 3: 13})
}

func TestRandomFallibility(t *testing.T) {
	h := newOpsHarness(t)
	inf := h.src(opsScript{id: 1})
	fal := h.src(opsScript{id: 2, ready: between(0, 3)})
	r := opsMust[*onair.Switcher](t)(onair.Random([]onair.Source{fal, inf}, &onair.SwitchOptions{Weights: []int{1, 0}}))
	assert.True(t, r.Node().Fallible(), "the infallible source has weight 0")
	_, err := onair.Random([]onair.Source{inf}, &onair.SwitchOptions{Weights: []int{-1}})
	require.ErrorIs(t, err, onair.ErrInvalidOption)
	_, err = onair.Rotate([]onair.Source{inf}, &onair.SwitchOptions{Weights: []int{1, 2}})
	require.ErrorIs(t, err, onair.ErrInvalidOption)
}

func TestRotateWeights(t *testing.T) {
	h := newOpsHarness(t)
	a := h.src(opsScript{id: 1, tracks: []int{8}})
	b := h.src(opsScript{id: 2, tracks: []int{5}})
	c := h.src(opsScript{id: 3, tracks: []int{6}, ready: between(0, 1000)})
	r := opsMust[*onair.Switcher](t)(onair.Rotate([]onair.Source{a, b, c}, &onair.SwitchOptions{Weights: []int{2, 1, 0}}))
	out := h.run(r, 12, false)
	assert.Equal(t, "11211211211211", trackOrder(out)[:14], "two tracks of a, one of b; c has weight 0")
	assertNoClicks(t, out)
	assertMetaPositions(t, out)
	assertWholeTracks(t, out, map[float32]int{1: 8, 2: 5})
}

func TestRotateSkipsUnready(t *testing.T) {
	h := newOpsHarness(t)
	a := h.src(opsScript{id: 1, tracks: []int{10}})
	b := h.src(opsScript{id: 2, tracks: []int{10}, ready: between(3, 1000)})
	r := opsMust[*onair.Switcher](t)(onair.Rotate([]onair.Source{a, b}, nil))
	out := h.run(r, 6, false)
	assert.Equal(t, "11212", trackOrder(out)[:5], "b is passed over until it is ready")
}

// assertWholeTracks checks that every junction follows the end of a track
// of the source before it (tracks of the given lengths), so no track is cut.
func assertWholeTracks(t *testing.T, c *opsCapture, lens map[float32]int) {
	t.Helper()
	for _, m := range c.marks {
		if m == 0 || m >= len(c.v) {
			continue
		}
		l := lens[c.id[m-1]]
		require.Zero(t, (int(c.v[m-1])+1)%l, "junction at %d after a whole track of source %v", m, c.id[m-1])
	}
}
