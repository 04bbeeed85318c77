// Package listen is onair's embedded listener server, the counterpart of
// Liquidsoap's output.harbor and of an Icecast server: a station serves
// its listeners over HTTP straight from the graph, with no external
// server.
//
// # Mounts
//
// A [Server] holds mounts. Each mount copies one encoded track of a graph
// source (made once by a shared encoder, package encode) into a container
// (MP3, ADTS AAC, Ogg, MPEG-TS) and is a graph output:
//
//	srv, _ := listen.NewServer(&listen.Options{Addr: ":8000"})
//	mp3, _ := srv.Mount("/radio.mp3", renditions, &listen.MountOptions{
//		Track: "audio_mp3", // the track of a multitrack source
//		Name:  "onair radio",
//	})
//	aac, _ := srv.Mount("/radio.aac", renditions, &listen.MountOptions{Track: "audio_aac"})
//	_ = graph.Add(mp3, aac)
//	go srv.Run(ctx)   // or mount srv, an http.Handler, in your own server
//	_ = graph.Run(ctx)
//
// The container is muxed once per mount, whatever the number of
// listeners. Its bytes go to a buffer of [MountOptions.MaxLag] bytes that
// every listener of the mount shares: a listener adds only its goroutine
// and connection (about 6 KiB), plus a 20 KiB send buffer from a shared
// pool while it has bytes to send, and the kernel's socket buffer
// ([MountOptions.SendBuffer]).
//
// # How to listen
//
// With the server on port 8000 and the mounts above:
//
//	browser   http://HOST:8000/radio.mp3 (or an <audio src="..."> element)
//	mpv       mpv http://HOST:8000/radio.mp3
//	VLC       vlc http://HOST:8000/radio.mp3
//	ffplay    ffplay -nodisp http://HOST:8000/radio.aac
//	curl      curl -s -H 'Icy-MetaData: 1' http://HOST:8000/radio.mp3 -o dump.bin
//
// mpv, VLC, ffplay and ffprobe show the current title, which they read
// from the ICY metadata (for Ogg, from the stream's comment header).
// Browsers send no Icy-MetaData header and get the plain stream.
//
// # Burst on connect and slow listeners
//
// A new listener gets up to [MountOptions.BurstSize] recent bytes at once,
// so its player starts without waiting; it starts on a frame boundary
// (MP3, ADTS), a packet that carries the program tables (MPEG-TS), or a
// page after the header pages of the current logical stream (Ogg: those
// header pages are sent first). Then each listener goes at its own pace
// on a goroutine of its own. The clock goroutine only appends to the
// buffer: it never waits for a listener. A listener that falls more than
// MaxLag bytes behind the live edge (a client that stopped reading, a
// link slower than the stream) is disconnected with [ErrSlowListener],
// as is one whose single write blocks for [MountOptions.Timeout]; the
// others are not delayed.
//
// # ICY metadata
//
// A client that sends "Icy-MetaData: 1" (FFmpeg, mpv, VLC, most radio
// players) gets an icy-metaint header and, after every MetaInterval
// stream bytes, a metadata block: one length byte (units of 16 bytes),
// then StreamTitle='artist - title'; in UTF-8, padded with NULs; a block
// that announces no change is the single byte 0. A title change appears
// in the first block at or after the byte position where the muxer
// reached the metadata, so titles follow the audio, not the wall clock; a
// listener's first block carries the title in force there. Ogg mounts
// carry titles in band instead (each title starts a new chained logical
// stream with the title in its comment header) and send no ICY blocks
// unless [MountOptions.ICY] is [ICYOn].
//
// # HTTP
//
// The server answers with Icecast's icy-name, icy-description,
// icy-genre, icy-url, icy-br and icy-pub headers. An HTTP/1.0 client gets
// "HTTP/1.0 200 OK" and a body that runs until the connection closes, as
// Icecast answers; an HTTP/1.1 client gets "HTTP/1.1 200 OK" with a
// chunked body (every HTTP/1.1 client reads it: browsers, VLC, FFmpeg,
// curl), whose last chunk marks the end of the stream (Go's net/http
// tells it from a cut connection; FFmpeg reports the end of a body
// without it as an error), unless [MountOptions.HTTP10] asks for
// Icecast's answer for every client. A Range header is ignored (a live stream has nothing to
// seek to; "Range: bytes=0-" from VLC and browsers gets the 200). HEAD
// answers the headers; OPTIONS the CORS headers; other methods get 405,
// unknown paths and ended mounts 404, refused credentials
// ([MountOptions.Password] or [MountOptions.Auth]) 401 and listeners
// over a limit 503.
// [MountOptions.OnConnect] and OnDisconnect report each listener with its
// address and user agent; [Mount.Stats] and [Server.Listeners] count
// them.
//
// # Ending
//
// Listeners stay connected while the graph runs, waiting when the source
// is unready. When the graph closes a mount ([onair.Graph.Close], at the
// end of a station), the muxer writes the container's trailer and the
// mount's stream ends there: each listener gets every byte up to the end,
// trailer included, then the last chunk of a chunked body, and its
// connection is closed in order, so players see a clean end of stream,
// not an error (an HTTP/1.0 body simply ends with the connection, which
// FFmpeg reports as an error). [MountOptions.OnDisconnect] reports those
// listeners with io.EOF. From then on requests for the mount get 404 Not
// Found, as Icecast answers for a mount without a source: a closed graph
// does not start again. [Server.Close] (or the end of [Server.Run])
// disconnects the listeners still connected with [ErrServerClosed] and
// waits for their goroutines; those of an ended mount first get the rest
// of its stream, for at most [Options.DrainTimeout], so that a station
// may close its graph and then its server at once.
package listen
