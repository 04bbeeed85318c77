package filter

// fifo holds the filter's output samples, one slice per channel, until
// they are emitted. It reuses its storage: after warm-up, a steady stream
// does not allocate.
type fifo struct {
	ch   [][]float32
	head int
}

func newFifo(channels int) *fifo { return &fifo{ch: make([][]float32, channels)} }

func (q *fifo) len() int {
	if len(q.ch) == 0 {
		return 0
	}
	return len(q.ch[0]) - q.head
}

// compact moves the held samples to the start of the storage when the
// consumed part is at least half of it.
func (q *fifo) compact() {
	if q.head == 0 || len(q.ch) == 0 || q.head < len(q.ch[0])/2 {
		return
	}
	for i, c := range q.ch {
		n := copy(c, c[q.head:])
		q.ch[i] = c[:n]
	}
	q.head = 0
}

// add appends s to channel ch; call compact first, once per batch.
func (q *fifo) add(ch int, s []float32) { q.ch[ch] = append(q.ch[ch], s...) }

// addSilence appends n zero samples to every channel.
func (q *fifo) addSilence(n int) {
	q.compact()
	for i := range q.ch {
		for range n {
			q.ch[i] = append(q.ch[i], 0)
		}
	}
}

// pop copies n samples of each channel into dst[ch][at:] and drops them.
func (q *fifo) pop(dst [][]float32, at, n int) {
	for i, c := range q.ch {
		if i < len(dst) {
			copy(dst[i][at:at+n], c[q.head:q.head+n])
		}
	}
	q.head += n
}

// drop discards the n oldest samples.
func (q *fifo) drop(n int) { q.head += min(n, q.len()) }

// trim discards the n newest samples.
func (q *fifo) trim(n int) {
	n = min(n, q.len())
	for i, c := range q.ch {
		q.ch[i] = c[:len(c)-n]
	}
}

func (q *fifo) reset() {
	for i, c := range q.ch {
		q.ch[i] = c[:0]
	}
	q.head = 0
}
