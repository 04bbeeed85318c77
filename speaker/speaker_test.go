package speaker_test

import (
	"errors"
	"io"
	"testing"
	"testing/synctest"
	"time"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/internal/logtest"
	"github.com/onair-go/onair/onairtest"
	"github.com/onair-go/onair/speaker"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The device paces the clock: the clock fills the queue (the latency,
// in whole frames), starts the device, and then runs one tick per frame
// the device takes, never by the wall clock.
func TestPacing(t *testing.T) {
	cases := []struct {
		name    string
		latency time.Duration
		frames  int // queue capacity in frames
	}{
		{"default 100ms", 0, 5},
		{"30ms rounds up", 30 * time.Millisecond, 2},
		{"below a frame", time.Millisecond, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				start := time.Now()
				r := startRig(t, onairtest.Counter("counter"), &speaker.Options{Latency: tc.latency})
				synctest.Wait()
				clk := r.spk.Clock()
				q := tc.frames * frameSize
				plays, _ := r.dev.counts()
				require.Equal(t, 1, plays, "the device starts once the queue is full")
				assert.Equal(t, speaker.DeviceConfig{SampleRate: 1000, Channels: 2}, r.dev.cfg)
				assert.Equal(t, uint64(tc.frames+1), clk.Ticks(), "queue full, one tick waiting for the device")
				assert.Equal(t, speaker.Stats{Written: int64(q), Buffered: q}, r.spk.Stats())

				next := 0 // next counter value the device must get
				for k := 1; k <= 10; k++ {
					got := r.dev.consume(t, frameSize)
					require.Equal(t, [][]float32{ramp(next, frameSize), ramp(next, frameSize)}, got, "frame %d in order on both channels", k)
					next += frameSize
					synctest.Wait()
					require.Equal(t, uint64(tc.frames+1+k), clk.Ticks(), "one tick per frame consumed")
					require.Equal(t, int64(q+k*frameSize), r.spk.Stats().Written)
				}
				// Half a frame releases no tick; the other half does.
				ticks := clk.Ticks()
				r.dev.consume(t, frameSize/2)
				synctest.Wait()
				assert.Equal(t, ticks, clk.Ticks(), "a tick waits for a whole frame of room")
				r.dev.consume(t, frameSize/2)
				synctest.Wait()
				assert.Equal(t, ticks+1, clk.Ticks())

				assert.Zero(t, time.Since(start), "no tick waited on the wall clock")
				st := clk.Status()
				assert.Equal(t, "speaker.device (sound device)", st.Sync)
				assert.Equal(t, "speaker", st.Name)
				assert.Equal(t, onair.RealTime, st.Kind)

				require.ErrorIs(t, r.stop(t), errDone)
				s := r.spk.Stats()
				assert.Equal(t, int64(clk.Ticks()-1)*frameSize, s.Written, "every tick but the one cut by Close queued a frame")
				assert.Equal(t, int64(next+frameSize), s.Consumed)
				assert.Zero(t, s.Underruns)
				assert.Zero(t, s.Silence)
				plays, closes := r.dev.counts()
				assert.Equal(t, 1, plays)
				assert.Equal(t, 1, closes, "the device is closed once")
				assert.NoError(t, r.spk.Err(), "Close is not a device failure")
			})
		})
	}
}

// Close wakes the tick that waits for the device at once and is
// idempotent; the clock then keeps real time by the wall clock without
// playing, until the graph stops.
func TestCloseWhileWaiting(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := startRig(t, onairtest.Counter("counter"), nil)
		synctest.Wait()
		clk := r.spk.Clock()
		require.Equal(t, uint64(6), clk.Ticks())
		closedAt := time.Now()
		require.NoError(t, r.spk.Close())
		require.NoError(t, r.spk.Close(), "second Close")
		synctest.Wait()
		assert.Zero(t, time.Since(closedAt))
		_, closes := r.dev.counts()
		assert.Equal(t, 1, closes)
		assert.Equal(t, int64(100), r.spk.Stats().Written)

		// The waiting tick 6 returned and sleeps one frame; tick 6+k starts
		// k frames after Close.
		time.Sleep(990 * time.Millisecond)
		synctest.Wait()
		assert.Equal(t, uint64(6+49), clk.Ticks(), "one tick per frame of wall time")
		assert.Equal(t, int64(100), r.spk.Stats().Written, "nothing is queued after Close")
		assert.Empty(t, r.logs.Find("speaker: sound device failed; the output keeps its clock at real time without playing"))

		r.cancel(errDone)
		require.ErrorIs(t, r.wait(), errDone)
		assert.LessOrEqual(t, time.Since(closedAt), time.Second, "Run returned within a frame of the cancel")
		_, closes = r.dev.counts()
		assert.Equal(t, 1, closes, "the graph's Close does not close the device again")
	})
}

// gate is a counter source that produces one frame per value sent on
// permits and ends when permits is closed.
func gate(permits chan struct{}) *onair.Node {
	n := 0
	return onair.NewNode(onair.GeneratorFunc(func(f *onair.Frame) error {
		if _, ok := <-permits; !ok {
			return io.EOF
		}
		k := f.Len()
		f.Extend(f.Free())
		for _, ch := range f.Audio() {
			for i := k; i < f.Len(); i++ {
				ch[i] = float32(n + i - k)
			}
		}
		n += f.Len() - k
		return nil
	}), &onair.NodeOptions{ID: "gate"})
}

