// Package whip takes live shows from WHIP publishers — a browser tab
// (getUserMedia, a few lines of JavaScript: see examples/live), OBS 30 or
// later, GStreamer's whipclientsink — and turns each mount into a graph
// source, as package harbor does for Icecast source clients.
//
//	srv, _ := whip.NewServer(&whip.Options{Token: "hackme"})
//	live, _ := srv.Mount("/dj", nil)
//	show, _ := onair.Fallback([]onair.Source{live, playlist}, &onair.SwitchOptions{Immediate: true})
//	http.Handle("/dj", srv) // and "/dj/" for the sessions
//
// # The WHIP resource
//
// A publisher POSTs its SDP offer (application/sdp, sending Opus audio) to
// the mount's path with "Authorization: Bearer TOKEN" and gets 201 Created
// with the answer and a Location header naming its session
// (MOUNT/sessions/ID); DELETE on the session ends the show, PATCH with an
// application/trickle-ice-sdpfrag body adds late ICE candidates. A missing or
// wrong token gets 401, a second publisher on a busy mount 409, an offer that
// is malformed or sends no Opus 400, a publisher while the mount's graph is
// not running 503; each refusal is logged with its reason. Video that a
// publisher offers beside its audio (OBS sends H.264) is accepted and
// dropped: the mount carries the audio.
//
// # From RTP to the graph
//
// Each mount is a decode.Live source. The publisher's RTP packets go through
// a jitter buffer that puts them back in sequence order, waiting
// MountOptions.Jitter for a missing one before it counts as lost; each
// packet is decoded with FFmpeg's libopus decoder, and each lost packet is
// made up by libopus's packet-loss concealment. The 48 kHz audio is handed
// to the live source, which resamples it to the graph format, buffers
// MountOptions.Prebuffer before it is ready, and is unready (fallible) when
// the publisher is gone or its audio runs out: put the mount in an
// onair.Fallback. Each publisher's show is a track; when the publisher
// leaves, what is buffered plays out and a track mark ends the track, so the
// Fallback goes back to its other sources, and comes back to the mount when a
// publisher returns.
//
// # Watchdogs
//
// A publisher whose peer connection is not connected within
// Options.ConnectTimeout, or that sends no audio for Options.MediaTimeout
// (a tab whose microphone never started, a dead link), is disconnected and
// logged, freeing the mount for the next one.
package whip
