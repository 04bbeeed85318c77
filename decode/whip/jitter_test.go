package whip

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// drain pops everything the jitter buffer gives at now: payload strings,
// "lost" for a loss.
func drain(j *jitter, now time.Time) []string {
	var out []string
	for {
		p, lost, ok := j.pop(now)
		if !ok {
			return out
		}
		if lost {
			out = append(out, "lost")
		} else {
			out = append(out, string(p))
		}
	}
}

func TestJitterOrder(t *testing.T) {
	t0 := time.Unix(100, 0)
	ms := func(n int) time.Time { return t0.Add(time.Duration(n) * time.Millisecond) }
	j := newJitter(40*time.Millisecond, 50)
	j.push(65534, []byte("a"), ms(0))
	require.Equal(t, []string{"a"}, drain(j, ms(0)))
	// 65535 and 0 swapped: held until both are there (across the wrap).
	j.push(0, []byte("c"), ms(20))
	require.Empty(t, drain(j, ms(20)))
	j.push(65535, []byte("b"), ms(25))
	require.Equal(t, []string{"b", "c"}, drain(j, ms(25)))
	// A duplicate and a late packet are dropped.
	j.push(0, []byte("c"), ms(26))
	j.push(65535, []byte("b"), ms(26))
	require.Empty(t, drain(j, ms(26)))
	require.Equal(t, uint64(2), j.late)
	// 1 is lost: 2 waits delay, then 1 is reported lost.
	j.push(2, []byte("e"), ms(60))
	require.Empty(t, drain(j, ms(99)))
	require.Equal(t, 40*time.Millisecond, j.wait(ms(60)))
	require.Equal(t, []string{"lost", "e"}, drain(j, ms(100)))
	// 1 arriving now is late.
	j.push(1, []byte("d"), ms(101))
	require.Empty(t, drain(j, ms(200)))
	require.Equal(t, uint64(1), j.lost)
	// A jump of more than maxJump is a new stream, not thousands of losses.
	j.push(30000, []byte("x"), ms(300))
	require.Equal(t, []string{"x"}, drain(j, ms(300)))
	require.Equal(t, uint64(1), j.lost)
}

func TestJitterFull(t *testing.T) {
	t0 := time.Unix(100, 0)
	j := newJitter(time.Hour, 3)
	j.push(10, []byte("a"), t0)
	require.Equal(t, []string{"a"}, drain(j, t0))
	j.push(12, []byte("c"), t0)
	j.push(13, []byte("d"), t0)
	require.Empty(t, drain(j, t0))
	j.push(14, []byte("e"), t0) // 3 held: 11 is given up
	require.Equal(t, []string{"lost", "c", "d", "e"}, drain(j, t0))
}
