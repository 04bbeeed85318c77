// Package speaker plays a graph on the sound card and lets the card pace
// the graph: the sound card's own clock, not the computer's, decides when
// the next frame is due (each sound card has its own clock, and it drifts
// from the system clock).
//
// It uses github.com/ebitengine/oto/v3: ALSA on Linux (which needs cgo
// and the ALSA headers, libasound2-dev on Debian), Core Audio on macOS,
// WASAPI on Windows. The root package onair stays free of cgo.
//
// # The device clock
//
// [New] returns an [Output] whose device node is the synchronisation
// source of its clock ([onair.NodeOptions.Sync]). By default the speaker
// gets a real-time clock of its own, named after the output, so the
// output and every source connected to it follow the sound card. A tick
// puts one frame in a queue of [Options.Latency] (100ms by default) in
// front of the device and waits, when the queue is full, until the device
// has taken enough audio to make room: the clock then runs exactly as fast
// as the card plays, and never looks at the wall clock. When the device
// finds the queue empty it plays silence; the output counts and logs these
// underruns ([Stats]).
//
// A source can belong to one clock only. A source that the speaker plays
// and that something pinned to another clock (a real-time recorder, an
// Icecast stream on the main clock) also uses makes [onair.Graph.Start]
// fail with an [onair.ClockConflictError] whose message says to connect
// the two clocks with [onair.Buffer]; a Buffer absorbs the drift between
// the card and the other clock. Two speakers in one clock fail with an
// [onair.SyncConflictError]. To let the card pace a whole graph instead,
// pass the graph's clock as [Options.Clock].
//
// # One sound device context per process
//
// oto allows one context per process, and a context can be neither closed
// nor created again after a failure. [Default], the default
// [Options.Open], therefore creates the context lazily, once, with the
// format of the first speaker, and gives every later speaker of the
// process a player of its own on it (oto mixes them). A later speaker with
// another sample rate or channel count gets [ErrFormatMismatch]; use one
// graph format for every speaker of a process. This shared context is the
// package's only global state.
//
// # Errors
//
// The device opens when the graph starts: no sound card, an ALSA error or
// a format the card cannot play (oto plays mono or stereo) make
// [onair.Graph.Start] and [onair.Graph.Run] return the error, wrapped in
// an [onair.SourceError] naming the output's device node; nothing panics.
// A device that fails or stalls ([ErrStalled]) later is logged once and
// passed to [Options.OnError]: give it the cancel function of the context
// of [onair.Graph.Run] to make Run return it. Meanwhile the output stops
// playing and keeps its clock at real time by the wall clock, so that the
// rest of the clock neither stops nor races.
//
// # Testing without a sound card
//
// A [Device] is the small interface the output plays through; set
// [Options.Open] to a fake device to test the clock headless (this
// package's tests do, inside testing/synctest bubbles). To run the real
// oto and ALSA path on a machine without a card, point ALSA at its null
// device in a process of its own, for example by setting ALSA_CONFIG_PATH
// to a file that holds:
//
//	pcm.!default { type null }
//
// The null device takes audio as fast as it comes, so the clock then runs
// faster than real time.
package speaker
