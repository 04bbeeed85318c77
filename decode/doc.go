// Package decode provides FFmpeg-backed sources: media files ([File]),
// playlists ([Playlist], [PlaylistOf]), a looping file ([Single]) and a
// request queue ([Queue]).
//
// # Execution model
//
// The clock goroutine never waits for I/O. Each source owns one helper
// goroutine, started when the source wakes up and stopped (and waited
// for) when it goes to sleep or is closed. The helper opens, probes and
// decodes files ahead of the clock into a bounded buffer of planar
// float32 audio in the graph format (resampled and channel-converted with
// swresample); Generate only copies what is ready. A source with nothing
// buffered is unready (fallible sources) or plays silence ([Single]).
//
// Tests under a manual clock set the Synchronous option, which makes
// Ready and Generate wait until the helper has filled the buffer, so that
// results do not depend on goroutine scheduling.
//
// # Tracks and metadata
//
// Each file is a track: it starts with a track mark and carries the
// file's tags (container and stream tags, lower-case keys) plus
// "filename" at position 0. The tags [CueInKey] and [CueOutKey]
// (liq_cue_in, liq_cue_out, in seconds) trim the track; playlist entries
// may set metadata, cue points included, with Liquidsoap's annotate
// syntax: annotate:title="T",liq_cue_in="1.5":/path/file.mp3.
//
// # Errors
//
// Failures to open or decode a file are [*PathError] values wrapping
// [ErrNoAudio], [ErrUnsupportedCodec], [ErrEmpty], FFmpeg errors or file
// system errors. Sources log them (optional *slog.Logger) and skip the
// entry; Generate never returns them.
package decode
