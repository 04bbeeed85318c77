package onair_test

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
)

// TestChaosReduce shrinks the fault schedule of a chaos run to a minimal
// list of faults that still makes an invariant fail by the tick it first
// failed at (delta debugging), and prints it: the starting point of a
// small reproduction. ONAIR_CHAOS_REDUCE="seed:invariant:ticks" picks the
// run ("2:no dead air:30000"); by default it reduces the first violation
// of seed 1 within 3000 ticks. It fails when the reduced schedule does
// not reproduce the violation.
func TestChaosReduce(t *testing.T) {
	seed, inv, ticks := uint64(1), "", 3000
	if s := os.Getenv("ONAIR_CHAOS_REDUCE"); s != "" {
		parts := strings.SplitN(s, ":", 3)
		if len(parts) != 3 {
			t.Fatalf("ONAIR_CHAOS_REDUCE=%q: want seed:invariant:ticks", s)
		}
		n, err := strconv.ParseUint(parts[0], 10, 64)
		if err != nil {
			t.Fatalf("ONAIR_CHAOS_REDUCE seed: %v", err)
		}
		seed, inv = n, parts[1]
		if ticks, err = strconv.Atoi(parts[2]); err != nil {
			t.Fatalf("ONAIR_CHAOS_REDUCE ticks: %v", err)
		}
	}
	v, _ := chaosRun(t, seed, ticks, 0, nil)
	if inv == "" {
		for k, at := range v.at {
			if inv == "" || at < v.at[inv] {
				inv = k
			}
		}
	}
	at, ok := v.at[inv]
	if !ok {
		t.Logf("seed %d: invariant %q holds over %d ticks: nothing to reduce", seed, inv, ticks)
		return
	}
	var all []chaosEvent
	chaosRun(t, seed, ticks, at, func(evs []chaosEvent) []chaosEvent {
		for _, e := range evs {
			if e.tick <= at {
				all = append(all, e)
			}
		}
		return nil
	})
	runs := 0
	fails := func(keep []chaosEvent) bool {
		runs++
		v, _ := chaosRun(t, seed, ticks, at, func([]chaosEvent) []chaosEvent { return keep })
		return v.count[inv] > 0
	}
	keep := all
	if fails(nil) {
		keep = nil
	}
	for n := 2; len(keep) >= 2; {
		size := (len(keep) + n - 1) / n
		removed := false
		for i := 0; i < len(keep); i += size {
			cand := append(append([]chaosEvent(nil), keep[:i]...), keep[min(i+size, len(keep)):]...)
			if fails(cand) {
				keep, n, removed = cand, max(n-1, 2), true
				break
			}
		}
		if !removed {
			if n >= len(keep) {
				break
			}
			n = min(2*n, len(keep))
		}
	}
	if len(keep) == 1 && fails(nil) {
		keep = nil
	}
	if !fails(keep) {
		t.Fatalf("seed %d: the reduced schedule %v does not reproduce %q", seed, keep, inv)
	}
	v, _ = chaosRun(t, seed, ticks, at, func([]chaosEvent) []chaosEvent { return keep })
	var b strings.Builder
	for _, e := range keep {
		fmt.Fprintf(&b, "\n  {tick: %d, kind: %q, n: %d, m: %d},", e.tick, e.kind, e.n, e.m)
	}
	t.Logf("seed %d: %q first fails at tick %d; %d of %d faults suffice (%d runs):%s\nfirst violation: %s",
		seed, inv, at, len(keep), len(all), runs, b.String(), v.first[inv][0])
}
