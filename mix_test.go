package onair_test

import (
	"strconv"
	"testing"

	"github.com/onair-go/onair"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Channel 1 of a scripted source is its id, a constant signal: mixes and
// gains are checked on it.

func TestAddNormalizes(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts *onair.AddOptions
		want float32
	}{
		{"normalized", nil, 2}, // (1+3)/2
		{"sum", &onair.AddOptions{DisableNormalization: true}, 4},      // 1+3
		{"weighted", &onair.AddOptions{Weights: []float64{3, 1}}, 1.5}, // (3*1+1*3)/4
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newOpsHarness(t)
			a := h.src(opsScript{id: 1, tracks: []int{7}})
			b := h.src(opsScript{id: 3, tracks: []int{9}})
			mix := opsMust[*onair.Node](t)(onair.Add([]onair.Source{a, b}, tc.opts))
			out := h.run(mix, 4, false)
			for i, x := range out.id {
				require.InDelta(t, tc.want, x, 1e-6, "sample %d", i)
			}
			assert.Empty(t, out.marks, "the mix is one track")
			require.Len(t, out.meta, 6+5, "metadata of both sources is relayed")
			for _, m := range out.meta {
				assert.Equal(t, m.m["start"], strconv.Itoa(m.pos), "metadata at its position")
			}
		})
	}
}

func TestAddUnequalLengths(t *testing.T) {
	h := newOpsHarness(t)
	short := h.src(opsScript{id: 1, limit: 4, ready: between(1, 3)})
	full := h.src(opsScript{id: 3})
	mix := opsMust[*onair.Node](t)(onair.Add([]onair.Source{short, full}, nil))
	assert.False(t, mix.Fallible())
	out := h.run(mix, 4, false)
	// While the short source plays, its 4 samples are mixed and the rest of
	// the frame has only the full source, at full level: nothing is cut.
	for i, x := range out.id {
		want := float32(3)
		if i%10 < 4 && i < 20 {
			want = 2
		}
		require.InDelta(t, want, x, 1e-6, "sample %d", i)
	}
	// The full source is not delayed or cut by the short one.
	for i := range out.v {
		if i%10 >= 4 || i >= 20 {
			require.Equal(t, float32(i), out.v[i])
		}
	}
	_, err := onair.Add(nil, nil)
	require.ErrorIs(t, err, onair.ErrInvalidOption)
	_, err = onair.Add([]onair.Source{full}, &onair.AddOptions{Weights: []float64{1, 2}})
	require.ErrorIs(t, err, onair.ErrInvalidOption)
}
