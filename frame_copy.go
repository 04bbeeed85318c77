package onair

// Append appends the data of src in positions [from, to) to f: audio
// samples, pictures, packets, track marks and metadata, shifted to f's end.
// Tracks are matched by name; a track of src that f lacks is added to f (its
// storage is allocated once), and audio tracks of f that src lacks are
// zero-filled. A mark or metadata at position to is included only when to
// is src.Len(), so a prefix never takes the mark that starts the rest.
// Append copies at most f.Free() samples and returns how many it copied.
//
// A packet track of f holds the packets of one stream: when src's track
// of the same name carries packets of another stream (an encoder that was
// rebuilt, another child of a switch), Append stops before the first of
// them, so that they start the track of a later frame; the caller sees a
// short count and goes on in the next tick.
func (f *Frame) Append(src *Frame, from, to int) int {
	from = max(from, 0)
	to = min(to, src.length)
	to = f.streamCut(src, from, to)
	n := min(to-from, f.size-f.length)
	if n <= 0 {
		// Marks and metadata at the very end can still be taken.
		if from == src.length && to == src.length {
			f.appendTimed(src, from, to, true)
		}
		return 0
	}
	to = from + n
	inclEnd := to == src.length
	base := f.length
	silent := to <= src.zero
	for i := range src.tracks {
		st := &src.tracks[i]
		dt := f.track(st.Name)
		if dt == nil {
			if st.Kind == AudioTrack {
				dt = f.AddAudioTrack(st.Name, len(st.Audio))
			} else {
				dt = f.AddTrack(st.Name, st.Kind, st.Stream)
			}
		}
		switch st.Kind {
		case VideoTrack:
			for _, p := range st.Pictures {
				if p.Pos >= from && p.Pos < to {
					p.Pos += base - from
					dt.Pictures = append(dt.Pictures, p)
				}
			}
		case PacketTrack:
			if st.Stream != nil && dt.Stream == nil {
				dt.Stream = st.Stream
			}
			for _, p := range st.Packets {
				if p.Pos >= from && p.Pos < to {
					if st.Stream != nil {
						dt.Stream = st.Stream // the same stream, or f had none yet
					}
					p.Pos += base - from
					dt.Packets = append(dt.Packets, p)
				}
			}
		}
	}
	f.grow(n)
	if silent {
		f.clearNew(base)
	} else {
		for i := range f.tracks {
			dt := &f.tracks[i]
			st := src.track(dt.Name)
			for c, a := range dt.Audio {
				if st != nil && st.Kind == AudioTrack && c < len(st.Audio) {
					copy(a[base:], st.Audio[c][from:to])
				} else {
					clear(a[base:])
				}
			}
		}
		f.zero = min(f.zero, base)
	}
	f.appendTimedShift(src, from, to, inclEnd, base)
	return n
}

// streamCut returns to, or the position of the first packet in [from, to)
// of src that belongs to another stream than the packets f's track of the
// same name already holds.
func (f *Frame) streamCut(src *Frame, from, to int) int {
	for i := range src.tracks {
		st := &src.tracks[i]
		if st.Kind != PacketTrack || len(st.Packets) == 0 {
			continue
		}
		dt := f.track(st.Name)
		if dt == nil || !streamClash(dt, st.Stream) {
			continue
		}
		for _, p := range st.Packets {
			if p.Pos >= from && p.Pos < to {
				to = p.Pos
				break
			}
		}
	}
	return to
}

func (f *Frame) appendTimed(src *Frame, from, to int, inclEnd bool) {
	f.appendTimedShift(src, from, to, inclEnd, f.length)
}

func (f *Frame) appendTimedShift(src *Frame, from, to int, inclEnd bool, base int) {
	for _, m := range src.marks {
		if m >= from && (m < to || (inclEnd && m == to)) {
			f.AddMark(m - from + base)
		}
	}
	for _, m := range src.meta {
		if m.Pos >= from && (m.Pos < to || (inclEnd && m.Pos == to)) {
			f.meta = append(f.meta, MetadataAt{Pos: m.Pos - from + base, Metadata: m.Metadata})
		}
	}
}

// CopyLayout makes f's track layout match src's: missing tracks are added
// (tracks of f that src lacks are kept). It allocates only for new tracks.
func (f *Frame) CopyLayout(src *Frame) {
	for i := range src.tracks {
		st := &src.tracks[i]
		if f.track(st.Name) != nil {
			continue
		}
		if st.Kind == AudioTrack {
			f.AddAudioTrack(st.Name, len(st.Audio))
		} else {
			f.AddTrack(st.Name, st.Kind, st.Stream)
		}
	}
}
