package encode

import "time"

// timedRun runs j and returns how long it took, by the monotonic clock:
// the time the worker spent in the codec's calls for one frame. It is
// the codec's CPU time while a core is free for the worker (the codec
// calls never block), and more when the thread waits for a core. The
// thread's own CPU clock would be exact, but reading it is a system call
// (1.5 to 3 µs each on the 2-core test VM, two per frame, against about
// 0.15 µs for both clock readings here).
func timedRun(j *encJob) time.Duration {
	t0 := time.Now()
	j.run()
	return time.Since(t0)
}
