package onair_test

import "sync"

// chaosWorkers run API calls (Skip, InsertMetadata, Reload) on goroutines
// other than the clock's; the driver waits for each batch, so that the
// run stays deterministic.
type chaosWorkers struct {
	in   []chan func()
	wg   sync.WaitGroup
	once sync.Once
}

func newChaosWorkers(n int) *chaosWorkers {
	w := &chaosWorkers{}
	for range n {
		c := make(chan func())
		w.in = append(w.in, c)
		go func() {
			for fn := range c {
				fn()
				w.wg.Done()
			}
		}()
	}
	return w
}

// run runs fns spread over the workers, concurrently, and waits.
func (w *chaosWorkers) run(fns ...func()) {
	w.wg.Add(len(fns))
	for i, fn := range fns {
		w.in[i%len(w.in)] <- fn
	}
	w.wg.Wait()
}

func (w *chaosWorkers) close() {
	w.once.Do(func() {
		for _, c := range w.in {
			close(c)
		}
	})
}
