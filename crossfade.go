package onair

import (
	"fmt"
	"log/slog"
	"strconv"
	"sync/atomic"
	"time"
)

// CrossfadeOptions configure [Crossfade]. A nil *CrossfadeOptions is
// valid.
type CrossfadeOptions struct {
	// ID names the operator. It defaults to "crossfade"; its child clock
	// is named ID+".clock".
	ID string
	// Duration is how much of the end of each track is buffered ahead and
	// handed to the transition (the operator's latency). It defaults to
	// 5s. The metadata "liq_cross_duration" (seconds) of a track overrides
	// it for the end of that track and the start of the next.
	Duration time.Duration
	// StartDuration is how much of the start of the next track is handed
	// to the transition. It defaults to Duration.
	StartDuration time.Duration
	// Width is the window, next to the track change, over which the
	// levels of the two sides are measured. It defaults to 2s.
	Width time.Duration
	// Logger receives the operator's logs. It defaults to the graph's
	// logger.
	Logger *slog.Logger
	// FadeIn and FadeOut are the fade durations of the built-in
	// transitions. They default to 3s; the metadata "liq_fade_in" of the
	// starting track and "liq_fade_out" of the ending one override them.
	FadeIn, FadeOut time.Duration
	// Smart chooses the built-in transition by the levels of the two
	// tracks, as Liquidsoap's smart crossfade does, with High, Medium and
	// Margin (default -15, -32 and 4 dB; zero means the default); with a
	// the ending level and b the starting one:
	//
	//   - both quiet (at most Medium) and close (within Margin): fade both;
	//   - b louder than a by Margin, a above Medium, b at most High: fade
	//     a out and play b as is;
	//   - b louder than a by Margin, a at most Medium, b at most High:
	//     overlap both without fades;
	//   - a louder than b by Margin, b above Medium, a at most High: play
	//     a as is and fade b in;
	//   - otherwise play them in sequence.
	Smart                bool
	High, Medium, Margin float64
	// Transition, when set, builds every transition instead of the
	// built-in ones (FadeIn, FadeOut and Smart are then unused; see
	// [TransitionFunc], and [SimpleTransition] to reuse the default).
	Transition TransitionFunc
}

// Crossfader is the source returned by [Crossfade].
//
// Node, Clock, Input and Transitions are safe to call from any goroutine;
// the rest of its work happens on its clock's goroutine.
type Crossfader struct {
	node       *Node
	child      *Clock
	reader     *Output
	input      Source
	transition TransitionFunc
	opts       CrossfadeOptions
	count      atomic.Int64

	// Clock goroutine state, set up by WakeUp.
	format    *Format
	log       *slog.Logger
	frameSize int
	endLen    int // default samples buffered at the end of a track
	startLen  int // default samples taken from the start of the next
	width     int
	la        pcmRing
	got       bool     // the last child tick produced data
	curMeta   Metadata // metadata of the current track
	lastMeta  Metadata // last metadata emitted (de-duplication)
	endBuf    xfTrack
	startBuf  xfTrack
	fast      *xfMix // running built-in transition
	user      Source // running transition attached to the graph

	rampPos int // the body's fade-in after a degraded transition:
	rampLen int // at rampPos of rampLen samples

	skips    int  // Skips that wait for the end of the running transition
	skipWait bool // a Skip waits for the next track (the input was skipped)
	trim     int  // leading silence the next track may still lose (after a Skip)

	grid picGrid // the main video on the frame-rate grid
}

