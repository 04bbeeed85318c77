package onair_test

import (
	"bytes"
	"log/slog"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/onair-go/onair"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// xfRampTracks is a source whose samples are their global index, in
// tracks of n samples with metadata {"title": "t<k>"} at each start.
func xfRampTracks(n int) *onair.Node {
	return onair.NewNode(&xfSrc{lens: []int{n}, value: xfRamp}, &onair.NodeOptions{ID: "ramp"})
}

func xfLogger(buf *bytes.Buffer) *slog.Logger {
	return slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

func TestBufferPrebufferCarriesEverything(t *testing.T) {
	var c xfCollect
	b, in, out := xfBufferGraph(t, xfFormat, xfRampTracks(137), &onair.BufferOptions{Prebuffer: 100 * time.Millisecond, Max: time.Second}, c.send)
	for range 4 {
		in.Tick()
		out.Tick()
	}
	assert.Empty(t, c.audio, "nothing before the prebuffer is reached")
	assert.True(t, b.Stats().Buffering)
	in.Tick()
	out.Tick()
	require.Len(t, c.audio, 20)
	for range 200 {
		in.Tick()
		out.Tick()
	}
	require.Len(t, c.audio, 201*20)
	for i, v := range c.audio {
		require.Equal(t, float32(i), v, "sample %d arrives unchanged and in order", i)
	}
	var wantMarks []int
	var wantMeta []xfMetaAt
	for p := 0; p < len(c.audio); p += 137 {
		wantMarks = append(wantMarks, p)
		wantMeta = append(wantMeta, xfMetaAt{p, onair.Metadata{"title": "t" + strconv.Itoa(p/137)}})
	}
	assert.Equal(t, wantMarks, c.marks, "track marks at their exact positions")
	assert.Equal(t, wantMeta, c.meta, "metadata at their exact positions")
	assert.Equal(t, 80*time.Millisecond, b.Stats().Buffered, "the prebuffer, less the first frame, stays as latency")
	assert.NotSame(t, in, out)
	assert.Equal(t, "ramp", b.Input().Source().Node().ID())
}

func TestBufferUnderflow(t *testing.T) {
	var c xfCollect
	var logs bytes.Buffer
	b, in, out := xfBufferGraph(t, xfFormat, xfRampTracks(1000), &onair.BufferOptions{Prebuffer: 100 * time.Millisecond, Max: time.Second, Logger: xfLogger(&logs)}, c.send)
	// The consumer's clock runs twice as fast as the source's.
	resumed := 0
	for range 40 {
		in.Tick()
		for range 2 {
			before, n0 := b.Stats(), len(c.audio)
			out.Tick()
			switch {
			case before.Buffering && before.Buffered < 100*time.Millisecond:
				require.Equal(t, n0, len(c.audio), "unready while prebuffering")
			case before.Buffering:
				require.Equal(t, n0+20, len(c.audio), "ready again once the prebuffer is reached")
				resumed++
			}
		}
	}
	st := b.Stats()
	assert.GreaterOrEqual(t, st.Underflows, 3, "the buffer empties again and again")
	wantResumed := st.Underflows + 1 // the first prebuffer, then one per underflow
	if st.Buffering {
		wantResumed-- // the last underflow is still prebuffering
	}
	assert.Equal(t, wantResumed, resumed, "each underflow is followed by a new prebuffer")
	assert.Contains(t, logs.String(), "buffer emptied")
	assert.Zero(t, st.Overflows)
	// Nothing is lost or repeated: the consumer gets the ramp in order,
	// minus what is still buffered.
	require.Equal(t, 40*20, len(c.audio)+int(st.Buffered/time.Millisecond))
	for i, v := range c.audio {
		require.Equal(t, float32(i), v)
	}
}

func TestBufferOverflowDropsOldest(t *testing.T) {
	var c xfCollect
	var logs bytes.Buffer
	b, in, out := xfBufferGraph(t, xfFormat, xfRampTracks(150), &onair.BufferOptions{Prebuffer: 100 * time.Millisecond, Max: 200 * time.Millisecond, Logger: xfLogger(&logs)}, c.send)
	for range 30 {
		in.Tick()
	}
	st := b.Stats()
	assert.Equal(t, 200*time.Millisecond, st.Buffered)
	assert.Equal(t, 400*time.Millisecond, st.Dropped)
	assert.Equal(t, 1, st.Overflows, "one overflow episode, logged once")
	assert.Equal(t, 1, bytes.Count(logs.Bytes(), []byte("buffer overrun")))
	for range 10 {
		out.Tick()
	}
	require.Len(t, c.audio, 200)
	for i, v := range c.audio {
		require.Equal(t, float32(400+i), v, "the newest data is kept")
	}
	// Track 2 (from 300) was cut: its mark and metadata move to the new
	// start; track 3 starts at 450 as in the input.
	assert.Equal(t, []int{0, 50}, c.marks)
	assert.Equal(t, []xfMetaAt{{0, onair.Metadata{"title": "t2"}}, {50, onair.Metadata{"title": "t3"}}}, c.meta)
}

func TestBufferOptions(t *testing.T) {
	_, err := onair.NewBuffer(onair.Blank(nil), &onair.BufferOptions{Prebuffer: 2 * time.Second, Max: time.Second})
	assert.ErrorIs(t, err, onair.ErrInvalidOption)
	_, err = onair.NewBuffer(onair.Blank(nil), &onair.BufferOptions{Prebuffer: -time.Second})
	assert.ErrorIs(t, err, onair.ErrInvalidOption)
	_, err = onair.NewBuffer(nil, nil)
	assert.ErrorIs(t, err, onair.ErrInvalidOption)
	b, err := onair.NewBuffer(onair.Blank(nil), nil)
	require.NoError(t, err)
	assert.True(t, b.Node().Fallible())
	assert.Equal(t, "buffer.input", b.Input().ID())
}

func TestBufferSkip(t *testing.T) {
	var c xfCollect
	b, in, out := xfBufferGraph(t, xfFormat, xfRampTracks(1000), &onair.BufferOptions{Prebuffer: 100 * time.Millisecond, Max: time.Second}, c.send)
	for range 10 {
		in.Tick()
		out.Tick()
	}
	b.Node().Skip()
	for range 10 {
		in.Tick()
		out.Tick()
	}
	assert.Equal(t, []string{"t0", "t1"}, c.titles(), "the next track follows the skip")
}

// FuzzBuffer drives a buffer between two manual clocks with random sizes
// and tick patterns and checks that data is only ever dropped, never
// reordered or invented, and that marks and metadata stay with it.
func FuzzBuffer(f *testing.F) {
	f.Add(uint8(5), uint8(10), uint16(137), []byte{0, 0, 0, 0, 0, 2, 2, 2, 2, 2, 2, 2, 1})
	f.Add(uint8(1), uint8(2), uint16(7), []byte{0, 1, 0, 1, 0, 0, 0, 0, 2, 2, 2, 1, 1})
	f.Add(uint8(20), uint8(25), uint16(1000), []byte{3, 3, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2})
	f.Fuzz(func(t *testing.T, pre, extra uint8, trackLen uint16, ops []byte) {
		prebuf := time.Duration(pre%50+1) * 10 * time.Millisecond
		maxLen := prebuf + time.Duration(extra%50+1)*10*time.Millisecond
		n := int(trackLen%2000) + 1
		var c xfCollect
		b, in, out := xfBufferGraph(t, xfFormat, xfRampTracks(n), &onair.BufferOptions{Prebuffer: prebuf, Max: maxLen}, c.send)
		ins := 0
		for _, op := range ops[:min(len(ops), 3000)] {
			switch op % 4 {
			case 0, 3:
				in.Tick()
				ins++
			}
			if op%4 >= 2 {
				out.Tick()
			}
			st := b.Stats()
			require.LessOrEqual(t, st.Buffered, max(maxLen, prebuf+20*time.Millisecond))
		}
		st := b.Stats()
		ms := func(d time.Duration) int { return int(d / time.Millisecond) }
		require.Equal(t, ins*20, len(c.audio)+ms(st.Buffered)+ms(st.Dropped), "every sample is played, buffered or dropped")
		marks := map[int]bool{}
		for _, m := range c.marks {
			marks[m] = true
		}
		for i, v := range c.audio {
			g := int(v)
			jump := i == 0 && g != 0 || i > 0 && g != int(c.audio[i-1])+1
			if i > 0 {
				require.Greater(t, g, int(c.audio[i-1]), "samples keep their order")
			}
			if g%n == 0 {
				require.True(t, marks[i], "the mark of the track starting at input %d is at output %d", g, i)
			} else if !jump {
				require.False(t, marks[i], "no mark inside a track at output %d", i)
			}
		}
		last := map[int]string{}
		for _, m := range c.meta {
			last[m.pos] = m.m["title"]
		}
		for p, title := range last {
			require.Equal(t, "t"+strconv.Itoa(int(c.audio[p])/n), title, "metadata at output %d", p)
		}
	})
}

// TestBufferConcurrentClocks ticks the two sides on goroutines of their
// own, as two running clocks do (run it with -race).
func TestBufferConcurrentClocks(t *testing.T) {
	var c xfCollect
	b, in, out := xfBufferGraph(t, xfFormat, xfRampTracks(333), &onair.BufferOptions{Prebuffer: 60 * time.Millisecond, Max: 300 * time.Millisecond}, c.send)
	var wg sync.WaitGroup
	wg.Go(func() {
		for range 3000 {
			in.Tick()
		}
	})
	wg.Go(func() {
		for range 3000 {
			out.Tick()
		}
	})
	wg.Go(func() {
		for range 3000 {
			_ = b.Stats()
		}
	})
	wg.Wait()
	st := b.Stats()
	ms := func(d time.Duration) int { return int(d / time.Millisecond) }
	require.Equal(t, 3000*20, len(c.audio)+ms(st.Buffered)+ms(st.Dropped), "every sample is played, buffered or dropped")
	for i := 1; i < len(c.audio); i++ {
		require.Greater(t, c.audio[i], c.audio[i-1], "samples keep their order")
	}
}
