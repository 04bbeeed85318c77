package decode

import "context"

// LiveState is what tests of live sources wait for.
type LiveState struct {
	LiveStats
	// Playing reports whether a Play call is active (opened or not).
	Playing bool
	// Reading reports whether Play is blocked in a Read of its stream.
	Reading bool
	// Awake reports whether the source's node is awake.
	Awake bool
}

// WaitLive waits until cond holds for s's state or ctx ends. cond runs
// with s's lock held: it must not call s's methods.
func WaitLive(ctx context.Context, s *LiveSource, cond func(LiveState) bool) error {
	return s.waitFor(ctx, func() bool {
		st := LiveState{LiveStats: s.statsLocked(), Awake: s.awake}
		st.Playing = s.sess != nil
		st.Reading = s.sess != nil && s.sess.reading
		return cond(st)
	})
}

// HTTPLive returns the live source behind h.
func HTTPLive(h *HTTPSource) *LiveSource { return h.live }
