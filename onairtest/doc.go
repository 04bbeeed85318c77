// Package onairtest helps test onair sources, operators and graphs
// without real time.
//
// # Running a source
//
// [Collect] runs any source on a manual clock for a number of ticks
// ([CollectDuration]: for a duration) and returns a [Capture]: the frames
// received, the main audio track, and the track marks and metadata at
// absolute positions. [Capture.Timeline] prints them, one line per frame.
// [StartGraph] builds and starts a graph of several outputs on a manual
// clock, for tests that step the clock themselves, and a [Recorder] is a
// sender that captures what any output receives.
//
// # Scripted sources
//
// [NewSource] plays a [Script]: tracks ([Segment]) of given lengths, with
// constant or ramp values, metadata, readiness decided per tick, short
// frames and an end. [Counter] and [Tracks] make sources whose samples are
// their own absolute index, so that a test can check that no sample was
// skipped, repeated or moved. Scripted sources count the calls they
// receive ([Source.Counts]) and report their life-cycle events.
//
// Wrappers make any source adversarial: [Stutter] (unready every other
// tick), [ErrAfter] (fails after n frames) and [Short] (short frames,
// partial consumption).
//
// # Conformance
//
// [TestSource] checks that a source or operator keeps the contract of
// [onair.Generator]: well-formed frames, frames not retained, sticky end,
// idempotent Close and no goroutine leaks. Custom operators run it on
// themselves:
//
//	func TestGain(t *testing.T) {
//		onairtest.TestSource(t, func() onair.Source {
//			return Gain(onairtest.Stutter(onairtest.Tracks("in", 1000, 3000)), 0.5)
//		})
//	}
//
// # Real time
//
// Nothing in this package sleeps or reads the wall clock, so everything
// works inside a [testing/synctest] bubble, where a test can also run a
// real-time clock with [onair.Graph.Run] and let fake time pass.
package onairtest
