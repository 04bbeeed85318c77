// Package decode provides FFmpeg-backed sources: media files ([File]),
// playlists ([Playlist], [PlaylistOf]), a looping file ([Single]), a
// request queue ([Queue]), live byte streams ([Live]), HTTP streams
// ([HTTP]) and SRT streams ([SRT]).
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
// "filename" at position 0. A file without a title tag gets its base name
// without the extension as "title" (/music/Artist - Song.mp3 plays as
// "Artist - Song"), so that listeners and directories never see an empty
// title; a title set by a playlist entry counts as a title tag. The tags [CueInKey] and [CueOutKey]
// (liq_cue_in, liq_cue_out, in seconds) trim the track; playlist entries
// may set metadata, cue points included, with Liquidsoap's annotate
// syntax: annotate:title="T",liq_cue_in="1.5":/path/file.mp3.
// TrimSilence (an option of every file source) cuts the silence at both
// ends of each track, sample-exactly, so that files with silent edges put
// no dead air between tracks; autocue (package decode/analysis) finds
// cue points by loudness instead, 100 ms at a time.
//
// # Video
//
// When the graph format has video ([onair.Format].Video), every source
// also decodes the file's best video stream, converts it with swscale to
// the graph's size and pixel format, and puts one picture in the frame's
// "video" track at each slot of the graph frame rate: slot k of a source
// is at position k*SampleRate*Den/Num samples since the source woke up,
// so tracks of any length follow each other without drift and encoders
// (which take each picture as the next frame) stay in sync with the
// audio. Each slot shows the picture on screen at that time (the last
// one due at most half a slot later): pictures are duplicated or dropped
// to conform to the rate. Positions come from the timestamps, relative
// to the start of the audio stream, so picture and sound stay together;
// after a seek the video restarts from a keyframe at or before the
// target and the first picture is the one at the target.
//
// A file without video (or whose video codec cannot be decoded, logged)
// plays black in a graph with video: a black picture starts its track
// and is repeated, which keeps the video stream continuous for encoders
// and muxers rather than freezing the previous file's last picture. When
// the video ends before the audio, its last picture stays; video beyond
// the end of the audio is not played. A cover picture (an MP3's attached
// picture) shows for the whole track. A video stream that breaks midway
// freezes, logged, while the audio plays on. In a graph without video,
// video streams are ignored.
//
// Pictures are fresh Go memory, never reused, as consumers may keep them.
// [FileOptions].Device decodes the video on a hardware device (package
// hw), downloading each picture to memory as soon as it is decoded; when
// the device cannot be used the video is decoded in software with one
// logged warning, or File fails with an error wrapping hw.ErrUnavailable
// when StrictDevice is set.
//
// # Live streams
//
// [Live] returns a fallible source fed by byte streams, one at a time:
// [LiveSource.Play] decodes a stream (MP3, AAC in ADTS, Ogg
// Vorbis/Opus/FLAC, FLAC, ... whatever FFmpeg probes, with the content
// type as a hint) on the caller's goroutine, such as the handler of a
// harbor connection, through FFmpeg custom IO. The decoded audio goes into
// a bounded buffer in the graph format; the clock only copies from it. The
// source is ready once a stream plays and [LiveOptions.Prebuffer] is
// buffered; an empty buffer while the stream is connected (underrun) makes
// it unready until the prebuffer has refilled, and a stream faster than
// the clock makes it drop its oldest audio beyond [LiveOptions.MaxBuffer]
// (overrun). Both are logged, overruns at most once per second with
// counts, and counted in [LiveSource.Stats]. A second Play while a stream
// plays fails with [ErrBusy].
//
// Each stream is a track, with the stream's tags at its start and a track
// mark after its last audio: when a stream ends, the buffered audio plays
// out, then the source is unready until the next stream. In-band metadata
// (the comments of each link of a chained Ogg stream, metadata updates of
// the demuxer) and [LiveSource.InsertMetadata] come out at the audio they
// belong to: a demuxer's update at the first packet it comes with (within
// one codec frame), inserted metadata after the audio decoded so far.
// Live and HTTP sources decode audio only: in a graph with video their
// frames carry no pictures.
//
// # SRT input
//
// [SRT] plays an MPEG-TS stream received over SRT (a contribution link
// from a studio or an encoder) through a [LiveSource], the same way: a
// helper goroutine connects to the peer (or, with
// [SRTOptions.Listener], waits for one), decodes, and reconnects with
// backoff when the stream ends or is silent for [SRTOptions.Timeout].
// Latency and passphrase go to FFmpeg's libsrt protocol; a peer that
// refuses the passphrase is reported as [ErrSRTRejected].
//
// # HTTP input
//
// [HTTP] plays an HTTP or HTTPS stream, such as an Icecast or Shoutcast
// mount, through a [LiveSource]. A helper goroutine, started when the
// source wakes up and stopped (and waited for) when it sleeps or is
// closed, requests the stream with "Icy-MetaData: 1", takes ICY metadata
// blocks out of the body and places their titles ("title", and "artist"
// for "Artist - Title") at the audio they were sent with. When the server
// is unreachable, answers an error status (logged with the status), ends
// the stream or stays silent for [HTTPOptions.Timeout], the source
// reconnects after a delay that doubles from [HTTPOptions.MinDelay] to
// [HTTPOptions.MaxDelay], randomized by ±25%; it is unready meanwhile, so
// put it in an [onair.Fallback] with an infallible source.
//
// # Errors
//
// Failures to open or decode a file are [*PathError] values wrapping
// [ErrNoAudio], [ErrUnsupportedCodec], [ErrEmpty], FFmpeg errors or file
// system errors. Sources log them (optional *slog.Logger) and skip the
// entry; Generate never returns them.
package decode