// Crossfade returns a source that plays input with a transition at each
// track change, built from the end of the ending track and the start of
// the next one.
//
// Crossfade reads input ahead of time: input runs in a passive child clock
// owned by the operator, which ticks it as often as needed to keep the
// last [CrossfadeOptions.Duration] of the current track buffered and, at a
// track change, to fetch the start of the next track. input (and every
// source it uses) must therefore not be used elsewhere in the graph:
// Graph.Start reports a [NestedClockError] when it is, and an error
// wrapping [ErrSelfSyncInput] when the child clock holds a
// synchronisation source.
//
// Short tracks cross like long ones. A next track shorter than its start
// and end windows together is split: about its first half goes into the
// transition from the track before it, the rest is kept for its own
// transition into the track after it; a starting side shorter than the
// ending one enters late, so that both end together, and the ending one
// fades out while the starting one plays (over the starting side's length
// at most), so that the output never goes quiet between the two. When the
// input stalls (is not ready) before the start of the next track is
// buffered, the transition does not splice what it has: what arrived of
// the next track comes in under the end of the ending one, the two
// crossing over what arrived (at least 5 ms, the starting track's fade-in
// going on over the data that arrives later when less arrived), so that
// the output is not left quiet through a slow fade-in after the stall
// (logged as a warning). When nothing of the next track arrived, the
// ending track fades out over its buffered end.
//
// Metadata is de-duplicated: metadata equal to the previous one, and empty
// metadata, are dropped.
//
// Every track of input is carried (see [Crossfade] for what the built-in
// transitions do with each kind): outside transitions at their exact
// positions, and through the sources of [TrackEnd] in them. When the graph
// format has video, the main video track of the output is put on the
// graph's frame-rate grid: exactly one picture at each interval, counted
// from the operator's first output, the last picture of the input at or
// before it. A transition changes where the next track's pictures fall
// relative to that grid, and without this an encoder that counts
// pictures would drift from the audio by up to a picture at each
// transition; with it a picture may be shown twice, or one skipped, next
// to a transition. The lookahead holds Duration (and StartDuration plus
// Duration at a track change) of pictures by reference: about 35 MB a second of 720p
// yuv420p at 25 pictures per second.
//
// Crossfade is fallible when input is; errors of input are logged by the
// graph. opts may be nil; Crossfade returns an error wrapping
// [ErrInvalidOption] for invalid options.
//
// By default the transition fades the ending track out and the starting
// track in and sums them ([SimpleTransition]), or chooses by their levels
// with [CrossfadeOptions.Smart]; [CrossfadeOptions.Transition] replaces
// both. The built-in transitions handle the other tracks of the input this way:
//
//   - An audio track other than the main one is faded and summed with
//     the same gains as the main track; a track that only one side holds
//     is faded like that side (the other side is silent).
//   - Video dissolves: where the two sides overlap, each picture is a
//     linear blend, byte by byte, of the two sides' pictures on screen,
//     from all ending to all starting across the overlap. Pictures come
//     at the positions of the starting side's pictures over its span, of
//     the ending side's elsewhere. Blending allocates a new picture; it
//     needs both pictures of the same size and layout in a pixel format
//     of 8-bit components (yuv420p, nv12, rgb24, ... ); otherwise the
//     transition cuts from one side to the other at the middle of the
//     overlap. Played in sequence (no overlap), it cuts where the
//     starting track begins. A side without pictures leaves the screen to
//     the other.
//   - Encoded (packet) tracks cannot be mixed: the ending track's packets
//     pass until the transition starts, then only the starting track's
//     (the ending track's last packets are dropped). To crossfade an
//     encoded stream, encode after the crossfade, not before.
func Crossfade(input Source, opts *CrossfadeOptions) (*Crossfader, error) {
	o := valueOr(opts)
	if o.ID == "" {
		o.ID = "crossfade"
	}
	if o.Duration == 0 {
		o.Duration = 5 * time.Second
	}
	if o.StartDuration == 0 {
		o.StartDuration = o.Duration
	}
	if o.Width == 0 {
		o.Width = 2 * time.Second
	}
	if o.FadeIn == 0 {
		o.FadeIn = 3 * time.Second
	}
	if o.FadeOut == 0 {
		o.FadeOut = 3 * time.Second
	}
	switch {
	case input == nil:
		return nil, fmt.Errorf("%w: %s of a nil source", ErrInvalidOption, o.ID)
	case o.Duration < 0 || o.StartDuration < 0 || o.Width < 0:
		return nil, fmt.Errorf("%w: %s: negative duration", ErrInvalidOption, o.ID)
	case o.Duration > time.Hour || o.StartDuration > time.Hour:
		return nil, fmt.Errorf("%w: %s: duration over an hour", ErrInvalidOption, o.ID)
	case o.FadeIn < 0 || o.FadeOut < 0:
		return nil, fmt.Errorf("%w: %s: negative fade", ErrInvalidOption, o.ID)
	}
	t := o.Transition
	switch {
	case t != nil:
	case o.Smart:
		t = smartTransition(o.FadeIn, o.FadeOut, o.High, o.Medium, o.Margin)
	default:
		t = SimpleTransition(o.FadeIn, o.FadeOut)
	}
	x := &Crossfader{input: input, transition: t, opts: o}
	x.child = NewClock(o.ID+".clock", &ClockOptions{Kind: Passive})
	x.reader = NewOutput(input, xfReader{x}, &OutputOptions{ID: o.ID + ".reader", Fallible: true})
	x.child.AddOutput(x.reader)
	x.node = NewNode((*xfGen)(x), &NodeOptions{ID: o.ID, Fallible: input.Node().Fallible(), Owned: []Source{x.reader}})
	return x, nil
}

