package onair_test

import (
	"testing"
	"time"

	"github.com/onair-go/onair"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMaxDuration(t *testing.T) {
	h := newOpsHarness(t)
	s := h.src(opsScript{id: 1, tracks: []int{100}})
	md := opsMust[*onair.Node](t)(onair.MaxDuration(s, 25*time.Millisecond))
	assert.True(t, md.Fallible())
	out := h.run(md, 6, true)
	assert.Equal(t, []string{"1:0-24"}, opsSegments(out))
	assert.True(t, md.Ended())
	_, err := onair.MaxDuration(s, 0)
	require.ErrorIs(t, err, onair.ErrInvalidOption)
}

func TestDelayInFallback(t *testing.T) {
	h := newOpsHarness(t)
	jingle := h.src(opsScript{id: 1, tracks: []int{8}})
	music := h.src(opsScript{id: 2, tracks: []int{6}})
	d := opsMust[*onair.Node](t)(onair.Delay(jingle, 30*time.Millisecond, nil))
	fb := opsMust[*onair.Switcher](t)(onair.Fallback([]onair.Source{d, music}, nil))
	out := h.run(fb, 30, false)
	// The jingle plays one whole track, then the music for at least 30 ms
	// (whole music tracks), then the jingle again.
	var runs []string
	last := float32(-1)
	start := 0
	for i := range out.id {
		if out.id[i] != last {
			if last == 1 {
				assert.Equal(t, 8, i-start, "a whole jingle track at %d", start)
			}
			if last == 2 && start > 0 {
				assert.GreaterOrEqual(t, i-start, 30, "music between jingles at %d", start)
				assert.Zero(t, (i-start)%6, "whole music tracks at %d", start)
			}
			last, start = out.id[i], i
			runs = append(runs, "")
		}
	}
	assert.Greater(t, len(runs), 6, "the jingle came back several times")
	assertNoClicks(t, out)
	assertMetaPositions(t, out)
}

func TestDelayInitial(t *testing.T) {
	h := newOpsHarness(t)
	s := h.src(opsScript{id: 1, tracks: []int{100}})
	d := opsMust[*onair.Node](t)(onair.Delay(s, 20*time.Millisecond, &onair.DelayOptions{Initial: true}))
	fb := opsMust[*onair.Switcher](t)(onair.Fallback([]onair.Source{d, onair.Blank(nil)}, &onair.SwitchOptions{Immediate: true}))
	out := h.run(fb, 6, false)
	for i := range 20 {
		require.Zero(t, out.id[i], "silence while delayed (20 ms), sample %d", i)
	}
	assert.Equal(t, float32(1), out.id[20], "then the source")
	assert.Equal(t, float32(0), out.v[20], "from its start")
}

func TestChop(t *testing.T) {
	h := newOpsHarness(t)
	s := h.src(opsScript{id: 1, tracks: []int{40}})
	ch := opsMust[*onair.Node](t)(onair.Chop(s, 15*time.Millisecond, &onair.ChopOptions{Metadata: onair.Metadata{"chop": "yes"}}))
	out := h.run(ch, 10, false)
	// The source's own marks at 0, 40, 80 restart the count.
	assert.Equal(t, []int{0, 15, 30, 40, 55, 70, 80, 95}, out.marks)
	n := 0
	for _, m := range out.meta {
		if m.m["chop"] == "yes" {
			n++
		}
	}
	assert.Equal(t, 5, n)
	assertNoClicks(t, out)
	assertMetaPositions(t, out)
}
