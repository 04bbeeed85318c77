package speaker_test

import (
	"context"
	"encoding/binary"
	"errors"
	"io"
	"log/slog"
	"math"
	"sync"
	"testing"
	"time"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/internal/logtest"
	"github.com/onair-go/onair/speaker"
	"github.com/stretchr/testify/require"
)

// Tests run at 1000 Hz so that a 20ms frame is 20 samples.
var testFormat = onair.Format{SampleRate: 1000, Channels: 2, FrameDuration: 20 * time.Millisecond}

const frameSize = 20

// fakeDevice is a Device the test drives: it reads the output's queue
// only when the test calls consume.
type fakeDevice struct {
	mu      sync.Mutex
	cfg     speaker.DeviceConfig
	r       io.Reader
	plays   int
	closes  int
	err     error // returned by Err
	playErr error // returned by Play
}

func (d *fakeDevice) Play(r io.Reader) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.plays++
	if d.playErr != nil {
		return d.playErr
	}
	d.r = r
	return nil
}

func (d *fakeDevice) Err() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.err
}

func (d *fakeDevice) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.closes++
	return nil
}

func (d *fakeDevice) fail(err error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.err = err
}

func (d *fakeDevice) counts() (plays, closes int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.plays, d.closes
}

// consume reads up to n samples (of every channel) the way a sound card
// would, and returns them per channel. It returns nil when the queue is
// empty; it fails the test on io.EOF or a partial sample.
func (d *fakeDevice) consume(t *testing.T, n int) [][]float32 {
	t.Helper()
	d.mu.Lock()
	r, ch := d.r, d.cfg.Channels
	d.mu.Unlock()
	require.NotNil(t, r, "the output has not started the device")
	p := make([]byte, n*ch*4)
	k, err := r.Read(p)
	require.NoError(t, err)
	require.Zero(t, k%(ch*4), "the reader returned a partial sample")
	if k == 0 {
		return nil
	}
	out := make([][]float32, ch)
	for i := 0; i < k/4; i++ {
		v := math.Float32frombits(binary.LittleEndian.Uint32(p[4*i:]))
		out[i%ch] = append(out[i%ch], v)
	}
	return out
}

// rig is a running graph with one speaker on a fake device.
type rig struct {
	g      *onair.Graph
	spk    *speaker.Output
	dev    *fakeDevice
	opened int
	cancel context.CancelCauseFunc
	done   chan error
	runErr error // Run's error, once wait returned
	ended  bool
	logs   *logtest.Handler
}

// wait waits for Run to return and returns its error.
func (r *rig) wait() error {
	if !r.ended {
		r.runErr = <-r.done
		r.ended = true
	}
	return r.runErr
}

// errDone is the cause the tests cancel their graphs with.
var errDone = errors.New("test done")

// errRunaway ends a graph whose speaker clock ran runaway ticks: the
// device did not pace it.
var errRunaway = errors.New("the speaker clock ran away: the device does not pace it")

const runaway = 100000

// startRig builds a graph of src to a speaker on a fake device and runs it
// on a goroutine. opts may be nil; its Open and Logger are set here, and
// OnError, when nil, cancels the graph with the device error.
func startRig(t *testing.T, src onair.Source, opts *speaker.Options, more ...onair.Source) *rig {
	t.Helper()
	r := &rig{dev: &fakeDevice{}, logs: &logtest.Handler{}, done: make(chan error, 1)}
	var o speaker.Options
	if opts != nil {
		o = *opts
	}
	ctx, cancel := context.WithCancelCause(context.Background())
	r.cancel = cancel
	o.Logger = slog.New(r.logs)
	o.Open = func(cfg speaker.DeviceConfig) (speaker.Device, error) {
		r.opened++
		r.dev.mu.Lock()
		r.dev.cfg = cfg
		r.dev.mu.Unlock()
		return r.dev, nil
	}
	if o.OnError == nil {
		o.OnError = cancel
	}
	// A runaway guard in the speaker's clock: if the device stopped
	// pacing the clock, it would tick without blocking and synctest.Wait
	// would never return; the guard ends the graph instead.
	o.Clock = onair.NewClock("speaker", nil)
	ticks := 0
	guard := onair.Sink(onair.Blank(nil), func(*onair.Frame) error {
		if ticks++; ticks == runaway {
			cancel(errRunaway)
		}
		return nil
	}, &onair.OutputOptions{ID: "guard"})
	onair.Assign(o.Clock, guard)
	spk, err := speaker.New(src, &o)
	require.NoError(t, err)
	r.spk = spk
	r.g, err = onair.NewGraph(&onair.GraphOptions{Format: testFormat, Logger: slog.New(r.logs)})
	require.NoError(t, err)
	require.NoError(t, r.g.Add(append([]onair.Source{spk, guard}, more...)...))
	go func() { r.done <- r.g.Run(ctx) }()
	t.Cleanup(func() { // after a failed check, end the graph's goroutines
		r.cancel(errDone)
		_ = r.spk.Close()
		_ = r.wait()
	})
	return r
}

// stop cancels the graph and returns Run's error; the device must be able
// to let the waiting tick go (Close does).
func (r *rig) stop(t *testing.T) error {
	t.Helper()
	r.cancel(errDone)
	require.NoError(t, r.spk.Close())
	return r.wait()
}

// ramp returns want samples from..from+n-1, the counter values a device
// must receive in order.
func ramp(from, n int) []float32 {
	out := make([]float32, n)
	for i := range out {
		out[i] = float32(from + i)
	}
	return out
}
