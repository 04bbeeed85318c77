package onair_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/onairtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// avLoop is an endless avSource of 137-sample tracks with an extra audio
// track and a packet every 7 samples.
func avLoop() *avSource {
	return newAV(&onairtest.Script{ID: "av", Loop: true, Segments: []onairtest.Segment{{Len: 137}}}, true, 7)
}

func checkConsecutive(t *testing.T, ids []int) {
	t.Helper()
	for i, k := range ids {
		require.Equal(t, i, k, "picture %d: none dropped", i)
	}
}

func TestBufferCarriesEveryTrack(t *testing.T) {
	t.Run("frames", func(t *testing.T) {
		var c avCollect
		src := avLoop()
		_, in, out := xfBufferGraph(t, avFormat, src.node(), &onair.BufferOptions{Prebuffer: 100 * time.Millisecond, Max: time.Second}, c.send)
		for range 200 {
			in.Tick()
			out.Tick()
		}
		require.Equal(t, 196*20, len(c.audio), "the prebuffer, less a frame, stays in the buffer")
		checkGrid(t, &c, 0)
		checkConsecutive(t, checkWithAudio(t, &c, src))
		checkAux(t, &c)
		checkPackets(t, &c, src)
		for i, m := range c.marks {
			require.Equal(t, i*137, m, "mark %d", i)
		}
	})
	t.Run("short input frames", func(t *testing.T) {
		// The source makes 13 samples a tick: its streams change in the
		// middle of the frames the buffer plays, which end there.
		var c avCollect
		src := newAV(&onairtest.Script{ID: "av", Loop: true, MaxPerTick: 13, Segments: []onairtest.Segment{{Len: 137}}}, true, 2)
		b, in, out := xfBufferGraph(t, avFormat, src.node(), &onair.BufferOptions{Prebuffer: 100 * time.Millisecond, Max: 2 * time.Second}, c.send)
		for range 200 {
			for range 3 {
				in.Tick()
			}
			out.Tick()
			out.Tick()
		}
		require.Zero(t, b.Stats().Overflows, "%+v", b.Stats())
		checkGrid(t, &c, 0)
		checkConsecutive(t, checkWithAudio(t, &c, src))
		checkAux(t, &c)
		checkPackets(t, &c, src)
	})
}

func TestBufferVideoUnderflow(t *testing.T) {
	var c avCollect
	src := avLoop()
	b, in, out := xfBufferGraph(t, avFormat, src.node(), &onair.BufferOptions{Prebuffer: 100 * time.Millisecond, Max: time.Second}, c.send)
	// The consumer's clock runs twice as fast as the source's: the buffer
	// empties again and again, and each time its output stops, without
	// a gap or a repeat in what it did play.
	for range 60 {
		in.Tick()
		out.Tick()
		out.Tick()
	}
	st := b.Stats()
	require.GreaterOrEqual(t, st.Underflows, 3)
	require.Equal(t, 60*20, len(c.audio)+int(st.Buffered/time.Millisecond))
	checkGrid(t, &c, 0)
	checkConsecutive(t, checkWithAudio(t, &c, src))
	checkAux(t, &c)
	checkPackets(t, &c, src)
}

func TestBufferVideoOverflow(t *testing.T) {
	var c avCollect
	var logs bytes.Buffer
	src := avLoop()
	b, in, out := xfBufferGraph(t, avFormat, src.node(), &onair.BufferOptions{Prebuffer: 100 * time.Millisecond, Max: 250 * time.Millisecond, Logger: xfLogger(&logs)}, c.send)
	ins := 0
	tickIn := func(n int) {
		for range n {
			in.Tick()
			ins++
		}
	}
	tickIn(31)
	for range 10 {
		out.Tick()
	}
	for range 20 {
		tickIn(1)
		out.Tick()
	}
	tickIn(23)
	for range 5 {
		out.Tick()
	}
	for range 40 {
		tickIn(1)
		out.Tick()
	}
	st := b.Stats()
	require.GreaterOrEqual(t, st.Overflows, 2, "two overflow episodes")
	assert.Equal(t, 2, bytes.Count(logs.Bytes(), []byte("buffer overrun")))
	ms := func(d time.Duration) int { return int(d / time.Millisecond) }
	require.Equal(t, ins*20, len(c.audio)+ms(st.Buffered)+ms(st.Dropped), "every sample is played, buffered or dropped")
	require.Zero(t, ms(st.Dropped)%avSlot, "whole picture intervals dropped (%v)", st.Dropped)
	require.LessOrEqual(t, st.Buffered, 250*time.Millisecond)
	// The pictures kept stay on the grid of the output: one per interval,
	// each with its audio; only whole intervals are missing, where the
	// data was dropped.
	checkGrid(t, &c, 0)
	ids := checkWithAudio(t, &c, src)
	gaps := 0
	for i := 1; i < len(ids); i++ {
		if ids[i] != ids[i-1]+1 {
			gaps++
		}
	}
	assert.Positive(t, ids[0], "the oldest pictures were dropped")
	assert.Equal(t, 1, gaps, "the second overflow drops data the consumer has not reached: %v", ids)
	checkAux(t, &c)
	checkPackets(t, &c, src)
}

