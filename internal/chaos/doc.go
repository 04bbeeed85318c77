// Package chaos runs the media chaos station of the "no dead air" issue:
// the station as users build it (a playlist of real files, a Fallback to
// a jingle with a harbor input first, a Crossfade, three shared encoders,
// HLS, listener mounts and an Icecast source client) under a seeded
// schedule of faults — files truncated, corrupted, deleted and replaced
// while queued or playing, Skip and InsertMetadata storms, a DJ who
// connects during a crossfade and drops, icecast2 killed and restarted,
// listeners that stall, hang up or read one byte a second, the HLS
// folder's disk full — and checks the invariants: no dead air and no
// clicks at the graph's output and in every stream decoded back with
// FFmpeg, clean decodes with increasing timestamps, valid HLS playlists
// through disk-full, flat memory after warm-up, no output that missed a
// tick (onair.Output.Missed), the goroutines back to their number at the
// end.
//
// The package test runs a short seeded version on the free-running clock;
// internal/cmd/soak (make soak HOURS=n) runs a long one on the real-time
// clock and prints the report's table.
package chaos
