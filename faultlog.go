package onair

import "log/slog"

// Fault names a fault a station survives. Every package of the module
// logs each such fault as exactly one [log/slog] record that carries the
// attribute event=<fault> ([LogEvent]), so that an operator can filter,
// alert and count on one stable field instead of on messages, which may
// change. A [FaultCounter] counts these records; package metrics exports
// the counts as onair_faults_total.
//
// # Schema of fault records
//
// Every fault record has:
//
//   - event ([LogEvent]): one of the Fault constants below;
//   - exactly one component attribute naming what survived the fault, by
//     the ID or name the station gave it: source ([LogSource], a source's
//     node ID), output ([LogOutput], an output's node ID), mount
//     ([LogMount], a listener mount's path) or clock ([LogClock], a
//     clock's name);
//   - err ([LogErr]) when an error caused it.
//
// Some carry more, always under these keys: url ([LogURL], a peer's
// address with its password hidden), path ([LogPath], a file), retry_in
// ([LogRetryIn], the delay before the next attempt), attempt
// ([LogAttempt], consecutive failures so far), lag ([LogLag]), remote
// ([LogRemote], a client's address). The message is for people and may
// change; the level says how bad it is (Info: expected and harmless, Warn:
// degraded service, Error: a part of the station is off air for a while).
//
// Faults and where they are logged:
//
//   - file_skipped (source, path, err): a playlist, queue or single file
//     entry that cannot be played is skipped (package decode).
//   - reconnect (output or source, url, err, retry_in): a network output
//     (Icecast, RTMP, SRT) or input (HTTP, SRT) lost or could not make its
//     connection and connects again after retry_in (packages mux/icecast,
//     mux/rtmp, mux/srt, decode). One record per attempt.
//   - listener_dropped (mount, remote, err): a listener was disconnected
//     by the server because it could not keep up or its connection failed
//     (packages mux/listen, mux/whep); listeners that leave are not faults.
//   - clock_reset (clock, lag): a real-time clock fell more than its
//     maximum latency behind and reset its outputs.
//   - clock_catch_up (clock, lag): a real-time clock is late and catches
//     up (at most one record a second while it stays late).
//   - segment_dropped (output): an HLS round of segments was dropped
//     because the storage writer fell behind (package mux/hls).
//   - storage_error (output, path, err): an HLS file could not be written
//     or removed (package mux/hls).
type Fault string

// The faults. The set may grow; a name never changes meaning.
const (
	FaultFileSkipped     Fault = "file_skipped"
	FaultReconnect       Fault = "reconnect"
	FaultListenerDropped Fault = "listener_dropped"
	FaultClockReset      Fault = "clock_reset"
	FaultClockCatchUp    Fault = "clock_catch_up"
	FaultSegmentDropped  Fault = "segment_dropped"
	FaultStorageError    Fault = "storage_error"
)

// The attribute keys of fault records (see [Fault]).
const (
	LogEvent   = "event"
	LogSource  = "source"
	LogOutput  = "output"
	LogMount   = "mount"
	LogClock   = "clock"
	LogErr     = "err"
	LogURL     = "url"
	LogPath    = "path"
	LogRetryIn = "retry_in"
	LogAttempt = "attempt"
	LogLag     = "lag"
	LogRemote  = "remote"
)

// Attr returns the attribute that marks a record as fault f:
//
//	log.Warn("connection failed: retrying", onair.FaultReconnect.Attr(), onair.LogOutput, id, ...)
func (f Fault) Attr() slog.Attr { return slog.String(LogEvent, string(f)) }

// Known reports whether f is one of the Fault constants.
func (f Fault) Known() bool {
	switch f {
	case FaultFileSkipped, FaultReconnect, FaultListenerDropped, FaultClockReset,
		FaultClockCatchUp, FaultSegmentDropped, FaultStorageError:
		return true
	}
	return false
}

// isComponentKey reports whether key names what survived a fault.
func isComponentKey(key string) bool {
	return key == LogSource || key == LogOutput || key == LogMount || key == LogClock
}
