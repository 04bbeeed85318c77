package decode

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// An overrun's drop does not click: the audio after it crosses from the
// dropped front, so the played stream goes on from its last sample. A
// sine of period 50 is pushed in chunks of 35 and read 10 samples at a
// time, so each drop jumps about half a period: spliced plainly, the
// played sine steps by up to twice its amplitude.
func TestLiveRingOverrunJoins(t *testing.T) {
	for _, join := range []int{0, 8} {
		var r liveRing
		r.reserve(1, 100, join)
		chunk := make([]float32, 35)
		out := make([]float32, 10)
		var played []float32
		pos, drops := 0, 0
		for range 200 {
			for i := range chunk {
				chunk[i] = float32(math.Sin(2 * math.Pi * float64(pos+i) / 50))
			}
			pos += len(chunk)
			if r.push([][]float32{chunk}, len(chunk)) > 0 {
				drops++
			}
			r.read([][]float32{out}, len(out))
			played = append(played, out...)
		}
		require.Greater(t, drops, 100, "join %d: the ring overran", join)
		worst := 0.0
		for i := 1; i < len(played); i++ {
			worst = max(worst, math.Abs(float64(played[i]-played[i-1])))
		}
		// the sine's own step is 2π/50 = 0.126; a join of 8 samples adds at
		// most its slope across two sides 2 apart: 2·π/16 = 0.39
		if join == 0 {
			assert.Greater(t, worst, 1.0, "plain drops splice the sine")
		} else {
			assert.Less(t, worst, 0.126+0.393, "join %d: a step of %.3f: a click at a drop", join, worst)
		}
	}
}

// A drop whose join would cross a track mark (the start of the next
// stream) drops plainly: one stream's audio is not blended into another's.
func TestLiveRingOverrunKeepsMarks(t *testing.T) {
	var r liveRing
	r.reserve(1, 10, 4)
	r.push([][]float32{{1, 1, 1, 1, 1}}, 5)
	r.addMark(r.tail, true)
	r.push([][]float32{{2, 2, 2}}, 3)
	require.Equal(t, 3, r.push([][]float32{{3, 3, 3, 3, 3}}, 5))
	out := make([]float32, r.len())
	r.read([][]float32{out}, len(out))
	assert.Equal(t, []float32{1, 1, 2, 2, 2, 3, 3, 3, 3, 3}, out, "no blending across the mark")
}
