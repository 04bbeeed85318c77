package onair_test

import (
	"testing"

	"github.com/onair-go/onair"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAmplify(t *testing.T) {
	h := newOpsHarness(t)
	s := h.src(opsScript{id: 2, tracks: []int{15}})
	// Track 1 of the source carries a -6.0206 dB override.
	tagged := opsMust[*onair.Node](t)(onair.MapMetadata(s, func(m onair.Metadata) onair.Metadata {
		if m["title"] != "s2-1" {
			return m
		}
		n := onair.Metadata{"liq_amplify": "-6.0206 dB"}
		for k, v := range m {
			n[k] = v
		}
		return n
	}, nil))
	amp := opsMust[*onair.Amplifier](t)(onair.Amplify(tagged, 2, nil))
	c, _ := h.start(amp, false)
	for range 4 {
		h.clk.Tick()
	}
	amp.SetFactor(3)
	h.clk.Tick()
	for i, x := range c.id {
		want := 4.0 // 2 * 2
		switch {
		case i >= 15 && i < 30:
			want = 1 // the override: 2 * 0.5
		case i >= 40:
			want = 6 // factor changed at tick 5
		}
		require.InDelta(t, want, x, 1e-4, "sample %d", i)
	}
	assert.Equal(t, 3.0, amp.Factor())
	_, err := onair.Amplify(s, 1/zero(), nil)
	require.ErrorIs(t, err, onair.ErrInvalidOption)
}

func zero() float64 { return 0 }
