// Package whep serves a station to WebRTC listeners with WHEP, the
// WebRTC-HTTP Egress Protocol: any browser (a few lines of JavaScript, see
// examples/live) or WHEP player hears the station with the delay of a call,
// a fraction of a second, where Icecast listeners hear it seconds late and
// HLS listeners tens of seconds.
//
//	enc, _ := encode.Audio(show, &encode.AudioOptions{Codec: "libopus", BitRate: 96000, HandOff: -1})
//	srv, _ := whep.NewServer(&whep.Options{ICE: whep.ICE{Loopback: true}})
//	live, _ := srv.Mount("/live", enc, nil)
//	_ = graph.Add(live)
//	http.Handle("/live", srv) // and "/live/" for the sessions
//
// # Encode once, send to every listener
//
// A Mount is a graph output that reads the Opus packet track of a shared
// encoder (encode.Audio with codec "libopus": 48 kHz, 20 ms packets; a
// negative HandOff gives it every frame at once, where the default 100 ms
// adds 100 to 200 ms of delay). Each
// tick it wraps the tick's packets in RTP packets, once, and hands the same
// packets to every listener: there is no encoding, packetizing or copying per
// listener. The clock goroutine only puts them in each listener's bounded
// queue (MountOptions.Queue); each listener's goroutine sends from its queue
// to its peer connection. A listener whose queue is full (a peer that cannot
// keep up or has gone) is dropped, without delaying the clock or the other
// listeners.
//
// # The WHEP resource
//
// A listener POSTs its SDP offer (Content-Type application/sdp, receiving
// Opus audio) to the mount's path and gets 201 Created with the SDP answer and
// a Location header naming its session (MOUNT/sessions/ID). ICE candidates are
// gathered before answering (no trickle needed); PATCH on the session with an
// application/trickle-ice-sdpfrag body adds the client's late candidates.
// DELETE on the session ends it. Errors: a body that is not application/sdp
// gets 415, a malformed offer or one without Opus audio 400, a refused token
// 401, a listener over a limit 503, an unknown session 404, an ended mount 404.
// Every refusal is logged with its reason.
//
// # Now playing
//
// A listener that opens a data channel in its offer (any label, such as
// "metadata") gets the current metadata at once and each change as it
// reaches the listener's audio, as a JSON object of the tags
// ({"artist":"...","title":"..."}); MountOptions.OnMetadata sees them too.
//
// # Latency and cost
//
// The clock runs ticks in batches (up to its ClockOptions.Latency ahead of
// the wall clock); the mount paces the packets by their timestamps so that
// listeners get one every 20 ms (MountOptions.NoPacing sends them at once).
// Measured on loopback on a shared 2-core machine (see the tests in
// internal/rtc/page and BenchmarkListeners): from the graph to the audio
// Chromium plays, about 150–330 ms once Chromium's jitter buffer has
// settled (it starts deeper, 400–700 ms, and drains over a few seconds);
// from a WHIP publisher to a WHEP listener's packets, about 300 ms, most of
// it the WHIP mount's prebuffer. Each listener costs about 0.1% of a core
// and 350 KiB (200 listeners: about 22% of a core and 70 MB).
//
// # ICE
//
// Host candidates on the machine's addresses are enough on a LAN and on a
// server with a public address; ICE.HostIPs announces the public address of
// a host behind 1:1 NAT, ICE.UDPAddr puts every peer on one UDP port, and
// ICE.Servers adds STUN and TURN servers.
package whep
