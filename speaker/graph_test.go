package speaker_test

import (
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/onairtest"
	"github.com/onair-go/onair/speaker"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// noOpen is an OpenFunc for graphs that must fail before any device opens.
func noOpen(t *testing.T) speaker.OpenFunc {
	return func(speaker.DeviceConfig) (speaker.Device, error) {
		t.Error("the device was opened")
		return nil, errors.New("unexpected open")
	}
}

// A source shared by the speaker (device clock) and an output pinned to a
// real-time clock belongs to two clocks: the graph does not start, and
// the error says to put onair.Buffer between them.
func TestRealTimeClockNeedsBuffer(t *testing.T) {
	src := onair.Sine(440, &onair.GenOptions{ID: "tone"})
	main := onair.NewClock("main", nil)
	rec := onair.Sink(src, nil, &onair.OutputOptions{ID: "recorder"})
	onair.Assign(main, rec)
	spk, err := speaker.New(src, &speaker.Options{Open: noOpen(t)})
	require.NoError(t, err)
	g, err := onair.NewGraph(&onair.GraphOptions{Format: testFormat})
	require.NoError(t, err)
	require.NoError(t, g.Add(rec, spk))
	err = g.Start()
	var ce *onair.ClockConflictError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "tone", ce.Source)
	assert.ElementsMatch(t, []string{"main", "speaker"}, ce.Clocks[:])
	assert.Contains(t, err.Error(), `source "tone" cannot belong to two clocks`)
	assert.Contains(t, err.Error(), "connect the two clocks with onair.Buffer")
}

// Two speakers in one clock are two synchronisation sources.
func TestTwoSpeakersInOneClock(t *testing.T) {
	clk := onair.NewClock("shared", nil)
	a, err := speaker.New(onair.Sine(440, nil), &speaker.Options{ID: "left", Clock: clk, Open: noOpen(t)})
	require.NoError(t, err)
	b, err := speaker.New(onair.Sine(660, nil), &speaker.Options{ID: "right", Clock: clk, Open: noOpen(t)})
	require.NoError(t, err)
	g, err := onair.NewGraph(&onair.GraphOptions{Format: testFormat})
	require.NoError(t, err)
	require.NoError(t, g.Add(a, b))
	err = g.Start()
	var se *onair.SyncConflictError
	require.ErrorAs(t, err, &se)
	assert.Equal(t, "shared", se.Clock)
	assert.Equal(t, []string{"left.device (sound device)", "right.device (sound device)"}, se.Sources)
	assert.Contains(t, err.Error(), "connect them with onair.Buffer")
}

// With a Buffer in between, a real-time clock records the source while the
// device clock plays it: the speaker plays silence until the buffer has
// prebuffered, then every sample of the source, in order.
func TestBufferBetweenClocks(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		src := onairtest.Counter("counter")
		main := onair.NewClock("main", nil)
		rec := onair.Sink(src, nil, &onair.OutputOptions{ID: "recorder"})
		onair.Assign(main, rec)
		buf, err := onair.NewBuffer(src, &onair.BufferOptions{Prebuffer: 500 * time.Millisecond})
		require.NoError(t, err)
		r := startRig(t, buf, &speaker.Options{Fallible: true}, rec)
		synctest.Wait()
		clk := r.spk.Clock()
		require.Equal(t, uint64(6), clk.Ticks(), "the device clock filled its queue")
		got := r.dev.consume(t, 5*frameSize)
		assert.Equal(t, make([]float32, 5*frameSize), got[0], "silence while the buffer prebuffers")
		synctest.Wait()
		require.Equal(t, uint64(11), clk.Ticks(), "ticks 6-10 queued at once, tick 11 waits")
		assert.Equal(t, int64(11*frameSize), r.spk.Stats().Silence)

		time.Sleep(600 * time.Millisecond) // the main clock fills the buffer
		synctest.Wait()
		assert.Equal(t, uint64(11), clk.Ticks(), "the wall clock does not pace the device clock")
		assert.GreaterOrEqual(t, main.Ticks(), uint64(30))

		// Ticks 6-11 were computed at time 0 (silence); from tick 12 on
		// the buffer plays the counter.
		got = r.dev.consume(t, 5*frameSize)
		assert.Equal(t, make([]float32, 5*frameSize), got[0], "ticks 6-10")
		synctest.Wait()
		got = r.dev.consume(t, frameSize)
		assert.Equal(t, make([]float32, frameSize), got[0], "tick 11")
		next := 0
		for range 20 {
			synctest.Wait()
			got = r.dev.consume(t, frameSize)
			require.Equal(t, ramp(next, frameSize), got[0], "the buffered source, in order")
			require.Equal(t, ramp(next, frameSize), got[1])
			next += frameSize
		}
		assert.Equal(t, int64(11*frameSize), r.spk.Stats().Silence, "no silence once the buffer is ready")
		assert.Zero(t, buf.Stats().Underflows)
		assert.Equal(t, "speaker.device (sound device)", clk.Status().Sync)
		assert.Empty(t, main.Status().Sync)
		require.ErrorIs(t, r.stop(t), errDone)
	})
}