// Node returns the operator's graph node.
func (x *Crossfader) Node() *Node { return x.node }

// Clock returns the operator's passive child clock, in which its input
// runs. It is registered with the operator's clock (see [Clock.SubClocks])
// while the operator is awake.
func (x *Crossfader) Clock() *Clock { return x.child }

// Input returns the operator's input.
func (x *Crossfader) Input() Source { return x.input }

// Transitions returns the number of transitions started so far.
func (x *Crossfader) Transitions() int { return int(x.count.Load()) }

// xfGen is the generator of a Crossfader's node: the Crossfader with the
// node methods kept out of its public API.
type xfGen Crossfader

// WakeUp checks the child clock and prepares the lookahead buffers.
func (g *xfGen) WakeUp(f *Format) error {
	x := (*Crossfader)(g)
	if s := x.child.syncSrc; s != "" {
		return fmt.Errorf("%w: %s in child clock %q", ErrSelfSyncInput, s, x.child.name)
	}
	x.format = f
	x.log = x.opts.Logger
	if x.log == nil {
		x.log = x.node.logger()
	}
	x.frameSize = f.FrameSize()
	x.endLen = f.Samples(x.opts.Duration)
	x.startLen = f.Samples(x.opts.StartDuration)
	x.width = max(1, f.Samples(x.opts.Width))
	x.la.reserve(f.Channels, 2*x.endLen+x.startLen+4*x.frameSize)
	x.reset()
	return nil
}

// Sleep ends any running transition and empties the lookahead.
func (g *xfGen) Sleep() { (*Crossfader)(g).reset() }

func (x *Crossfader) reset() {
	x.endTransition()
	x.la.reset()
	x.curMeta, x.lastMeta = nil, nil
	x.grid.reset()
	x.rampPos, x.rampLen = 0, 0
	x.skips, x.trim, x.skipWait = 0, 0, false
}

// Ready reports whether the operator can play: a transition runs, or the
// lookahead (filled first) holds data.
func (g *xfGen) Ready() bool {
	x := (*Crossfader)(g)
	if x.fast != nil || x.user != nil {
		return true
	}
	x.fill(x.frameSize, 0)
	return x.la.len() > 0
}

// Remaining returns the samples left in the current track when its end is
// in the lookahead, and -1 otherwise.
func (g *xfGen) Remaining() int {
	x := (*Crossfader)(g)
	if x.fast != nil || x.user != nil {
		return -1
	}
	if m, ok := x.la.firstMarkAfter(x.la.head); ok {
		return int(m - x.la.head)
	}
	return -1
}

// Skip ends one track without a click. During a transition it ends the
// ending track at once: that side fades out over a frame's duration while
// the starting track rises to full level over the same frame (a user
// transition, which cannot be taken apart, stops at once and the starting
// track goes on from the lookahead, fading in over a frame); a Skip after
// that ends the starting track, as below. Otherwise the track playing
// fades out over a frame's duration, the rest of it is dropped from the
// lookahead, and the next track fades in over a frame's duration from
// its first sound: up to half a second of its leading silence (under -60
// dBFS) is left out, so that a skip does not air it. When the lookahead
// does not reach the next track yet, the input is skipped first and the
// track playing goes on until the next one arrives (the same tick,
// mostly): a skip never leaves the output without a track to play, even
// when the input takes a while to start the next one. A Skip while it
// waits does nothing more.
func (g *xfGen) Skip() {
	x := (*Crossfader)(g)
	r := x.frameSize
	switch {
	case x.fast != nil && x.fast.b.start && !x.fast.endingCut():
		x.fast.cutEnding(r)
		x.rampPos, x.rampLen = 0, 0 // the starting side ends at full level
		return
	case x.user != nil:
		x.endTransition()
		x.rampPos, x.rampLen = 0, r
		return
	case x.fast != nil && x.fast.length-x.fast.pos < r:
		// Less than a frame of the transition is left, too little to
		// fade over: the skip ends the track playing as it goes on from
		// the lookahead, when the transition is over.
		x.skips++
		return
	case x.skipWait:
		return
	}
	if _, ok := x.la.firstMarkAfter(x.la.head); !ok && x.la.len() > 2*r {
		x.input.Node().Skip()
		x.skipWait = true
		return
	}
	x.skipNow()
}

