package onair_test

import (
	"testing"
	"time"

	"github.com/onair-go/onair"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFadeCurves(t *testing.T) {
	for _, c := range []onair.FadeCurve{onair.CurveLinear, onair.CurveSin, onair.CurveLog, onair.CurveExp} {
		assert.InDelta(t, 0, onair.CurveGain(c, 0, 0), 1e-12, c.String())
		assert.InDelta(t, 1, onair.CurveGain(c, 1, 0), 1e-12, c.String())
		assert.InDelta(t, 1, onair.CurveGain(c, 2, 0), 1e-12, "%v clamps", c)
		prev := -1.0
		for i := 0; i <= 100; i++ {
			g := onair.CurveGain(c, float64(i)/100, 0)
			require.Greater(t, g, prev, "%v rises", c)
			prev = g
		}
	}
	assert.InDelta(t, 0.5, onair.CurveGain(onair.CurveSin, 0.5, 0), 1e-12)
	assert.Greater(t, onair.CurveGain(onair.CurveLog, 0.5, 0), 0.5, "log rises fast")
	assert.Less(t, onair.CurveGain(onair.CurveExp, 0.5, 0), 0.5, "exp rises slowly")
}

func TestFadeInPerTrack(t *testing.T) {
	h := newOpsHarness(t)
	s := h.src(opsScript{id: 1, tracks: []int{50}})
	// Track 1 asks for a 10 ms fade in its metadata.
	tagged := opsMust[*onair.Node](t)(onair.MapMetadata(s, func(m onair.Metadata) onair.Metadata {
		if m["title"] == "s1-1" {
			return onair.Metadata{"title": m["title"], "start": m["start"], "liq_fade_in": "0.01"}
		}
		return m
	}, nil))
	fade := opsMust[*onair.Node](t)(onair.FadeIn(tagged, &onair.FadeOptions{Duration: 23 * time.Millisecond}))
	out := h.run(fade, 15, false)
	for i, x := range out.id {
		pos, d := i%50, 23.0
		if i/50 == 1 {
			d = 10
		}
		want := min(1, float64(pos)/d)
		require.InDelta(t, want, x, 1e-6, "sample %d (track position %d)", i, pos)
		require.InDelta(t, want*float64(i), out.v[i], 1e-3, "the counter is faded the same way, nothing moved")
	}
}

func TestFadeOutUsesRemaining(t *testing.T) {
	h := newOpsHarness(t)
	s := h.src(opsScript{id: 1, tracks: []int{50, 33}})
	fade := opsMust[*onair.Node](t)(onair.FadeOut(s, &onair.FadeOptions{Duration: 17 * time.Millisecond, Curve: onair.CurveSin}))
	out := h.run(fade, 17, false)
	starts := []int{0, 50, 83, 133, 166}
	for k := range len(starts) - 1 {
		a, b := starts[k], starts[k+1]
		for i := a; i < b; i++ {
			rem := b - i - 1 // samples after i in its track
			want := onair.CurveGain(onair.CurveSin, float64(rem)/17, 0)
			require.InDelta(t, want, out.id[i], 1e-6, "sample %d", i)
		}
	}
	assert.Equal(t, starts, out.marks[:5])
}

func TestFadeOptionsValidated(t *testing.T) {
	h := newOpsHarness(t)
	s := h.src(opsScript{id: 1})
	_, err := onair.FadeIn(s, &onair.FadeOptions{Duration: -1})
	require.ErrorIs(t, err, onair.ErrInvalidOption)
	_, err = onair.FadeOut(s, &onair.FadeOptions{Curve: 9})
	require.ErrorIs(t, err, onair.ErrInvalidOption)
	_, err = onair.FadeOut(nil, nil)
	require.ErrorIs(t, err, onair.ErrInvalidOption)
}