// A fallible source needs Options.Fallible; with it, the speaker plays
// silence while the source is not ready and pads short frames.
func TestFallibleSource(t *testing.T) {
	script := func() *onairtest.Source {
		return onairtest.NewSource(&onairtest.Script{
			ID: "live", Counter: true, Fallible: true, MaxPerTick: 15,
			Segments: []onairtest.Segment{{Len: 1 << 20}},
			Ready:    func(tick uint64) bool { return tick > 3 },
		})
	}
	_, err := speaker.New(script(), nil)
	var fe *onair.FallibleError
	require.ErrorAs(t, err, &fe)
	assert.Equal(t, "live", fe.Source)
	assert.Contains(t, err.Error(), "speaker.Options.Fallible")

	synctest.Test(t, func(t *testing.T) {
		r := startRig(t, script(), &speaker.Options{Fallible: true})
		synctest.Wait()
		got := r.dev.consume(t, 5*frameSize)[0]
		want := make([]float32, 5*frameSize) // ticks 1-3: not ready
		copy(want[60:], ramp(0, 15))         // tick 4: 15 samples then 5 of silence
		copy(want[80:], ramp(15, 15))
		assert.Equal(t, want, got)
		// The clock may already have run a tick or more past the five
		// frames consumed: every frame after tick 3 pads 5 samples (one
		// may be padded and not yet written when Stats is read).
		st := r.spk.Stats()
		ticks := st.Written / frameSize
		require.GreaterOrEqual(t, ticks, int64(5))
		pad := st.Silence - 3*frameSize
		assert.Zero(t, pad%5, "ticks 1-3, and 5 samples of each tick after them")
		assert.Contains(t, []int64{(ticks - 3) * 5, (ticks - 2) * 5}, pad, "5 samples of each tick after tick 3")
		require.ErrorIs(t, r.stop(t), errDone)
	})
}

// Formats and options the device cannot use are refused with clear errors.
func TestInvalid(t *testing.T) {
	_, err := speaker.New(nil, nil)
	require.ErrorIs(t, err, onair.ErrInvalidOption)
	_, err = speaker.New(onair.Sine(440, nil), &speaker.Options{Latency: -time.Second})
	require.ErrorIs(t, err, onair.ErrInvalidOption)
	assert.Contains(t, err.Error(), "negative latency")
	_, err = speaker.New(onair.Sine(440, nil), &speaker.Options{StallTimeout: -1})
	require.ErrorIs(t, err, onair.ErrInvalidOption)

	spk, err := speaker.New(onair.Sine(440, nil), &speaker.Options{Open: noOpen(t)})
	require.NoError(t, err)
	g, err := onair.NewGraph(&onair.GraphOptions{Format: onair.Format{Channels: 6}})
	require.NoError(t, err)
	require.NoError(t, g.Add(spk))
	err = g.Start()
	require.ErrorIs(t, err, speaker.ErrFormat)
	assert.Contains(t, err.Error(), "6 channels (the sound device plays mono or stereo)")

	_, err = speaker.Default(speaker.DeviceConfig{SampleRate: 44100, Channels: 3})
	require.ErrorIs(t, err, speaker.ErrFormat, "checked before any device is touched")
}
