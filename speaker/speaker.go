package speaker

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/onair-go/onair"
)

// SyncName is the synchronisation device a speaker declares on its clock
// (see [onair.NodeOptions.Sync]); it appears in [onair.ClockStatus.Sync]
// and in [onair.SyncConflictError].
const SyncName = "sound device"

// Options configure a speaker [Output]. A nil *Options or a zero Options
// means all defaults.
type Options struct {
	// ID names the output in logs and errors. It defaults to "speaker";
	// the node that feeds the device is named ID+".device".
	ID string
	// Clock is the clock the device paces. It defaults to a new real-time
	// clock named after ID, so that the output and every source connected
	// to it follow the sound card (the device clock). Pass the graph's
	// main clock to let the sound card pace everything in it instead. Any
	// kind of clock works; the Tick of a manual clock then blocks while
	// the device has no room.
	// Sources pinned to another clock must reach the speaker through an
	// [onair.Buffer]; otherwise the graph fails to start with an
	// [onair.ClockConflictError], and two speakers in one clock fail with
	// an [onair.SyncConflictError].
	Clock *onair.Clock
	// Latency is how much audio the output queues for the device ahead of
	// playback, rounded up to whole frames (one at least). The device adds
	// its own buffer on top (oto: about 2048 samples). It defaults to
	// 100ms.
	Latency time.Duration
	// StallTimeout is how long the device may take no audio, while the
	// output waits for room, before it counts as failed ([ErrStalled]).
	// It also bounds how long a cancelled [onair.Graph.Run] waits for a
	// device that stopped taking audio. It defaults to 2s.
	StallTimeout time.Duration
	// Fallible accepts a fallible source: while it is not ready, or
	// produces less than a frame, the speaker plays silence so that the
	// device keeps pacing the clock. By default New refuses a fallible
	// source with an [onair.FallibleError].
	Fallible bool
	// Open opens the device when the graph starts. It defaults to
	// [Default], the default sound device through oto.
	Open OpenFunc
	// OnError is called once, on the clock goroutine, when the device
	// fails while playing (an ALSA error, [ErrStalled]). Pass the cancel
	// function of a [context.WithCancelCause] context given to
	// [onair.Graph.Run] to make Run return the device error.
	OnError func(err error)
	// Logger receives the output's logs (underruns, device failures). It
	// defaults to discarding them.
	Logger *slog.Logger
}

// Output plays the main audio track of its source on a sound device,
// and lets the device pace its clock: each tick waits until the device
// has taken enough audio from the output's queue (of [Options.Latency])
// to make room for the tick's frame. The speaker is the clock's
// synchronisation source, so the clock does not follow the wall clock
// while the device plays.
//
// The device is opened when the graph starts: a missing sound card or an
// ALSA error makes [onair.Graph.Start] and [onair.Graph.Run] return the
// error. When the device fails later, or stalls for
// [Options.StallTimeout], or when Close is called while the graph runs,
// the output logs it once, calls [Options.OnError], stops playing, and
// keeps its clock at real time by the wall clock so that the other
// outputs of the clock neither stop nor race; [Output.Err] then returns
// the failure.
//
// Add an Output to a graph with [onair.Graph.Add]. Stats, Err and Close
// are safe to call from any goroutine.
type Output struct {
	out   *onair.Output
	dev   *onair.Node
	clock *onair.Clock
	p     *player
}

// New returns a speaker output that plays src. opts may be nil. It
// returns an error wrapping [onair.ErrInvalidOption] for invalid options
// and an [onair.FallibleError] for a fallible src unless
// [Options.Fallible] is set.
func New(src onair.Source, opts *Options) (*Output, error) {
	if src == nil {
		return nil, fmt.Errorf("%w: speaker of a nil source", onair.ErrInvalidOption)
	}
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.ID == "" {
		o.ID = "speaker"
	}
	switch {
	case o.Latency < 0:
		return nil, fmt.Errorf("%w: speaker %q: negative latency %v", onair.ErrInvalidOption, o.ID, o.Latency)
	case o.StallTimeout < 0:
		return nil, fmt.Errorf("%w: speaker %q: negative stall timeout %v", onair.ErrInvalidOption, o.ID, o.StallTimeout)
	}
	if o.Latency == 0 {
		o.Latency = 100 * time.Millisecond
	}
	if o.StallTimeout == 0 {
		o.StallTimeout = 2 * time.Second
	}
	if o.Open == nil {
		o.Open = Default
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Clock == nil {
		o.Clock = onair.NewClock(o.ID, nil)
	}
	if sn := src.Node(); sn.Fallible() && !o.Fallible {
		fe := &onair.FallibleError{Output: o.ID, Source: sn.ID()}
		return nil, fmt.Errorf("%w (for a speaker, set speaker.Options.Fallible to play silence meanwhile)", fe)
	}
	p := &player{id: o.ID, src: src, opts: o, log: o.Logger}
	dev := onair.NewNode(feed{p}, &onair.NodeOptions{ID: o.ID + ".device", Children: []onair.Source{src}, Sync: SyncName})
	out := onair.NewOutput(dev, sender{p}, &onair.OutputOptions{ID: o.ID})
	onair.Assign(o.Clock, out)
	return &Output{out: out, dev: dev, clock: o.Clock, p: p}, nil
}

// Node returns the output's graph node, so that an *Output is an
// [onair.Source] that [onair.Graph.Add] accepts.
func (o *Output) Node() *onair.Node { return o.out.Node() }

// ID returns the output's ID.
func (o *Output) ID() string { return o.out.ID() }

// Clock returns the clock the device paces.
func (o *Output) Clock() *onair.Clock { return o.clock }

// Source returns the source the output plays.
func (o *Output) Source() onair.Source { return o.p.src }

// Err returns the device failure that stopped playback, or nil.
func (o *Output) Err() error { return o.p.failure() }

// Close stops playback: it drops the queued audio, releases the device
// and wakes a tick that waits for the device. While the graph runs, the
// output then keeps its clock at real time (see [Output]). The graph's
// Close calls it. Close is idempotent and returns the device's Close
// error, if any.
func (o *Output) Close() error { return o.p.close() }

// Stats describes a speaker at one moment. Sample counts are per channel,
// in samples of the graph's rate.
type Stats struct {
	// Written is the audio the output queued for the device; Consumed
	// the audio the device took from the queue (it may still hold some in
	// its own buffer); Buffered the audio queued now.
	Written, Consumed int64
	Buffered          int
	// Underruns counts the times the device found the queue empty (it
	// plays silence meanwhile); each run of empty reads counts once.
	Underruns int64
	// Silence is the silence the output played because its source had no
	// audio (not ready, or a frame shorter than the frame size).
	Silence int64
}

// Stats returns the output's counters.
func (o *Output) Stats() Stats { return o.p.stats() }