// TestBufferVideoTrackAppears checks a track that the source adds later:
// it is silent (audio) or empty before, and carried from then on.
func TestBufferTrackAppears(t *testing.T) {
	var c avCollect
	src := avLoop()
	src.aux = false
	_, in, out := xfBufferGraph(t, avFormat, src.node(), &onair.BufferOptions{Prebuffer: 60 * time.Millisecond, Max: time.Second}, c.send)
	for i := range 60 {
		if i == 20 {
			src.aux = true
		}
		in.Tick()
		out.Tick()
	}
	require.Equal(t, len(c.audio), len(c.aux))
	for i, v := range c.audio {
		if v < 400 {
			require.Zero(t, c.aux[i], "audio_2 before it exists: silence at %d", i)
		} else {
			require.Equal(t, -v-1, c.aux[i], "audio_2 at %d", i)
		}
	}
}

// FuzzBufferVideo drives a buffer carrying video, an extra audio track
// and packets between two manual clocks with random tick patterns, short
// input frames and sizes, and checks that every track stays with its
// audio and that pictures stay one per interval, from the first to the
// last one played.
func FuzzBufferVideo(f *testing.F) {
	f.Add(uint8(5), uint8(10), uint16(137), uint8(0), []byte{0, 0, 0, 0, 0, 2, 2, 2, 2, 2, 2, 2, 1})
	f.Add(uint8(1), uint8(12), uint16(61), uint8(13), []byte{0, 1, 0, 1, 0, 0, 0, 0, 2, 2, 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0})
	f.Add(uint8(20), uint8(25), uint16(1000), uint8(7), []byte{3, 3, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2})
	f.Fuzz(func(t *testing.T, pre, extra uint8, trackLen uint16, perTick uint8, ops []byte) {
		prebuf := time.Duration(pre%50+1) * 10 * time.Millisecond
		// Max is at least two intervals and a frame above the prebuffer:
		// room to drop whole intervals.
		maxLen := prebuf + time.Duration(extra%50+8)*10*time.Millisecond
		var c avCollect
		src := newAV(&onairtest.Script{ID: "av", Loop: true, MaxPerTick: int(perTick % 21), Segments: []onairtest.Segment{{Len: int(trackLen%2000) + 1}}}, true, 4)
		b, in, out := xfBufferGraph(t, avFormat, src.node(), &onair.BufferOptions{Prebuffer: prebuf, Max: maxLen}, c.send)
		for _, op := range ops[:min(len(ops), 3000)] {
			switch op % 4 {
			case 0, 3:
				in.Tick()
			}
			if op%4 >= 2 {
				out.Tick()
			}
			require.LessOrEqual(t, b.Stats().Buffered, maxLen)
		}
		checkGrid(t, &c, 0)
		checkWithAudio(t, &c, src)
		checkAux(t, &c)
		next := 0
		for pos, v := range c.audio {
			if int(v)%4 == 0 {
				require.Less(t, next, len(c.pkts))
				require.Equal(t, avPkt{pos, int64(v), src.streams[int64(v)]}, c.pkts[next], "packet %d", next)
				next++
			}
		}
		require.Equal(t, next, len(c.pkts))
	})
}