// When the source is slower than the device, the device finds the queue
// empty: each run of empty reads counts as one underrun, and the log says
// so at most once a second.
func TestUnderrun(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		permits := make(chan struct{}, 100)
		for range 5 {
			permits <- struct{}{}
		}
		r := startRig(t, gate(permits), nil)
		synctest.Wait()
		require.Equal(t, int64(100), r.spk.Stats().Written, "5 frames queued, the 6th tick waits for the source")
		require.Len(t, r.dev.consume(t, 1000)[0], 100)
		assert.Nil(t, r.dev.consume(t, frameSize), "empty queue")
		assert.Nil(t, r.dev.consume(t, frameSize), "still empty: the same underrun")
		assert.Equal(t, int64(1), r.spk.Stats().Underruns)
		warn := "speaker underrun: the sound device found no audio queued and plays silence"
		require.Len(t, r.logs.Find(warn), 1)
		assert.Equal(t, "1", logtest.Attr(r.logs.Find(warn)[0], "underruns").String())

		underrun := func() {
			t.Helper()
			permits <- struct{}{}
			synctest.Wait()
			require.Len(t, r.dev.consume(t, 1000)[0], frameSize)
			require.Nil(t, r.dev.consume(t, frameSize))
		}
		underrun()
		assert.Equal(t, int64(2), r.spk.Stats().Underruns, "a write ends an underrun; the next empty read starts another")
		assert.Len(t, r.logs.Find(warn), 1, "logged at most once a second")
		time.Sleep(time.Second)
		underrun()
		assert.Equal(t, int64(3), r.spk.Stats().Underruns)
		require.Len(t, r.logs.Find(warn), 2)
		assert.Equal(t, "3", logtest.Attr(r.logs.Find(warn)[1], "underruns").String())
		assert.Zero(t, r.spk.Stats().Silence, "underruns happen in the device, not in the graph")

		r.cancel(errDone)
		close(permits)
		require.ErrorIs(t, r.wait(), errDone)
	})
}

// A device that fails, or stalls, while playing stops the output after
// the stall timeout: the failure is logged, passed to OnError (here the
// graph's cancel, so Run returns it) and kept in Err.
func TestDeviceFailure(t *testing.T) {
	errBoom := errors.New("ALSA: device unplugged")
	cases := []struct {
		name   string
		devErr error
		want   error
	}{
		{"device error", errBoom, errBoom},
		{"stall", nil, speaker.ErrStalled},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r := startRig(t, onairtest.Counter("counter"), &speaker.Options{StallTimeout: 3 * time.Second})
				synctest.Wait()
				r.dev.consume(t, 3*frameSize)
				synctest.Wait()
				start := time.Now()
				if tc.devErr != nil {
					r.dev.fail(tc.devErr)
				}
				err := r.wait()
				require.ErrorIs(t, err, tc.want, "Run returns the device failure through OnError")
				assert.Equal(t, 3*time.Second+20*time.Millisecond, time.Since(start), "found at the stall timeout, then one frame of wall time")
				require.ErrorIs(t, r.spk.Err(), tc.want)
				failed := r.logs.Find("speaker: sound device failed; the output keeps its clock at real time without playing")
				require.Len(t, failed, 1)
				assert.Contains(t, logtest.Attr(failed[0], "err").String(), tc.want.Error())
				_, closes := r.dev.counts()
				assert.Equal(t, 1, closes)
				s := r.spk.Stats()
				assert.Equal(t, int64(160), s.Written, "5 frames, then 3 more for the 3 consumed")
				assert.Equal(t, int64(60), s.Consumed)
				assert.NoError(t, r.spk.Close())
			})
		})
	}
}

// A device that cannot start playing is a failure too.
func TestPlayError(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		errNoPlay := errors.New("cannot play")
		dev := &fakeDevice{playErr: errNoPlay}
		var got []error
		spk, err := speaker.New(onairtest.Counter("counter"), &speaker.Options{
			Open:    func(speaker.DeviceConfig) (speaker.Device, error) { return dev, nil },
			OnError: func(err error) { got = append(got, err) },
		})
		require.NoError(t, err)
		g, err := onair.NewGraph(&onair.GraphOptions{Format: testFormat})
		require.NoError(t, err)
		require.NoError(t, g.Add(spk))
		require.NoError(t, g.Start())
		for range 5 {
			spk.Clock().Tick()
		}
		require.Len(t, got, 1)
		assert.ErrorIs(t, got[0], errNoPlay)
		assert.Contains(t, got[0].Error(), "start playback")
		assert.ErrorIs(t, spk.Err(), errNoPlay)
		require.NoError(t, g.Close())
	})
}

// A device that cannot be opened makes the graph's Start and Run fail
// with an error that names the output and wraps the device's error.
func TestOpenError(t *testing.T) {
	errNoCard := errors.New(`ALSA error at snd_pcm_open: "default": No such file or directory`)
	open := func(speaker.DeviceConfig) (speaker.Device, error) { return nil, errNoCard }
	spk, err := speaker.New(onair.Sine(440, nil), &speaker.Options{ID: "monitor", Open: open})
	require.NoError(t, err)
	g, err := onair.NewGraph(&onair.GraphOptions{Format: testFormat})
	require.NoError(t, err)
	require.NoError(t, g.Add(spk))
	err = g.Run(t.Context())
	require.ErrorIs(t, err, errNoCard)
	var se *onair.SourceError
	require.ErrorAs(t, err, &se)
	assert.Equal(t, "monitor.device", se.Source)
	assert.Contains(t, err.Error(), "open sound device")
}
