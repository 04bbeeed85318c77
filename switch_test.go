package onair_test

import (
	"testing"
	"time"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/schedule"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSwitchFollowsPredicates(t *testing.T) {
	h := newOpsHarness(t)
	morning := h.src(opsScript{id: 1, tracks: []int{15}})
	night := h.src(opsScript{id: 2, tracks: []int{15}})
	// A fake clock: each tick is an hour of wall time from midnight.
	t0 := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC) // a Monday
	sched := schedule.Schedule{Now: func() time.Time { return t0.Add(time.Duration(h.tick()) * time.Hour) }}
	sw := opsMust[*onair.Switcher](t)(onair.Switch([]onair.Case{
		{When: sched.Between(3*time.Hour, 6*time.Hour), Source: morning},
		{Source: night},
	}, nil))
	assert.False(t, sw.Node().Fallible(), "an infallible source in a case without a predicate")
	c := h.run(sw, 9, false)
	// Night plays until its track boundary at sample 30 (tick 4, 4h, when
	// the morning case holds); morning plays two tracks (its boundary at
	// sample 45 is at 5h, still morning) and night returns at morning's
	// boundary at sample 60 (7h).
	assert.Equal(t, []string{"2:0-29", "1:0-29", "2:30-59"}, opsSegments(c))
	assertNoClicks(t, c)
	assertMetaPositions(t, c)
}

func TestSwitchImmediate(t *testing.T) {
	h := newOpsHarness(t)
	on := true
	a := h.src(opsScript{id: 1, tracks: []int{100}})
	b := h.src(opsScript{id: 2, tracks: []int{100}})
	sw := opsMust[*onair.Switcher](t)(onair.Switch([]onair.Case{
		{When: func() bool { return on }, Source: a},
		{Source: b},
	}, &onair.SwitchOptions{Immediate: true}))
	c, _ := h.start(sw, false)
	h.clk.Tick()
	h.clk.Tick()
	on = false
	h.clk.Tick()
	on = true
	h.clk.Tick()
	assert.Equal(t, []string{"1:0-19", "2:0-9", "1:20-29"}, opsSegments(c))
	assert.Equal(t, []int{0, 20, 30}, c.marks)
	assertNoClicks(t, c)
	assertMetaPositions(t, c)
}

func TestSwitchFallibility(t *testing.T) {
	h := newOpsHarness(t)
	inf := h.src(opsScript{id: 1})
	fal := h.src(opsScript{id: 2, ready: between(0, 3)})
	cond := func() bool { return true }
	for _, tc := range []struct {
		name     string
		cases    []onair.Case
		fallible bool
	}{
		{"always infallible", []onair.Case{{When: cond, Source: fal}, {Source: inf}}, false},
		{"nil when infallible", []onair.Case{{Source: inf}}, false},
		{"predicate guards the infallible source", []onair.Case{{When: cond, Source: inf}}, true},
		{"always guards a fallible source", []onair.Case{{Source: fal}}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sw := opsMust[*onair.Switcher](t)(onair.Switch(tc.cases, nil))
			assert.Equal(t, tc.fallible, sw.Node().Fallible())
		})
	}
	_, err := onair.Switch(nil, nil)
	require.ErrorIs(t, err, onair.ErrInvalidOption)
	_, err = onair.Switch([]onair.Case{{When: cond}}, nil)
	require.ErrorIs(t, err, onair.ErrInvalidOption)
}
