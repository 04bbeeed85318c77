package encode

import "testing"

// BenchmarkTimedRun is the cost Stats.CPU adds to each frame a shared
// encoder's worker encodes: two clock readings around an empty job.
func BenchmarkTimedRun(b *testing.B) {
	j := &encJob{enc: nopCodec{}}
	b.ReportAllocs()
	for b.Loop() {
		timedRun(j)
	}
}

type nopCodec struct{ codecEncoder }

func (nopCodec) Frames() int64 { return 0 }