// skipNow ends the track playing: it fades out over a frame and the rest
// of it is dropped from the lookahead.
func (x *Crossfader) skipNow() {
	r := x.frameSize
	switch {
	case x.fast != nil:
		// The fade-out of an earlier skip, or a transition whose ending
		// side has ended: that track is gone already; the one playing
		// (the starting side, whose rest is at the head of the lookahead)
		// is the one to end.
		x.fast.cut(r)
	default:
		x.fadeOutNow(r)
	}
	x.dropTrack(r)
}

// dropTrack drops the rest of the track at the head of the lookahead
// (skipping the input when the lookahead does not reach the next track)
// and makes the next track fade in over r samples.
func (x *Crossfader) dropTrack(r int) {
	head := x.la.head
	if m, ok := x.la.firstMarkAfter(head); ok {
		x.la.drop(int(m - head))
	} else {
		x.la.drop(x.la.len())
		if !x.skipWait {
			x.input.Node().Skip()
		}
	}
	x.skipWait = false
	x.curMeta = nil
	x.rampPos, x.rampLen = 0, r
	x.trim = x.format.Samples(skipTrimMax)
}

// fadeOutNow plays the next n samples of the current track (fewer when
// the track or the lookahead ends first) as a fade to silence.
func (x *Crossfader) fadeOutNow(n int) {
	head := x.la.head
	if m, ok := x.la.firstMarkAfter(head); ok {
		n = min(n, int(m-head))
	}
	n = min(n, x.la.len())
	g0 := 1.0
	if x.rampPos < x.rampLen {
		// The track is still fading in (after a skip, or a degraded
		// transition): fade out from where it is.
		g0 = xfCurve(float64(x.rampPos) / float64(x.rampLen))
	}
	if n <= 0 || g0 == 0 {
		return
	}
	a := &x.endBuf
	a.reserve(len(x.la.chans), n)
	a.rate, a.start = x.format.SampleRate, false
	x.la.readAudio(head, n, a.audio, 0)
	if g0 < 1 {
		for _, ch := range a.audio {
			for i := range ch {
				ch[i] *= float32(g0)
			}
		}
	}
	x.la.copySide(a, head, n)
	x.la.drop(n)
	b := &x.startBuf // no starting side: the next track follows as body
	b.reserve(len(x.la.chans), 0)
	b.start = false
	x.fast = newXfMix(TrackEnd{buf: a}, TrackEnd{buf: b}, n, 0, true)
}

// durations returns the end and start lengths for the current track,
// with the "liq_cross_duration" override of its metadata.
func (x *Crossfader) durations() (end, start int) {
	end, start = x.endLen, x.startLen
	m := x.curMeta
	lim, ok := x.la.firstMarkAfter(x.la.head)
	for _, md := range x.la.meta {
		if ok && md.pos >= lim {
			break
		}
		m = md.m
	}
	if v, found := m["liq_cross_duration"]; found {
		if s, err := strconv.ParseFloat(v, 64); err == nil && s >= 0 && s <= 3600 {
			end = x.format.Samples(time.Duration(s * float64(time.Second)))
			start = end
		}
	}
	return end, start
}

// xfReader is the sender of the operator's reader output: it appends each
// frame of the input, pulled in the child clock, to the lookahead.
type xfReader struct{ x *Crossfader }

func (r xfReader) Send(f *Frame) error {
	x := r.x
	if f.Len() == 0 && len(f.Marks()) == 0 && len(f.Metadata()) == 0 {
		return nil
	}
	if x.la.free() < f.Len() {
		// A long override duration: grow once.
		x.la.reserve(len(x.la.chans), 2*(x.la.len()+f.Len()))
	}
	x.la.push(f, 0, f.Len())
	x.got = true
	return nil
}
