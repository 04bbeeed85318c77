// Package icecast streams encoded tracks of an onair graph to an Icecast
// server, as a source client (what Liquidsoap's output.icecast, ffmpeg's
// icecast:// protocol and libshout do).
//
//	mp3, _ := encode.Audio(radio, &encode.AudioOptions{Codec: "libmp3lame", BitRate: 128000, Track: "audio_mp3"})
//	out, err := icecast.New(mp3, &icecast.Options{
//		URL:    "http://source:secret@radio.example:8000/live.mp3",
//		Tracks: mux.Only("audio_mp3"),
//		Name:   "My Radio",
//	})
//	...
//	g.Add(out)
//
// # Protocol
//
// The output connects with HTTP PUT and "Expect: 100-continue" (Icecast
// 2.4 and later), or with the legacy SOURCE method ([MethodSource]), with
// Basic authentication and the ice-name, ice-description, ice-genre,
// ice-url, ice-public and ice-audio-info headers. The Content-Type comes
// from the container format: audio/mpeg for "mp3", audio/aac for "adts",
// audio/ogg for Ogg (Vorbis, Opus, FLAC), audio/webm, audio/flac,
// video/mp2t; [Options.ContentType] overrides it. The format defaults to
// the one the mount's extension names.
//
// The source's encoded tracks (made by shared encoders, package encode)
// are muxed with [mux.Writer]: the output never encodes, so one encoder
// can feed any number of mounts, files and HLS variants.
//
// # Goroutines and the queue
//
// The output's Send runs on the clock goroutine and never blocks on the
// network: it muxes each frame into a chunk (whole MP3/ADTS frames or Ogg
// pages, flushed once per frame) and pushes it onto a bounded queue. A
// network goroutine of the output connects, sends the queue, and
// reconnects; a second one sends admin API metadata updates. Both start
// when the output first starts and end when it closes.
//
// The queue holds at most [Options.QueueSize] bytes (256 KiB by default,
// 16 s at 128 kb/s). When the network is too slow and a new chunk would
// pass the bound, the oldest chunks are dropped, whole, except the one
// that starts a container (its header); a dropped chunk's metadata moves
// to the next chunk, so no title change is lost. Drops are logged at most
// once a second and counted in [Status].BytesDropped. Listeners hear a
// gap; MP3 and AAC decoders resynchronise on the next frame, Ogg on the
// next page. The latency the queue adds is therefore bounded by its size
// divided by the bit rate, and each write to the server is bounded by
// [Options.WriteTimeout], after which the connection is dropped.
//
// # Connections and errors
//
// The output connects lazily, once the graph has started and its source
// has produced the first frame of the selected track (so that
// ice-audio-info is known). While it is not connected, frames are not
// muxed at all and the queue is empty: nothing piles up, and the clock
// keeps time. Each connection gets a fresh container: the new stream
// starts with a header (Ogg identification and comment pages, the MP3
// ID3 tag), never in the middle of a page or frame, and the last
// metadata is sent again (through the admin API, or in the Ogg comment
// header).
//
// After a failed attempt or a lost connection (refused, 401, 403, a write
// error, the server closing the connection, a timeout), the output waits
// and tries again: [Options.MinRetryDelay] (1s) after the first failure,
// doubling with each consecutive failure up to [Options.MaxRetryDelay]
// (3s), so that a server that comes back is streamed to again within
// that cap.
// [Options.OnError] sees each error and may change the delay or return
// [GiveUp]: the output then stops trying, [Output.Err] and [Status].Err
// hold the error, and the graph goes on without it. Errors are *[Error]
// values naming the operation and the URL (never the password); they
// wrap [ErrAuth] for HTTP 401 (wrong user or password), [ErrMountInUse]
// (and [ErrRefused]) for HTTP 403 "Mountpoint in use", [ErrRefused] for
// other refusals, [ErrServerClosed] when the server goes away, and the
// network error for a refused connection or a timeout.
//
// Stop (the source failed, for a fallible output) sends what is queued
// and disconnects; Start connects again. Close ends the container
// (writing the Ogg end-of-stream page), gives a connected server up to 2
// seconds to take the queued data, then closes the connection and waits
// for the goroutines. It never waits longer on a dead or stalled server:
// a connection being made or blocked in a write is closed under it.
//
// # Metadata
//
// Metadata reaches the server at its position in the stream: the muxer
// reports it (see [mux.Options].OnMetadata) after the bytes before it were
// queued, and it is sent once those bytes have been written to the
// server. With [MetadataAdmin] (the default except for Ogg) the output
// sends GET /admin/metadata?mode=updinfo&mount=...&song=...&charset=UTF-8
// with the source credentials, on its own goroutine; a failed update is
// tried up to 3 times unless newer metadata comes. The song is
// "artist - title" by default ([Options.Song]). Icecast converts it to
// ISO-8859-1 for ICY listeners of MP3 mounts. With [MetadataInBand] (the
// default for Ogg, whose mounts refuse admin updates) each metadata
// starts a new chained Ogg stream whose comment header holds it
// ([mux.WriterOutput.ReopenWith]); Icecast reads TITLE and ARTIST from
// Vorbis comments.
package icecast
