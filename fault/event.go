// Package fault is the schema of the log records of the faults a station
// survives (a bad file skipped, a reconnection, a listener dropped, a
// clock reset...): one [Event] name and stable attribute keys, which every
// package of the module uses, and a [Counter] that counts the records
// under a logger for metrics.
package fault

import "log/slog"

// Event names a fault a station survives. Every package of the module
// logs each such fault as exactly one [log/slog] record that carries the
// attribute event=<fault> ([KeyEvent]), so that an operator can filter,
// alert and count on one stable field instead of on messages, which may
// change. A [Counter] counts these records; package metrics exports
// the counts as onair_faults_total.
//
// # Schema of fault records
//
// Every fault record has:
//
//   - event ([KeyEvent]): one of the Event constants below;
//   - exactly one component attribute naming what survived the fault, by
//     the ID or name the station gave it: source ([KeySource], a source's
//     node ID), output ([KeyOutput], an output's node ID), mount
//     ([KeyMount], a listener mount's path) or clock ([KeyClock], a
//     clock's name);
//   - err ([KeyErr]) when an error caused it.
//
// Some carry more, always under these keys: url ([KeyURL], a peer's
// address with its password hidden), path ([KeyPath], a file), retry_in
// ([KeyRetryIn], the delay before the next attempt), attempt
// ([KeyAttempt], consecutive failures so far), lag ([KeyLag]), remote
// ([KeyRemote], a client's address). The message is for people and may
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
type Event string

// The faults. The set may grow; a name never changes meaning.
const (
	FileSkipped     Event = "file_skipped"
	Reconnect       Event = "reconnect"
	ListenerDropped Event = "listener_dropped"
	ClockReset      Event = "clock_reset"
	ClockCatchUp    Event = "clock_catch_up"
	SegmentDropped  Event = "segment_dropped"
	StorageError    Event = "storage_error"
)

// The attribute keys of fault records (see [Event]).
const (
	KeyEvent   = "event"
	KeySource  = "source"
	KeyOutput  = "output"
	KeyMount   = "mount"
	KeyClock   = "clock"
	KeyErr     = "err"
	KeyURL     = "url"
	KeyPath    = "path"
	KeyRetryIn = "retry_in"
	KeyAttempt = "attempt"
	KeyLag     = "lag"
	KeyRemote  = "remote"
)

// Attr returns the attribute that marks a record as fault f:
//
//	log.Warn("connection failed: retrying", fault.Reconnect.Attr(), fault.KeyOutput, id, ...)
func (f Event) Attr() slog.Attr { return slog.String(KeyEvent, string(f)) }

// Known reports whether f is one of the Event constants.
func (f Event) Known() bool {
	switch f {
	case FileSkipped, Reconnect, ListenerDropped, ClockReset,
		ClockCatchUp, SegmentDropped, StorageError:
		return true
	}
	return false
}

// isComponentKey reports whether key names what survived a fault.
func isComponentKey(key string) bool {
	return key == KeySource || key == KeyOutput || key == KeyMount || key == KeyClock
}
