package decode

import (
	"math"
	"slices"

	"github.com/onair-go/onair"
)

// liveRing is the bounded FIFO between a live stream's decoder and the
// clock: planar float32 audio with track marks and metadata at absolute
// sample positions (counted since the ring was last reset). Its storage is
// allocated once by reserve. It is not safe for concurrent use: the
// LiveSource guards it with its mutex.
type liveRing struct {
	chans [][]float32
	size  int
	join  int   // samples of the crossfade that joins the two sides of an overrun's drop
	head  int64 // position of the oldest sample held
	tail  int64 // position after the newest sample held
	marks []liveMark
	meta  []liveMeta
}

// liveMark is a track mark. end marks where a stream (one Play) ended:
// the consumer waits for the prebuffer again after it.
type liveMark struct {
	pos int64
	end bool
}

type liveMeta struct {
	pos int64
	m   onair.Metadata
}

// reserve allocates storage for size samples of channels channels, unless
// the ring already has that shape, and sets the length of the crossfade
// over an overrun's drop. It empties the ring.
func (r *liveRing) reserve(channels, size, join int) {
	r.reset()
	r.join = join
	if len(r.chans) == channels && r.size == size {
		return
	}
	r.chans = make([][]float32, channels)
	for c := range r.chans {
		r.chans[c] = make([]float32, size)
	}
	r.size = size
}

// reset empties the ring and restarts positions at 0.
func (r *liveRing) reset() {
	r.head, r.tail = 0, 0
	r.marks = r.marks[:0]
	clear(r.meta)
	r.meta = r.meta[:0]
}

// len returns the number of samples held.
func (r *liveRing) len() int { return int(r.tail - r.head) }

// push appends the first n samples of src (one slice per channel) and
// returns how many samples were dropped from the front to make room
// (overrun). A chunk longer than the ring keeps only its end.
func (r *liveRing) push(src [][]float32, n int) (dropped int) {
	if n <= 0 || r.size == 0 || len(src) == 0 {
		return 0
	}
	off := 0
	if n > r.size {
		// The start of src does not fit: it passes through the ring at
		// once, with everything held before it.
		off = n - r.size
		r.tail += int64(off)
		dropped = r.len()
		r.drop(dropped)
		n = r.size
	} else if over := r.len() + n - r.size; over > 0 {
		r.dropJoined(over)
		dropped = over
	}
	for c := range r.chans {
		in := src[min(c, len(src)-1)][off : off+n] // fewer channels given: repeat the last
		i := int(r.tail % int64(r.size))
		k := copy(r.chans[c][i:], in)
		copy(r.chans[c], in[k:])
	}
	r.tail += int64(n)
	return dropped
}

// dropJoined removes k samples from the front for an overrun. The consumer
// has played up to the front, so dropping there would splice its last
// sample to one k samples later: a click. Instead the first join samples
// kept cross from the dropped front to their own audio (a raised cosine),
// so the output goes on from where it was. Without room for that, or with
// a track mark in the way, it drops plainly.
func (r *liveRing) dropJoined(k int) {
	n := r.join
	if n <= 0 || r.len() < k+n || r.markIn(r.head+1, r.head+int64(k+n)) {
		r.drop(k)
		return
	}
	for _, ch := range r.chans {
		for i := range n {
			a := &ch[int((r.head+int64(i))%int64(r.size))]
			b := &ch[int((r.head+int64(k+i))%int64(r.size))]
			w := float32((1 - math.Cos(math.Pi*(float64(i)+0.5)/float64(n))) / 2)
			*b = *a + (*b-*a)*w
		}
	}
	r.drop(k)
}

// markIn reports whether a track mark lies in [from, to].
func (r *liveRing) markIn(from, to int64) bool {
	for _, m := range r.marks {
		if m.pos >= from && m.pos <= to {
			return true
		}
	}
	return false
}

// drop removes k samples from the front. A track mark dropped with them is
// kept at the new front, so that the consumer still sees a track change;
// so is the last metadata dropped, placed before any metadata already at
// the new front.
func (r *liveRing) drop(k int) {
	if k <= 0 {
		return
	}
	head := r.head + int64(k)
	i := 0
	for i < len(r.marks) && r.marks[i].pos < head {
		i++
	}
	if i > 0 {
		r.marks = slices.Delete(r.marks, 0, i)
		if len(r.marks) == 0 || r.marks[0].pos != head {
			r.marks = slices.Insert(r.marks, 0, liveMark{pos: head})
		}
	}
	j := 0
	for j < len(r.meta) && r.meta[j].pos < head {
		j++
	}
	if j > 0 {
		last := r.meta[j-1]
		last.pos = head
		clear(r.meta[:j-1])
		r.meta = slices.Delete(r.meta, 0, j-1)
		r.meta[0] = last
	}
	r.head = head
}

// addMark adds a track mark at pos (clamped to the ring's range); marks at
// the same position merge.
func (r *liveRing) addMark(pos int64, end bool) {
	pos = min(max(pos, r.head), r.tail)
	i := len(r.marks)
	for i > 0 && r.marks[i-1].pos > pos {
		i--
	}
	if i > 0 && r.marks[i-1].pos == pos {
		r.marks[i-1].end = r.marks[i-1].end || end
		return
	}
	r.marks = slices.Insert(r.marks, i, liveMark{pos: pos, end: end})
}

// addMeta adds metadata at pos (clamped to the ring's range), after any
// metadata already there.
func (r *liveRing) addMeta(pos int64, m onair.Metadata) {
	pos = min(max(pos, r.head), r.tail)
	i := len(r.meta)
	for i > 0 && r.meta[i-1].pos > pos {
		i--
	}
	r.meta = slices.Insert(r.meta, i, liveMeta{pos: pos, m: m})
}

// hasEnd reports whether an end mark is held: the data before it must
// drain even if it is shorter than the prebuffer.
func (r *liveRing) hasEnd() bool {
	for _, m := range r.marks {
		if m.end {
			return true
		}
	}
	return false
}

// nextEvent returns the position of the first mark or metadata after the
// head, or the tail when there is none.
func (r *liveRing) nextEvent() int64 {
	next := r.tail
	if len(r.marks) > 0 && r.marks[0].pos > r.head {
		next = min(next, r.marks[0].pos)
	}
	if len(r.meta) > 0 && r.meta[0].pos > r.head {
		next = min(next, r.meta[0].pos)
	}
	return next
}

// read copies k samples from the front into dst (one slice per channel,
// each at least k long) and removes them. The caller takes the marks and
// metadata at the front first (see nextEvent).
func (r *liveRing) read(dst [][]float32, k int) {
	i := int(r.head % int64(r.size))
	for c, d := range dst {
		if c >= len(r.chans) {
			break
		}
		n := copy(d[:k], r.chans[c][i:])
		copy(d[n:k], r.chans[c])
	}
	r.head += int64(k)
}
