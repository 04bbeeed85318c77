package onair

import "slices"

// pcmRing is a FIFO of frames: planar float32 audio of the main track,
// with track marks and metadata kept at absolute sample positions (counted
// since the last reset), and the frames' other tracks at the same
// positions (see ringTrack). Its storage is allocated once by reserve (and
// once per other track) and reused, so that pushing and popping in steady
// state does not allocate. It is not safe for concurrent use: the Buffer
// guards it with a mutex, Crossfade uses it from one goroutine.
type pcmRing struct {
	chans [][]float32 // one ring per channel, each of length size
	size  int
	head  int64 // absolute position of the oldest sample held
	tail  int64 // absolute position after the newest sample held
	marks []int64
	meta  []pcmMeta

	tracks []ringTrack // the other tracks (see buffer_tracks.go)
}

type pcmMeta struct {
	pos int64
	m   Metadata
}

// reserve makes room for at least size samples per channel, keeping the
// content. It allocates only when the ring grows.
func (r *pcmRing) reserve(channels, size int) {
	if r.chans != nil && len(r.chans) == channels && r.size >= size {
		return
	}
	size = max(size, 1)
	n := r.len()
	old := r.chans
	oldSize := r.size
	r.chans = make([][]float32, channels)
	for c := range r.chans {
		r.chans[c] = make([]float32, size)
	}
	r.size = size
	if r.marks == nil {
		r.marks = make([]int64, 0, 16)
		r.meta = make([]pcmMeta, 0, 16)
	}
	if old == nil || len(old) != channels {
		r.tail = r.head
		r.tracks = nil
		return
	}
	tmp := make([]float32, n)
	for c := range channels {
		ringRead(old[c], oldSize, r.head, tmp)
		ringWrite(r.chans[c], r.size, r.head, tmp)
	}
	r.growTracks(oldSize, n)
}

// len returns the number of samples held.
func (r *pcmRing) len() int { return int(r.tail - r.head) }

// free returns how many samples can be pushed without growing.
func (r *pcmRing) free() int { return r.size - r.len() }

// reset empties the ring and restarts positions at 0.
func (r *pcmRing) reset() {
	r.head, r.tail = 0, 0
	r.marks = r.marks[:0]
	clear(r.meta)
	r.meta = r.meta[:0]
	r.resetTracks()
}

func ringWrite(ring []float32, size int, pos int64, src []float32) {
	i := int(pos % int64(size))
	n1 := copy(ring[i:], src)
	copy(ring, src[n1:])
}

func ringRead(ring []float32, size int, pos int64, dst []float32) {
	i := int(pos % int64(size))
	n1 := copy(dst, ring[i:])
	copy(dst[n1:], ring)
}

// push appends the samples of f in positions [from, to) with their marks
// and metadata (those at position to only when to is f.Len()) and the
// frame's other tracks. The caller makes room first (reserve or drop):
// push keeps at most free() samples. A channel or audio track the frame
// lacks is filled with silence.
func (r *pcmRing) push(f *Frame, from, to int) {
	n := min(to-from, r.free())
	if n < 0 {
		return
	}
	to = from + n
	audio := f.Audio()
	for c, ring := range r.chans {
		if c < len(audio) {
			ringWrite(ring, r.size, r.tail, audio[c][from:to])
			continue
		}
		for i := range n {
			ring[int((r.tail+int64(i))%int64(r.size))] = 0
		}
	}
	inclEnd := to == f.Len()
	for _, m := range f.Marks() {
		if m >= from && (m < to || inclEnd && m == to) {
			r.addMark(r.tail + int64(m-from))
		}
	}
	for _, m := range f.Metadata() {
		if m.Pos >= from && (m.Pos < to || inclEnd && m.Pos == to) {
			r.meta = append(r.meta, pcmMeta{pos: r.tail + int64(m.Pos-from), m: m.Metadata})
		}
	}
	r.pushTracks(f, from, n)
	r.tail += int64(n)
}

func (r *pcmRing) addMark(p int64) {
	if k := len(r.marks); k > 0 && r.marks[k-1] >= p {
		return
	}
	r.marks = append(r.marks, p)
}

// readAudio copies n samples per channel starting at absolute position pos
// into dst[c][off:off+n].
func (r *pcmRing) readAudio(pos int64, n int, dst [][]float32, off int) {
	for c := range min(len(dst), len(r.chans)) {
		ringRead(r.chans[c], r.size, pos, dst[c][off:off+n])
	}
}

// pop moves the n oldest samples to the end of f (which must have room)
// with the marks, metadata, pictures and packets in their span, and
// returns the number of samples moved. Marks and metadata at the new head
// stay in the ring. It moves fewer (possibly none) when a packet track's
// stream changes in the span: f gets the packets of one stream per track.
func (r *pcmRing) pop(f *Frame, n int) int {
	n = min(n, r.len(), f.Free())
	if n > 0 && len(r.tracks) > 0 {
		n = r.packetLimit(f, n)
	}
	if n <= 0 {
		return 0
	}
	base := f.Len()
	f.Extend(n)
	r.readAudio(r.head, n, f.Audio(), base)
	if len(r.tracks) > 0 {
		r.popTracks(f, base, n)
	}
	end := r.head + int64(n)
	for _, m := range r.marks {
		if m < end {
			f.AddMark(base + int(m-r.head))
		}
	}
	for _, m := range r.meta {
		if m.pos < end {
			f.AddMetadata(base+int(m.pos-r.head), m.m)
		}
	}
	r.drop(n)
	return n
}

// drop forgets the n oldest samples with the marks and metadata before the
// new head.
func (r *pcmRing) drop(n int) {
	n = min(n, r.len())
	r.head += int64(n)
	k := 0
	for k < len(r.marks) && r.marks[k] < r.head {
		k++
	}
	r.marks = r.marks[:copy(r.marks, r.marks[k:])]
	k = 0
	for k < len(r.meta) && r.meta[k].pos < r.head {
		k++
	}
	if k > 0 {
		m := copy(r.meta, r.meta[k:])
		clear(r.meta[m:])
		r.meta = r.meta[:m]
	}
	if len(r.tracks) > 0 {
		r.dropTracks()
	}
}

// dropKeep drops the n oldest samples like drop, but carries a track mark
// and the last metadata of the dropped span to the new head, so that a
// consumer still sees the track boundary and the current metadata. It
// reports whether a mark was carried.
func (r *pcmRing) dropKeep(n int) bool {
	n = min(n, r.len())
	end := r.head + int64(n)
	mark := false
	for _, m := range r.marks {
		if m < end {
			mark = true
		}
	}
	var last Metadata
	for _, m := range r.meta {
		if m.pos < end {
			last = m.m
		}
	}
	r.drop(n)
	if mark && (len(r.marks) == 0 || r.marks[0] != r.head) {
		r.marks = slices.Insert(r.marks, 0, r.head)
	}
	if last != nil {
		r.meta = slices.Insert(r.meta, 0, pcmMeta{pos: r.head, m: last})
	}
	return mark
}

// firstMarkAfter returns the first mark at a position > p.
func (r *pcmRing) firstMarkAfter(p int64) (int64, bool) {
	for _, m := range r.marks {
		if m > p {
			return m, true
		}
	}
	return 0, false
}

// removeMark removes the mark at position p, if any.
func (r *pcmRing) removeMark(p int64) {
	r.marks = slices.DeleteFunc(r.marks, func(m int64) bool { return m == p })
}
