package onair

// This file holds the tracks of a pcmRing other than the main audio track:
// more audio tracks (rings of the same size as the main one), video tracks
// (queues of pictures at absolute positions) and packet tracks (queues of
// packets at absolute positions, each with its stream). Pictures and
// packets are kept by reference: their data is shared, never copied.

// timed is a value at an absolute position of a ring.
type timed[T any] struct {
	pos int64
	v   T
}

// fifo is a queue of values in position order. Its storage is reused: the
// front is compacted into it when it is full, so that a queue whose length
// stays bounded stops allocating.
type fifo[T any] struct {
	items []timed[T]
	off   int
}

func (q *fifo[T]) push(pos int64, v T) {
	if q.off > 0 && len(q.items) == cap(q.items) {
		n := copy(q.items, q.items[q.off:])
		clear(q.items[n:])
		q.items = q.items[:n]
		q.off = 0
	}
	q.items = append(q.items, timed[T]{pos, v})
}

// held returns the values in the queue, oldest first.
func (q *fifo[T]) held() []timed[T] { return q.items[q.off:] }

// dropBefore forgets the values at positions before p, releasing what
// they reference.
func (q *fifo[T]) dropBefore(p int64) {
	for q.off < len(q.items) && q.items[q.off].pos < p {
		q.items[q.off] = timed[T]{}
		q.off++
	}
	if q.off == len(q.items) {
		q.items, q.off = q.items[:0], 0
	}
}

func (q *fifo[T]) reset() {
	clear(q.items)
	q.items, q.off = q.items[:0], 0
}

// ringPacket is a packet with the stream it belongs to.
type ringPacket struct {
	p Packet
	s *StreamInfo
}

// ringTrack is a track of a pcmRing other than the main audio track.
type ringTrack struct {
	name   string
	kind   TrackKind
	active bool // seen since the last reset: pushed and popped
	filled bool // written by the push in progress (audio)
	chans  [][]float32
	pics   fifo[Picture]
	pkts   fifo[ringPacket]
	stream *StreamInfo // the stream of the newest packet track pushed
}

// track returns the ring's track for a track of a pushed frame, creating
// (allocating) it on first sight and activating it. A track whose name
// comes back with another kind or channel count starts over.
func (r *pcmRing) track(st *Track) *ringTrack {
	var t *ringTrack
	for i := range r.tracks {
		if r.tracks[i].name == st.Name {
			t = &r.tracks[i]
			break
		}
	}
	if t == nil {
		r.tracks = append(r.tracks, ringTrack{name: st.Name})
		t = &r.tracks[len(r.tracks)-1]
	}
	if t.kind != st.Kind || (st.Kind == AudioTrack && len(t.chans) != len(st.Audio)) {
		t.kind = st.Kind
		t.chans = nil
		t.pics.reset()
		t.pkts.reset()
		t.active = false
	}
	if st.Kind == AudioTrack && t.chans == nil {
		t.chans = make([][]float32, len(st.Audio))
		for c := range t.chans {
			t.chans[c] = make([]float32, r.size)
		}
	}
	if !t.active {
		// Silence before the track was first seen.
		for _, ch := range t.chans {
			clear(ch)
		}
		t.active = true
	}
	return t
}

// pushTracks pushes positions [from, from+n) of the tracks of f other than
// the main audio, at ring position r.tail. Audio tracks the ring holds and
// f lacks get silence, so that every track stays aligned.
func (r *pcmRing) pushTracks(f *Frame, from, n int) {
	if len(r.tracks) == 0 && (len(f.tracks) == 0 || len(f.tracks) == 1 && f.tracks[0].Name == MainAudio && f.tracks[0].Kind == AudioTrack) {
		return
	}
	for i := range r.tracks {
		r.tracks[i].filled = false
	}
	to := from + n
	for i := range f.tracks {
		st := &f.tracks[i]
		if st.Name == MainAudio && st.Kind == AudioTrack {
			continue
		}
		t := r.track(st)
		switch st.Kind {
		case AudioTrack:
			for c, ring := range t.chans {
				ringWrite(ring, r.size, r.tail, st.Audio[c][from:to])
			}
			t.filled = true
		case VideoTrack:
			for _, p := range st.Pictures {
				if p.Pos >= from && p.Pos < to {
					t.pics.push(r.tail+int64(p.Pos-from), p)
				}
			}
		case PacketTrack:
			if st.Stream != nil {
				t.stream = st.Stream
			}
			for _, p := range st.Packets {
				if p.Pos >= from && p.Pos < to {
					t.pkts.push(r.tail+int64(p.Pos-from), ringPacket{p, t.stream})
				}
			}
		}
	}
	for i := range r.tracks {
		t := &r.tracks[i]
		if t.active && t.kind == AudioTrack && !t.filled {
			for _, ring := range t.chans {
				ringZero(ring, r.size, r.tail, n)
			}
		}
	}
}

