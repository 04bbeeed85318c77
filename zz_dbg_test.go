package onair_test

import "testing"

func TestDbgReduce(t *testing.T) {
	keep := []chaosEvent{
		{tick: 11798, kind: "unready", n: 6},
		{tick: 11968, kind: "skip fallback"},
		{tick: 12295, kind: "unready", n: 60},
		{tick: 13322, kind: "unready in crossfade", n: 277},
		{tick: 14014, kind: "skip fallback"},
		{tick: 14180, kind: "skip fallback"},
	}
	chaosTrace = func(n int) bool { return n >= 14243 && n <= 14244 }
	defer func() { chaosTrace = nil }()
	v, _ := chaosRun(t, 1, 18400, 14300, func([]chaosEvent) []chaosEvent { return keep })
	t.Log(v.first)
}
