package onair_test

import (
	"testing"
	"time"

	"github.com/onair-go/onair"
	"github.com/stretchr/testify/require"
)

// opCases builds each operator over sine sources with tracks, at the
// default format (44.1 kHz stereo, 20 ms frames). The same table drives
// the zero-allocation test and the benchmarks.
var opCases = []struct {
	name  string
	build func(t testing.TB) onair.Source
}{
	// The source alone, to read the operators' own cost by difference.
	{"baseline_sine", func(t testing.TB) onair.Source { return tracks(440, 130) }},
	{"fallback", func(t testing.TB) onair.Source {
		return opsMust[*onair.Switcher](t)(onair.Fallback([]onair.Source{tracks(440, 700), tracks(220, 1000)}, nil))
	}},
	{"fallback_immediate", func(t testing.TB) onair.Source {
		live := opsMust[*onair.Node](t)(onair.Strip(tracks(440, 700), nil))
		return opsMust[*onair.Switcher](t)(onair.Fallback([]onair.Source{live, tracks(220, 1000)}, &onair.SwitchOptions{Immediate: true}))
	}},
	{"switch", func(t testing.TB) onair.Source {
		on := func() bool { return true }
		return opsMust[*onair.Switcher](t)(onair.Switch([]onair.Case{{When: on, Source: tracks(440, 300)}, {Source: tracks(220, 500)}}, nil))
	}},
	{"random", func(t testing.TB) onair.Source {
		return opsMust[*onair.Switcher](t)(onair.Random([]onair.Source{tracks(440, 130), tracks(220, 170)}, &onair.SwitchOptions{Seed: 1}))
	}},
	{"rotate", func(t testing.TB) onair.Source {
		return opsMust[*onair.Switcher](t)(onair.Rotate([]onair.Source{tracks(440, 130), tracks(220, 170)}, &onair.SwitchOptions{Weights: []int{2, 1}}))
	}},
	{"sequence", func(t testing.TB) onair.Source {
		return opsMust[*onair.Switcher](t)(onair.Sequence([]onair.Source{tracks(440, 130), tracks(220, 170)}, nil))
	}},
	{"add", func(t testing.TB) onair.Source {
		return opsMust[*onair.Node](t)(onair.Add([]onair.Source{tracks(440, 130), tracks(220, 170)}, nil))
	}},
	{"amplify", func(t testing.TB) onair.Source {
		return opsMust[*onair.Amplifier](t)(onair.Amplify(tracks(440, 130), 0.5, nil))
	}},
	{"fade_in", func(t testing.TB) onair.Source {
		return opsMust[*onair.Node](t)(onair.FadeIn(tracks(440, 1000), &onair.FadeOptions{Duration: 500 * time.Millisecond, Curve: onair.CurveSin}))
	}},
	{"fade_out", func(t testing.TB) onair.Source {
		return opsMust[*onair.Node](t)(onair.FadeOut(tracks(440, 1000), &onair.FadeOptions{Duration: 500 * time.Millisecond}))
	}},
	{"map_metadata", func(t testing.TB) onair.Source {
		return opsMust[*onair.Node](t)(onair.MapMetadata(tracks(440, 130), func(m onair.Metadata) onair.Metadata { return m }, nil))
	}},
	{"max_duration", func(t testing.TB) onair.Source {
		return opsMust[*onair.Node](t)(onair.MaxDuration(tracks(440, 130), time.Hour))
	}},
	{"delay", func(t testing.TB) onair.Source {
		d := opsMust[*onair.Node](t)(onair.Delay(tracks(440, 130), 200*time.Millisecond, nil))
		return opsMust[*onair.Switcher](t)(onair.Fallback([]onair.Source{d, tracks(220, 90)}, nil))
	}},
	{"chop", func(t testing.TB) onair.Source {
		return opsMust[*onair.Node](t)(onair.Chop(tracks(440, 1000), 110*time.Millisecond, &onair.ChopOptions{Metadata: onair.Metadata{"title": "chop"}}))
	}},
	{"blank_detect", func(t testing.TB) onair.Source {
		return opsMust[*onair.Node](t)(onair.DetectBlank(tracks(440, 130), nil))
	}},
	{"skip_blank", func(t testing.TB) onair.Source {
		return opsMust[*onair.Node](t)(onair.SkipBlank(onair.Blank(&onair.GenOptions{Duration: 700 * time.Millisecond}), &onair.BlankOptions{MaxBlank: 300 * time.Millisecond}))
	}},
}

// tracks is a sine of freq Hz in tracks of ms milliseconds, with metadata.
func tracks(freq float64, ms int) *onair.Node {
	return onair.Sine(freq, &onair.GenOptions{Duration: time.Duration(ms) * time.Millisecond, Metadata: onair.Metadata{"title": "sine"}})
}

// startOp runs src into a discarding output on a manual clock, warmed up.
func startOp(t testing.TB, src onair.Source) *onair.Clock {
	clk := onair.NewClock("bench", &onair.ClockOptions{Kind: onair.Manual})
	g, err := onair.NewGraph(&onair.GraphOptions{Clock: clk, SyncCallbacks: true})
	require.NoError(t, err)
	require.NoError(t, g.Add(onair.Sink(src, nil, &onair.OutputOptions{Fallible: true})))
	require.NoError(t, g.Start())
	t.Cleanup(func() { g.Close() })
	for range 500 { // 10 s: every kind of junction has happened
		clk.Tick()
	}
	return clk
}

func TestOperatorsDoNotAllocate(t *testing.T) {
	for _, tc := range opCases {
		t.Run(tc.name, func(t *testing.T) {
			clk := startOp(t, tc.build(t))
			allocs := testing.AllocsPerRun(500, clk.Tick)
			require.Zero(t, allocs, "allocations per tick in steady state")
		})
	}
}

func BenchmarkOperators(b *testing.B) {
	for _, tc := range opCases {
		b.Run(tc.name, func(b *testing.B) {
			clk := startOp(b, tc.build(b))
			b.ReportAllocs()
			for b.Loop() {
				clk.Tick()
			}
		})
	}
}
