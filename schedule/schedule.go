// Package schedule makes the time-based predicates of a station's
// programme: "weekdays from 8h to 10h", "Saturday night", for the cases of
// an onair.Switch:
//
//	s := schedule.Schedule{}
//	morning := schedule.AllOf(s.Weekdays(), s.Between(8*time.Hour, 10*time.Hour))
//	sw, err := onair.Switch([]onair.Case{{When: morning, Source: show}, {Source: music}}, nil)
//
// It is pure Go and reads the wall clock only through Schedule.Now, so
// that tests can give it a fake one.
package schedule

import "time"

// Schedule builds time-based predicates for switch cases (onair.Case),
// such as "weekdays from 8h to 10h". A zero Schedule reads the wall clock in the
// local time zone. A Schedule is safe for concurrent use.
type Schedule struct {
	// Now returns the current time. It defaults to time.Now; tests set it
	// to a fake clock.
	Now func() time.Time
	// Location is the time zone of the schedule. It defaults to the
	// location of the times Now returns.
	Location *time.Location
}

func (s Schedule) now() time.Time {
	var t time.Time
	if s.Now != nil {
		t = s.Now()
	} else {
		t = time.Now()
	}
	if s.Location != nil {
		t = t.In(s.Location)
	}
	return t
}

// Between returns a predicate that holds from start to end each day, both
// given as time since midnight (8*time.Hour for 8h, 13*time.Hour +
// 30*time.Minute for 13h30). The interval includes start and excludes end;
// when start is after end it spans midnight (22h to 2h).
func (s Schedule) Between(start, end time.Duration) func() bool {
	return func() bool {
		t := s.now()
		h, m, sec := t.Clock()
		d := time.Duration(h)*time.Hour + time.Duration(m)*time.Minute +
			time.Duration(sec)*time.Second + time.Duration(t.Nanosecond())
		if start <= end {
			return d >= start && d < end
		}
		return d >= start || d < end
	}
}

// On returns a predicate that holds on the given days of the week.
func (s Schedule) On(days ...time.Weekday) func() bool {
	var set [7]bool
	for _, d := range days {
		if d >= time.Sunday && d <= time.Saturday {
			set[d] = true
		}
	}
	return func() bool { return set[s.now().Weekday()] }
}

// Weekdays returns a predicate that holds from Monday to Friday.
func (s Schedule) Weekdays() func() bool {
	return s.On(time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday)
}

// Weekend returns a predicate that holds on Saturday and Sunday.
func (s Schedule) Weekend() func() bool { return s.On(time.Saturday, time.Sunday) }

// AllOf returns a predicate that holds when every one of preds holds (nil
// predicates are skipped): AllOf(sched.Weekdays(), sched.Between(8h, 10h)).
func AllOf(preds ...func() bool) func() bool {
	preds = append([]func() bool(nil), preds...)
	return func() bool {
		for _, p := range preds {
			if p != nil && !p() {
				return false
			}
		}
		return true
	}
}

// AnyOf returns a predicate that holds when at least one of preds holds.
func AnyOf(preds ...func() bool) func() bool {
	preds = append([]func() bool(nil), preds...)
	return func() bool {
		for _, p := range preds {
			if p != nil && p() {
				return true
			}
		}
		return false
	}
}

// Not returns a predicate that holds when p does not.
func Not(p func() bool) func() bool { return func() bool { return !p() } }