func ringZero(ring []float32, size int, pos int64, n int) {
	i := int(pos % int64(size))
	n1 := min(n, size-i)
	clear(ring[i : i+n1])
	clear(ring[:n-n1])
}

// packetLimit returns how much of the n oldest samples can go into f
// without mixing two streams in one packet track of f (a frame's track
// has one [StreamInfo]): it stops before the first packet of another
// stream than the packets f already holds or the first ones popped.
func (r *pcmRing) packetLimit(f *Frame, n int) int {
	end := r.head + int64(n)
	for i := range r.tracks {
		t := &r.tracks[i]
		if !t.active || t.kind != PacketTrack {
			continue
		}
		var cur *StreamInfo
		if dt := f.Track(t.name); dt != nil && len(dt.Packets) > 0 {
			cur = dt.Stream
		}
		for _, p := range t.pkts.held() {
			if p.pos >= end {
				break
			}
			switch {
			case p.v.s == nil:
			case cur == nil:
				cur = p.v.s
			case p.v.s != cur:
				end = p.pos
			}
		}
	}
	return int(end - r.head)
}

// popTracks copies the n oldest samples of the tracks other than the main
// audio to f at position base (f has been extended by n already).
func (r *pcmRing) popTracks(f *Frame, base, n int) {
	end := r.head + int64(n)
	for i := range r.tracks {
		t := &r.tracks[i]
		if !t.active {
			continue
		}
		dt := f.Track(t.name)
		switch {
		case dt == nil && t.kind == AudioTrack:
			dt = f.AddAudioTrack(t.name, len(t.chans))
		case dt == nil:
			dt = f.AddTrack(t.name, t.kind, nil)
		case dt.Kind != t.kind:
			continue // another kind of track under that name: not ours to fill
		}
		switch t.kind {
		case AudioTrack:
			for c := range min(len(dt.Audio), len(t.chans)) {
				ringRead(t.chans[c], r.size, r.head, dt.Audio[c][base:base+n])
			}
		case VideoTrack:
			for _, p := range t.pics.held() {
				if p.pos >= end {
					break
				}
				p.v.Pos = base + int(p.pos-r.head)
				dt.Pictures = append(dt.Pictures, p.v)
			}
		case PacketTrack:
			s := t.stream
			if h := t.pkts.held(); len(h) > 0 && h[0].v.s != nil {
				s = h[0].v.s
			}
			if s != nil && (dt.Stream == nil || len(dt.Packets) == 0 || dt.Stream == s) {
				dt.Stream = s
			}
			for _, p := range t.pkts.held() {
				if p.pos >= end {
					break
				}
				p.v.p.Pos = base + int(p.pos-r.head)
				dt.Packets = append(dt.Packets, p.v.p)
			}
		}
	}
}

// dropTracks forgets the pictures and packets before the ring's head.
func (r *pcmRing) dropTracks() {
	for i := range r.tracks {
		t := &r.tracks[i]
		t.pics.dropBefore(r.head)
		t.pkts.dropBefore(r.head)
	}
}

// resetTracks empties the tracks and deactivates them (their storage is
// kept): a track is carried again once a pushed frame holds it.
func (r *pcmRing) resetTracks() {
	for i := range r.tracks {
		t := &r.tracks[i]
		t.active = false
		t.pics.reset()
		t.pkts.reset()
		t.stream = nil
	}
}

// growTracks moves the n held samples of the audio tracks into storage of
// the new size, from the old one.
func (r *pcmRing) growTracks(oldSize, n int) {
	for i := range r.tracks {
		t := &r.tracks[i]
		if t.kind != AudioTrack {
			continue
		}
		tmp := make([]float32, n)
		for c, old := range t.chans {
			ringRead(old, oldSize, r.head, tmp)
			t.chans[c] = make([]float32, r.size)
			ringWrite(t.chans[c], r.size, r.head, tmp)
		}
	}
}

// hasVideo reports whether the ring carries a video track.
func (r *pcmRing) hasVideo() bool {
	for i := range r.tracks {
		if r.tracks[i].active && r.tracks[i].kind == VideoTrack {
			return true
		}
	}
	return false
}
