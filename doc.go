// Package onair builds media streams as source graphs: sources, operators
// and outputs composed in Go code and driven by clocks, in the manner of
// Liquidsoap. This package holds the vocabulary (frames, sources, clocks,
// graphs, outputs) and the operators written in pure Go; the FFmpeg-backed
// decoders, encoders and muxers live in subpackages that import it.
//
// A minimal graph plays a sine wave into a Go function on a real-time
// clock until ctx is cancelled:
//
//	g, err := onair.NewGraph(nil)
//	...
//	out := onair.Sink(onair.Sine(440, nil), func(f *onair.Frame) error {
//		// f holds 20 ms of audio; copy what you keep.
//		return nil
//	}, nil)
//	g.Add(out)
//	err = g.Run(ctx)
//
// # Frames
//
// A [Frame] is one tick of a stream: named tracks ("audio", "video", or
// any name) plus track marks and timed metadata, all positioned in samples
// of the graph's main rate (see [Format]). Audio is planar float32
// ([Frame.Audio]), video is raw pictures, and encoded packets are a track
// kind of their own ([PacketTrack]), so shared encoders are ordinary
// sources. Every frame of a graph lasts [Format.FrameDuration] (20 ms by
// default) when full. A frame shorter than that means "no more data now";
// the end of a track is a track mark ([Frame.AddMark]), never a short
// frame.
//
// Frames handed to consumers are immutable and valid only during the tick:
// code that keeps data copies it into a frame it owns ([NewFrame],
// [Frame.Append]). Frames and their buffers are reused from tick to tick,
// so a steady graph does not allocate.
//
// # Sources and the frame cache
//
// A [Source] is anything with a [Node]. A node wraps a [Generator] (the
// code that produces data) and adds what every source has: an ID,
// readiness, fallibility, its clock, [Node.Skip], [Node.InsertMetadata],
// [Node.OnTrack] and [Node.OnMetadata]. Optional capabilities of a
// generator are small interfaces found by type assertion: [Readier],
// [Skipper], [Remainer], [Waker], [Sleeper] and [Resetter].
//
// The node computes its frame at most once per tick: all its consumers in
// that tick get the same frame ([Node.Peek], [Node.Read]). A consumer that
// uses only a prefix says so with [Node.Consume]; the rest is replayed to
// everyone on the next tick, from the longest prefix any consumer took. A
// source listened to by two outputs therefore never skips nor repeats
// data. A node is woken up when its first consumer activates it and put to
// sleep when the last one leaves; the hooks of [Waker] and [Sleeper] open
// and release resources, and child clocks are registered and removed with
// them. Sources created while the graph runs join it with [Node.Attach]
// and leave with [Node.Detach].
//
// # Clocks
//
// A [Clock] ticks its outputs, which pull their sources, which pull their
// children. Every source belongs to exactly one clock, decided when the
// graph starts by following the graph's edges from the sources pinned with
// [Assign]. A graph that cannot be assigned fails to start with a typed
// error naming the sources and clocks: [ClockConflictError] ("source X
// cannot belong to two clocks"), [NestedClockError] (a source read ahead
// by an operator's child clock and also used in the operator's own clock;
// give each clock its own source) or [SyncConflictError] (two
// synchronisation devices in one clock).
//
// Real-time clocks ([RealTime], the default) follow an absolute schedule:
// they sleep only when more than a latency ahead, run ticks back to back
// when late (logging the lag at most once a second), and reset their
// outputs when later than a maximum lag. [FreeRunning] clocks tick as fast
// as they can, [Passive] clocks are ticked by the operator that owns them
// (read-ahead operators such as crossfades), and [Manual] clocks are
// stepped by tests with [Clock.Tick]. [Graph.Run] runs every real-time and
// free-running clock on a goroutine of its own until its context is done;
// [Graph.Status] reports each clock's ticks, stream time and lag. Tests of
// real-time behaviour run inside a testing/synctest bubble.
//
// # Fallibility
//
// A source says statically whether it may fail, that is become unready
// ([NodeOptions.Fallible]); operators compute it from their children.
// Starting an output on a fallible source is an error, [FallibleError],
// which names the source and the fixes: wrap the source with [MkSafe]
// (silence when it fails), put an infallible source behind it in a
// fallback, or make the output fallible ([OutputOptions.Fallible]), in
// which case it stops when its source fails and starts again when it is
// ready.
//
// # Outputs
//
// An [Output] pulls its source on every tick of its clock and hands the
// frame to a [Sender]; [Sink] is the simplest output (a function of each
// frame, or none to discard them). Senders must not block the clock: those that
// talk to the network queue the data to goroutines of their own. A Send
// error stops the output, which starts again after
// [OutputOptions.RestartDelay].
//
// # Writing an operator
//
// A one-input operator that only changes samples is [Map]: an inverter is
// onair.Map(src, fn) with fn negating each sample. Anything else is a
// generator with children. Generate pulls each child in the tick through
// its node and appends what it makes to the frame it is given; the node
// around it does the rest (readiness, Remaining and Skip of a one-input
// operator are its input's):
//
//	func Gain(src onair.Source, g float32) *onair.Node {
//		return onair.NewNode(onair.GeneratorFunc(func(f *onair.Frame) error {
//			start := f.Len()
//			src.Node().Pull(f) // samples, marks and metadata; consumes what fits
//			for _, a := range f.Audio() {
//				for i := start; i < f.Len(); i++ {
//					a[i] *= g
//				}
//			}
//			return nil
//		}), &onair.NodeOptions{ID: "gain", Children: []onair.Source{src}, Fallible: src.Node().Fallible()})
//	}
//
// The rules: append at most f.Free() samples after f.Len() (f may hold
// data left from the previous tick; [Node.Pull] appends what fits and
// consumes exactly that, where Peek, Append and [Node.Consume] do it by
// hand); keep track marks and metadata at their positions (Append does);
// never keep a frame or its slices after Generate returns; return io.EOF,
// unwrapped, when the source is finished for good; do not allocate per
// tick; start no goroutine. A node whose generator has no Ready method is
// ready when one of its children is; an operator that decides otherwise
// (MkSafe is always ready) implements [Readier], one that changes track
// lengths implements [Remainer], one that buffers implements [Skipper] and
// [Drainer]. The example of a whole custom operator is in this package's
// examples; package onairtest runs operators on a manual clock, provides
// scripted and adversarial sources, and checks an operator against these
// rules with onairtest.TestSource.
package onair
