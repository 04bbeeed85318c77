package loudness

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/onair-go/onair"
)

// ErrStalled is returned by [Analyze] when its source produced nothing
// for [AnalyzeOptions.StallTicks] ticks in a row without ending.
var ErrStalled = errors.New("loudness: source stalled")

// AnalyzeOptions configure [Analyze]. A nil *AnalyzeOptions is valid.
type AnalyzeOptions struct {
	// Format is the format the source is run in; zero fields take the
	// defaults of [onair.Format] (44.1 kHz stereo).
	Format onair.Format
	// Analyzer configures the measurement.
	Analyzer *Options
	// Autocue configures the cue points.
	Autocue *AutocueOptions
	// StallTicks is how many ticks in a row the source may produce
	// nothing before Analyze gives up with [ErrStalled]. It defaults to
	// 1000 (20 s of stream time with 20 ms frames). Sources that decode
	// on a helper goroutine should be run synchronously (decode's
	// FileOptions.Synchronous), or they stall at once.
	StallTicks int
}

// Analysis is the result of [Analyze]: the measurements of the whole
// source (Values.Duration is its length) and its cue points.
type Analysis struct {
	Values
	Cues Cues
}

// Analyze runs src on a manual clock of its own, as fast as it produces
// data, until it ends (io.EOF), and measures all of it. src must not be
// part of another graph. It returns ctx's error when ctx is done first, an
// error wrapping [ErrStalled] when src stops producing data without ending,
// and an error wrapping [onair.ErrInvalidOption] for bad options. opts may
// be nil.
func Analyze(ctx context.Context, src onair.Source, opts *AnalyzeOptions) (*Analysis, error) {
	var o AnalyzeOptions
	if opts != nil {
		o = *opts
	}
	if src == nil {
		return nil, fmt.Errorf("%w: loudness: analyze: nil source", onair.ErrInvalidOption)
	}
	if o.StallTicks < 0 {
		return nil, fmt.Errorf("%w: loudness: analyze: StallTicks %d", onair.ErrInvalidOption, o.StallTicks)
	}
	if o.StallTicks == 0 {
		o.StallTicks = 1000
	}
	format, err := o.Format.Normalize()
	if err != nil {
		return nil, fmt.Errorf("loudness: analyze: %w", err)
	}
	cueOpts, err := o.Autocue.check()
	if err != nil {
		return nil, err
	}
	a, err := NewAnalyzer(format.SampleRate, format.Channels, o.Analyzer)
	if err != nil {
		return nil, err
	}
	var subs []float64
	a.onSub = func(e float64) { subs = append(subs, e) }
	clk := onair.NewClock("analyze", &onair.ClockOptions{Kind: onair.Manual})
	g, err := onair.NewGraph(&onair.GraphOptions{Format: format, Clock: clk, SyncCallbacks: true})
	if err != nil {
		return nil, err
	}
	defer g.Close()
	got := 0
	out := onair.Sink(src, func(f *onair.Frame) error {
		got = f.Len()
		if audio := f.Audio(); len(audio) == a.Channels() {
			a.write(audio, 0, f.Len())
		}
		return nil
	}, &onair.OutputOptions{ID: "analyze", Fallible: true})
	if err := g.Add(out); err != nil {
		return nil, err
	}
	if err := g.Start(); err != nil {
		return nil, err
	}
	idle := 0
	for !src.Node().Ended() {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		got = 0
		clk.Tick()
		if got > 0 {
			idle = 0
		} else if idle++; idle >= o.StallTicks {
			return nil, fmt.Errorf("%w: %s produced nothing for %d ticks (%v)", ErrStalled, src.Node().ID(), idle,
				time.Duration(idle)*format.FrameDuration)
		}
	}
	a.Flush()
	total := a.samples
	if a.pos > 0 { // the last, partial sub-block
		subs = append(subs, a.acc/float64(a.pos))
	}
	v := a.Values()
	return &Analysis{Values: v, Cues: autocue(cueOpts, subs, v.Integrated, format.SampleRate, total)}, nil
}
