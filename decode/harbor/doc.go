// Package harbor accepts live source clients — DJs streaming with
// Icecast source software — and turns each mount into a graph source, as
// Liquidsoap's input.harbor does.
//
//	h, err := harbor.New(&harbor.Options{Addr: ":8005", Password: "hackme"})
//	live, err := h.Mount("/live", &harbor.MountOptions{Prebuffer: time.Second})
//	show, err := onair.Fallback([]onair.Source{live, playlist}, &onair.SwitchOptions{Immediate: true})
//	go h.Run(ctx)
//
// A [Mount] is fallible: it is ready while a client streams and its
// prebuffer is full. The stream (MP3, AAC, Ogg Vorbis/Opus/FLAC, anything
// FFmpeg probes) is decoded by [decode.Live] on the connection's
// goroutine into a bounded buffer; the clock only copies from it. A
// disconnect ends the track with a track mark, so that a Fallback above
// the mount goes back to its other children at a track boundary.
//
// # Source clients
//
// The harbor speaks the Icecast source protocol as real clients use it
// (they were captured and are tested: FFmpeg, curl, libshout clients
// such as ezstream, oggfwd and GStreamer's shout2send, Liquidsoap):
//
//   - SOURCE (Icecast 1, libshout, Liquidsoap), often over HTTP/1.0, and
//     PUT (Icecast 2.4, FFmpeg), with or without Expect: 100-continue.
//     The stream is the rest of the connection, a chunked body, or a body
//     of the announced Content-Length (Content-Length: 0 is ignored, as
//     Icecast does). The client is answered as Icecast answers — "HTTP/1.1
//     100 Continue" when it expects it, else "HTTP/1.0 200 OK" — when the
//     decoder starts reading; a stream the decoder refuses before that
//     (the mount's graph is not running) gets 503 instead. A client that
//     was answered 100 Continue gets a final "200 OK" once its stream has
//     been read to its end (curl waits for it). A client that resets the
//     connection at the end (FFmpeg's SOURCE never reads the answer, so
//     its socket closes with unread data) ended cleanly; the reset may
//     discard the last bytes it sent.
//   - HTTP Basic authentication with [Options.User] and
//     [Options.Password] (per mount: [MountOptions]) or an [AuthFunc]
//     that sees the user, password, mount and remote address. A request
//     without credentials gets 401 with a WWW-Authenticate challenge:
//     libshout sends such a probe (SOURCE or PUT, Content-Length: 0,
//     keep-alive) before the real request; the probe's connection stays
//     open for a client that sends the real request on it.
//   - OPTIONS with Upgrade: TLS (libshout asks for RFC 2817 TLS first):
//     the harbor speaks plain HTTP, answers 200 with an Allow header (no
//     upgrade, as RFC 2817 has a server that does not upgrade do) and
//     closes the connection; libshout then connects again without TLS
//     and, having read Allow, streams with PUT.
//   - Metadata updates: GET /admin/metadata?mode=updinfo&mount=/live with
//     song=..., or artist and title (libshout), or all three (Liquidsoap),
//     with the source credentials; the mount may be URL-encoded (%2flive)
//     and given without its slash. artist and title become track
//     metadata; song becomes title when neither is given. Latin-1 text
//     (charset=ISO-8859-1, or bytes that are not UTF-8) is converted. The
//     metadata is placed at the current decode position, and a repeat of
//     the previous update is ignored. The answer is Icecast's XML
//     iceresponse. In-band metadata (Vorbis comments, ID3 tags) is read by
//     the decoder.
//   - The Content-Type is only a hint: the decoder probes the stream (VLC
//     announces application/ogg for MP3; FFmpeg's MP3 starts with an ID3
//     tag).
//
// # Bad clients
//
// Each is answered or cut, logged, and never disturbs a running stream:
// a second client on a busy mount gets 403 (mount in use); a wrong user
// or password 401; an unknown mount 404; a listener's GET 405; a stream
// the decoder refuses before reading (its graph is not running) 503.
// Servers run by [Harbor.Serve] and [Harbor.Run] also answer garbage
// with 400 and close, headers over [Options.MaxHeaderBytes] with 431,
// and close connections that have not sent complete headers within
// [Options.HeaderTimeout] (silent clients, endless headers). A source
// that sends nothing for [Options.Timeout] is disconnected
// ([ErrTimeout]).
//
// # Why net/http, and what it changes
//
// The harbor is an [http.Handler] on net/http's server rather than a
// parser of its own: net/http parses any method token (SOURCE included),
// HTTP/1.0 keep-alive (libshout's probe), header size limits, header
// timeouts and malformed requests correctly, and is hardened. What it
// cannot do is read a source's stream: SOURCE and FFmpeg's PUT send
// neither Content-Length nor chunked encoding, so for net/http the
// request has no body. The handler therefore hijacks the connection of
// an accepted source client (HTTP/1.x only), writes Icecast's answer
// itself and reads the stream from the connection, with a read deadline
// renewed at every read.
//
// To serve the harbor from a server of your own (behind your own mux),
// configure that server as Serve does: ReadHeaderTimeout, IdleTimeout and
// MaxHeaderBytes, and DisableGeneralOptionsHandler (otherwise net/http
// answers OPTIONS * itself, with 200, which libshout also accepts). Only
// Serve's server logs the clients rejected before the handler runs.
//
// # Concurrency
//
// Each connection runs on its own goroutine: authentication, callbacks
// ([MountOptions.OnConnect], [MountOptions.OnDisconnect]) and decoding run
// there, never on a clock goroutine; the decoder hands audio to the clock
// through the source's bounded buffer ([MountOptions.Prebuffer],
// [MountOptions.MaxBuffer]; underruns and overruns are logged). All
// methods are safe for concurrent use.
//
// # Latency
//
// A DJ is on air (the mount is ready) once the decoder has probed the
// stream (about 200 ms of it) and buffered Prebuffer of audio. Measured
// here from the client's acceptance to a full 500 ms prebuffer: 0.2 s for
// FFmpeg (which sends its first half second at once), 0.5–0.65 s for
// ezstream, GStreamer and Liquidsoap.
package harbor
