package schedule_test

import (
	"testing"
	"time"

	"github.com/onair-go/onair/schedule"
	"github.com/stretchr/testify/assert"
)

func TestSchedulePredicates(t *testing.T) {
	var now time.Time
	s := schedule.Schedule{Now: func() time.Time { return now }, Location: time.UTC}
	at := func(day, h, m int) { now = time.Date(2026, 3, day, h, m, 0, 0, time.UTC) } // 2026-03-02 is a Monday
	day := s.Between(8*time.Hour, 10*time.Hour+30*time.Minute)
	night := s.Between(22*time.Hour, 2*time.Hour)
	weekendAfternoon := schedule.AllOf(s.Weekend(), s.Between(13*time.Hour, 15*time.Hour))
	for _, tc := range []struct {
		day, h, m        int
		day_, night, wkd bool
	}{
		{2, 7, 59, false, false, false},
		{2, 8, 0, true, false, false},
		{2, 10, 29, true, false, false},
		{2, 10, 30, false, false, false},
		{2, 23, 0, false, true, false},
		{3, 1, 59, false, true, false},
		{3, 2, 0, false, false, false},
		{7, 14, 0, false, false, true}, // Saturday
		{8, 15, 0, false, false, false},
	} {
		at(tc.day, tc.h, tc.m)
		assert.Equal(t, tc.day_, day(), "day at %v", now)
		assert.Equal(t, tc.night, night(), "night at %v", now)
		assert.Equal(t, tc.wkd, weekendAfternoon(), "weekend afternoon at %v", now)
	}
	at(4, 12, 0)
	assert.True(t, s.Weekdays()())
	assert.True(t, s.On(time.Wednesday)())
	assert.False(t, schedule.Not(s.Weekdays())())
	assert.True(t, schedule.AnyOf(s.Weekend(), s.On(time.Wednesday))())
}
