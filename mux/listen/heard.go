package listen

import "slices"

// This file answers "which title do the listeners hear now?", as opposed
// to the title the muxer reached (Mount.Title).
//
// A listener hears byte X of the stream when its player plays it. The
// server cannot see the player; it knows the bytes it sent. A player
// starts playing the first bytes it gets, and when a listener connects it
// gets the burst at once: the last BurstSize bytes (from the first start
// point at or after them), whose duration is the head start of the
// listener's buffer. From then on the server sends the stream as the
// muxer writes it, and the player, playing at the stream's rate, stays as
// many bytes behind the bytes sent to it as the burst gave it: its Lead.
// So the stream offset a listener plays now is its Position (bytes sent)
// minus its Lead, and the title it hears is the title in force there.
// Buffering a player adds on its side (a browser that waits for a few
// seconds of data before it starts) is not seen and not counted.

// Heard returns the title the mount's listeners hear now and the stream
// offset where it starts: the title in force BurstSize bytes before the
// end of the stream, which is where a listener that connected with a
// whole burst and keeps up plays (see [ListenerInfo.Lead]). A title the
// muxer just reached is heard BurstSize bytes of stream later (at 128
// kbit/s and the default 64 KiB, 4 s later). Before the stream holds
// BurstSize bytes it is the title in force at the stream's start.
func (m *Mount) Heard() (title string, from int64) {
	t := m.ring.titleBefore(m.ring.written.Load() - int64(m.cfg.BurstSize))
	return t.text, t.off
}

// heardBy returns the title listener l hears now: the title in force at
// its Position minus its Lead ("" before it started).
func (m *Mount) heardBy(info *ListenerInfo) string {
	if info.Position < 0 {
		return ""
	}
	return m.ring.titleBefore(info.Position - info.Lead).text
}

// titleBefore returns the title in force at stream offset off (clamped to
// the bytes written and held): the last title recorded at or before it.
func (r *ring) titleBefore(off int64) title {
	r.mu.RLock()
	defer r.mu.RUnlock()
	off = min(off, r.written.Load())
	i, found := slices.BinarySearchFunc(r.titles, off, func(t title, o int64) int { return cmp64(t.off, o) })
	if !found {
		i--
	}
	return r.titles[max(i, 0)]
}
