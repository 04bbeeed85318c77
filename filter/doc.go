// Package filter runs FFmpeg filter graphs (libavfilter) as onair
// operators, and makes video from still pictures.
//
// [NewAudio] runs a source's main audio track through a filter
// description in FFmpeg's syntax ("acompressor=threshold=-18dB,
// aecho=0.8:0.9:40:0.3"); [NewVideo] does the same for its main video
// track ("drawtext=text='%{metadata\:title}':fontsize=48,scale=1280:720").
// Both keep the graph's semantics: frames on the graph's grid, track marks
// and metadata carried at their positions, the source's readiness,
// fallibility, Remaining and Skip. The audio operator plays a filter's
// delay as silence once instead of drifting, and with
// Options.FlushAtTracks drains the filter at each track mark; see [Audio]
// and [Video] for the exact rules.
//
// A description is checked when the operator is made: a bad one is an
// [*Error] naming the filter at fault and what FFmpeg said about it
// ("filter: filter aecho of ...: options: Value 2.000000 for parameter
// 'in_gain' out of range [0 - 1]"), never an error at the first tick.
//
// The video operator hands each picture the source's current metadata as
// FFmpeg frame metadata, so drawtext's %{metadata\:title} (or any key)
// shows what is playing and changes with the tracks, with no filter
// command to send.
//
// [Colour] and [Image] are infallible still sources (a background, a
// station logo), and [Overlay] draws an image over a video source. An
// audio file's cover art needs none of these: the decoders play an
// attached picture as the file's video.
//
// The operators run their filters on the clock goroutine, one thread per
// graph by default (Options.Threads). Close frees a filter graph; call it
// once the onair graph running the operator is closed.
package filter
