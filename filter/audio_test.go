package filter_test

import (
	"testing"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/filter"
	"github.com/onair-go/onair/onairtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func newAudio(t *testing.T, src onair.Source, desc string, opts *filter.Options) *filter.Audio {
	t.Helper()
	a, err := filter.NewAudio(src, desc, opts)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, a.Close()) })
	return a
}

// TestVolumeHalves: volume=0.5 halves every sample exactly, on every
// channel, and plays as many samples as it gets.
func TestVolumeHalves(t *testing.T) {
	a := newAudio(t, onairtest.Counter("in"), "volume=0.5", nil)
	c := onairtest.Collect(t, a, 100, nil)
	require.Len(t, c.Audio[0], 100*882)
	for ch := range c.Audio {
		for i, v := range c.Audio[ch] {
			if v != float32(i)/2 {
				t.Fatalf("channel %d sample %d = %v, want %v", ch, i, v, float32(i)/2)
			}
		}
	}
	assert.Zero(t, a.Padding())
}

// TestDelayFilterKeepsTimeline: a filter that delays its content (adelay)
// plays its own silence; the tracks keep their lengths and the marks and
// metadata their positions.
func TestDelayFilterKeepsTimeline(t *testing.T) {
	ref := onairtest.Collect(t, onairtest.Tracks("ref", 5000, 7000, 9000), 40, nil)
	a := newAudio(t, onairtest.Tracks("in", 5000, 7000, 9000), "adelay=delays=300S:all=1", nil)
	c := onairtest.Collect(t, a, 40, nil)
	// The graph's closing drains what adelay still holds.
	require.GreaterOrEqual(t, len(c.Audio[0]), 21000)
	assert.Equal(t, ref.Marks, c.Marks)
	assert.Equal(t, ref.Metadata, c.Metadata)
	for i, v := range c.Audio[1][:21000] {
		want := float32(i - 300)
		if i < 300 {
			want = 0
		}
		if v != want {
			t.Fatalf("sample %d = %v, want %v", i, v, want)
		}
	}
}

// TestLatencyNoDrift: a filter that holds samples back (asetnsamples
// regroups them in blocks of 1000) delays the stream: the operator plays
// silence when the filter has not given enough, so the delay is at most
// what the filter holds at once (999 samples here, over the 500 ticks it
// takes 882-sample frames and 1000-sample blocks to meet in every phase),
// and every sample comes out exactly once, in order.
func TestLatencyNoDrift(t *testing.T) {
	a := newAudio(t, onairtest.Counter("in"), "asetnsamples=n=1000", nil)
	const ticks = 1500
	c := onairtest.Collect(t, a, ticks, nil)
	d := a.Padding()
	require.Positive(t, d)
	assert.Less(t, d, int64(1000), "the delay grew past what the filter holds")
	require.GreaterOrEqual(t, len(c.Audio[0]), ticks*882)
	next, zeros := 0, 0
	for i, v := range c.Audio[0][:ticks*882] {
		if v == 0 && next != 0 {
			zeros++
			continue
		}
		if v != float32(next) {
			t.Fatalf("sample %d = %v, want %v", i, v, next)
		}
		next++
	}
	assert.Equal(t, d, int64(zeros), "silence played")
}

// TestFlushAtTracks: with FlushAtTracks every track's filtered samples
// are played before its end mark, in order, with silence where the filter
// held samples back, and nothing of a track (asetnsamples pads its last
// block with zeros at the end of stream) reaches the next.
func TestFlushAtTracks(t *testing.T) {
	// 1764 ends on a frame boundary: the mark is at the end of a frame.
	lengths := []int{1764, 1000, 3000, 2500, 4410, 882, 7000}
	a := newAudio(t, onairtest.Tracks("in", lengths...), "asetnsamples=n=1000", &filter.Options{FlushAtTracks: true})
	c := onairtest.Collect(t, a, 60, nil)
	require.Len(t, c.Marks, len(lengths))
	ends := append(c.Marks[1:], len(c.Audio[0]))
	first, total := 0, 0
	for k, n := range lengths {
		tr := c.Audio[0][c.Marks[k]:ends[k]]
		total += len(tr)
		next := first
		for i, v := range tr {
			if v == 0 && next != 0 {
				continue // silence: the filter's delay
			}
			if v != float32(next) {
				t.Fatalf("track %d sample %d = %v, want %v", k, i, v, next)
			}
			next++
		}
		require.Equalf(t, first+n, next, "track %d has the samples %d to %d, want to %d", k, first, next, first+n)
		first += n
	}
	assert.Equal(t, int64(total-first), a.Padding())
}

// TestAudioConformance runs the operator through onairtest's contract
// checks, with and without flushing.
func TestAudioConformance(t *testing.T) {
	for _, o := range []*filter.Options{nil, {FlushAtTracks: true}} {
		onairtest.TestSource(t, func() onair.Source {
			a, err := filter.NewAudio(onairtest.Stutter(onairtest.Tracks("in", 1000, 3000, 20000)), "asetnsamples=n=1000,volume=0.5", o)
			require.NoError(t, err)
			return a
		})
	}
}

// TestAudioAllocations: once warm, a tick through the audio operator
// allocates nothing in Go (the filter graph's own buffers are FFmpeg's).
func TestAudioAllocations(t *testing.T) {
	a := newAudio(t, onair.Sine(440, nil), "volume=0.5,aecho=0.8:0.9:40:0.3", nil)
	_, clock := onairtest.StartGraph(t, nil, onair.Sink(a, nil, nil))
	for range 100 {
		clock.Tick()
	}
	if n := testing.AllocsPerRun(200, clock.Tick); n != 0 {
		t.Fatalf("a tick allocates %v times", n)
	}
}
