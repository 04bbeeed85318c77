package onair

import "time"

// A Skip starts the next track cold, over a frame's fade-in, with nothing
// of the skipped track left to cover it: the next track's leading silence
// would be heard as dead air. Files often begin with some (encoder delay,
// a damaged head that the decoder conceals with silence: 42 ms for an MP3
// whose first 64 KiB are zeros), so after a Skip the crossfade leaves out
// up to skipTrimMax of it. A sample is silence when every channel is under
// skipTrimLevel (-60 dBFS).
const (
	skipTrimMax   = 500 * time.Millisecond
	skipTrimLevel = 1e-3
)

// trimLead drops leading silence of the track at the head of the lookahead
// after a Skip (x.trim samples at most, never past the next track's mark),
// keeping its mark and metadata with the first sample kept. It reports
// whether it dropped anything (the caller fills the lookahead again). The
// trim ends at the first sound, at the next track, or when its bound is
// spent; while the lookahead holds only silence it waits for more.
func (x *Crossfader) trimLead() bool {
	if len(x.la.tracks) > 0 {
		x.trim = 0 // pictures and packets go with the audio: not cut
		return false
	}
	limit := min(x.trim, x.la.len())
	next, hasNext := x.la.firstMarkAfter(x.la.head)
	if hasNext {
		limit = min(limit, int(next-x.la.head))
	}
	k := x.la.silentRun(x.la.head, limit, skipTrimLevel)
	if k > 0 {
		x.la.dropKeep(k)
		x.trim -= k
	}
	if k < limit || (hasNext && x.la.head == next) || x.trim <= 0 {
		x.trim = 0
	}
	return k > 0
}

// silentRun returns how many of the n samples from position pos are
// silence: under level on every channel.
func (r *pcmRing) silentRun(pos int64, n int, level float32) int {
	for k := range n {
		i := int((pos + int64(k)) % int64(r.size))
		for _, ch := range r.chans {
			if v := ch[i]; v >= level || v <= -level {
				return k
			}
		}
	}
	return n
}
