package onair

// xfExtra is a track of one side of a transition other than the main
// audio: an audio track, the pictures of a video track or the packets of
// a packet track, at positions relative to the side's start. Its storage
// is reused from one transition to the next.
type xfExtra struct {
	name  string
	kind  TrackKind
	used  bool // holds data of the current transition
	audio [][]float32
	pics  []Picture
	pkts  []ringPacket // with the stream of each
}

// extra returns the side's track named name, reusing its storage, with n
// samples of room for audio tracks.
func (t *xfTrack) extra(name string, kind TrackKind, channels, n int) *xfExtra {
	var e *xfExtra
	for i := range t.extras {
		if t.extras[i].name == name {
			e = &t.extras[i]
			break
		}
	}
	if e == nil {
		t.extras = append(t.extras, xfExtra{name: name})
		e = &t.extras[len(t.extras)-1]
	}
	e.kind, e.used = kind, true
	if kind != AudioTrack {
		channels = 0
	}
	if len(e.audio) != channels {
		e.audio = make([][]float32, channels)
	}
	for c := range e.audio {
		if cap(e.audio[c]) < n {
			e.audio[c] = make([]float32, n, n+n/2)
		}
		e.audio[c] = e.audio[c][:n]
	}
	return e
}

// release drops the side's pictures and packets (so that a finished
// transition does not keep them alive) and marks its tracks unused.
func (t *xfTrack) release() {
	for i := range t.extras {
		e := &t.extras[i]
		clear(e.pics)
		e.pics = e.pics[:0]
		clear(e.pkts)
		e.pkts = e.pkts[:0]
		e.used = false
	}
}

// copySide copies the n samples at ring position from of the ring's other
// tracks into side t (whose main audio the caller copies).
func (r *pcmRing) copySide(t *xfTrack, from int64, n int) {
	t.release()
	end := from + int64(n)
	for i := range r.tracks {
		rt := &r.tracks[i]
		if !rt.active {
			continue
		}
		e := t.extra(rt.name, rt.kind, len(rt.chans), n)
		switch rt.kind {
		case AudioTrack:
			for c := range e.audio {
				ringRead(rt.chans[c], r.size, from, e.audio[c])
			}
		case VideoTrack:
			for _, p := range rt.pics.held() {
				if p.pos >= from && p.pos < end {
					p.v.Pos = int(p.pos - from)
					e.pics = append(e.pics, p.v)
				}
			}
		case PacketTrack:
			for _, p := range rt.pkts.held() {
				if p.pos >= from && p.pos < end {
					p.v.p.Pos = int(p.pos - from)
					if p.v.s == nil {
						p.v.s = rt.stream
					}
					e.pkts = append(e.pkts, p.v)
				}
			}
		}
	}
}

// outTrack returns f's track named name of the given kind, added when
// missing (audio tracks with the given channels), or nil when f has a
// track of another kind under that name.
func outTrack(f *Frame, name string, kind TrackKind, channels int) *Track {
	dt := f.Track(name)
	switch {
	case dt == nil && kind == AudioTrack:
		return f.AddAudioTrack(name, channels)
	case dt == nil:
		return f.AddTrack(name, kind, nil)
	case dt.Kind != kind:
		return nil
	}
	return dt
}

// generateExtras writes positions [from, from+n) of the side's other
// tracks to f at position base (f was extended by n already). The ending
// side's packets are left out: during a transition only the starting
// track's packets pass. The track's stream is that of its first packet
// in the frame (a frame of a side's source is not cut where the stream
// changes, since a short frame would end the transition).
func (r *xfTrackReader) generateExtras(f *Frame, base, from, n int) {
	for i := range r.t.extras {
		e := &r.t.extras[i]
		if !e.used {
			continue
		}
		if e.kind == PacketTrack && !r.t.start {
			continue
		}
		dt := outTrack(f, e.name, e.kind, len(e.audio))
		if dt == nil {
			continue
		}
		switch e.kind {
		case AudioTrack:
			for c := range min(len(dt.Audio), len(e.audio)) {
				copy(dt.Audio[c][base:base+n], e.audio[c][from:from+n])
			}
		case VideoTrack:
			for _, p := range e.pics {
				if p.Pos >= from && p.Pos < from+n {
					p.Pos += base - from
					dt.Pictures = append(dt.Pictures, p)
				}
			}
		case PacketTrack:
			first := true
			for _, p := range e.pkts {
				if p.p.Pos >= from && p.p.Pos < from+n {
					if first && p.s != nil {
						dt.Stream = p.s
					}
					first = false
					p.p.Pos += base - from
					dt.Packets = append(dt.Packets, p.p)
				}
			}
		}
	}
}

// packetClash reports whether appending src's packets to dst would put
// two streams in one packet track of dst (a frame's track has one
// [StreamInfo]).
func packetClash(dst, src *Frame) bool {
	for i := range src.tracks {
		st := &src.tracks[i]
		if st.Kind != PacketTrack || len(st.Packets) == 0 {
			continue
		}
		if dt := dst.Track(st.Name); dt != nil && streamClash(dt, st.Stream) {
			return true
		}
	}
	return false
}

// streamClash reports whether packets of stream s cannot join track dt.
func streamClash(dt *Track, s *StreamInfo) bool {
	return s != nil && len(dt.Packets) > 0 && dt.Stream != nil && dt.Stream != s
}
