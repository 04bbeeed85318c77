package onair

import (
	"fmt"
	"slices"
)

// TrackSpec names one track of a [Multitrack] source: the track Track of
// Source, renamed Name.
type TrackSpec struct {
	// Name is the track's name in the multitrack source ("audio_aac_low",
	// "video", ...). It is required and unique.
	Name string
	// Source provides the track.
	Source Source
	// Track is the track's name in Source's frames. It defaults to Name.
	Track string
}

// MultitrackOptions configure [Multitrack] and [Select]. A nil
// *MultitrackOptions means all defaults.
type MultitrackOptions struct {
	// ID names the source. It defaults to "multitrack" ("select" for
	// Select).
	ID string
}

// Multitrack returns a source whose frames hold the given tracks, taken
// from several sources and renamed: for instance the packet tracks of
// three shared encoders of one source as "audio_aac_low",
// "audio_aac_high" and "audio_mp3", for muxers that copy some and drop the
// others. Track marks and metadata come from the first track's source;
// those of the other sources are ignored.
//
// Each tick the multitrack frame is as long as the shortest of its
// sources' frames, and that much is consumed from each source (the rest
// is replayed to it next tick), so sources that share a frame grid (the
// encoders of one source) stay aligned. A track missing from a source's
// frame is left empty (silent, for audio) in that frame. The source is
// ready when all its sources are, and fallible when one of them is. It
// does not propagate errors: its sources report their own. Frames hold
// only the named tracks.
func Multitrack(tracks []TrackSpec, opts *MultitrackOptions) (*Node, error) {
	id := "multitrack"
	if opts != nil && opts.ID != "" {
		id = opts.ID
	}
	return newMultitrack(tracks, id)
}

// Select returns a source with some tracks of src, renamed: tracks maps
// each track name of the new source to a track name of src. Marks and
// metadata are src's. Use one Select per destination to split a
// multitrack source again (Select(s, map[string]string{"audio":
// "audio_aac_low"}) makes an ordinary audio source of one rendition). See
// [Multitrack] for how frames are built. opts may be nil.
func Select(src Source, tracks map[string]string, opts *MultitrackOptions) (*Node, error) {
	if src == nil {
		return nil, fmt.Errorf("%w: nil source", ErrInvalidOption)
	}
	names := make([]string, 0, len(tracks))
	for name := range tracks {
		names = append(names, name)
	}
	slices.Sort(names)
	specs := make([]TrackSpec, len(names))
	for i, name := range names {
		specs[i] = TrackSpec{Name: name, Source: src, Track: tracks[name]}
	}
	id := "select"
	if opts != nil && opts.ID != "" {
		id = opts.ID
	}
	return newMultitrack(specs, id)
}

func newMultitrack(tracks []TrackSpec, id string) (*Node, error) {
	if len(tracks) == 0 {
		return nil, fmt.Errorf("%w: %s: no track (a multitrack source needs at least one)", ErrInvalidOption, id)
	}
	m := &multitrack{specs: slices.Clone(tracks)}
	fallible := false
	for i := range m.specs {
		s := &m.specs[i]
		switch {
		case s.Name == "":
			return nil, fmt.Errorf("%w: track %d has no name", ErrInvalidOption, i)
		case s.Source == nil:
			return nil, fmt.Errorf("%w: track %q has no source", ErrInvalidOption, s.Name)
		case slices.ContainsFunc(m.specs[:i], func(o TrackSpec) bool { return o.Name == s.Name }):
			return nil, fmt.Errorf("%w: track %q given twice", ErrInvalidOption, s.Name)
		}
		if s.Track == "" {
			s.Track = s.Name
		}
		if !slices.Contains(m.srcs, s.Source) {
			m.srcs = append(m.srcs, s.Source)
			fallible = fallible || s.Source.Node().Fallible()
		}
	}
	m.frames = make([]*Frame, len(m.srcs))
	return NewNode(m, &NodeOptions{ID: id, Children: m.srcs, Fallible: fallible}), nil
}

type multitrack struct {
	specs  []TrackSpec
	srcs   []Source // distinct sources, the first one's marks and metadata are used
	frames []*Frame // this tick's frame of each source
}

func (m *multitrack) Ready() bool {
	for _, s := range m.srcs {
		if !s.Node().Ready() {
			return false
		}
	}
	return true
}

func (m *multitrack) Generate(f *Frame) error {
	n := f.Free()
	for i, s := range m.srcs {
		m.frames[i] = s.Node().Peek()
		n = min(n, m.frames[i].Len())
	}
	if n <= 0 {
		clear(m.frames)
		return nil
	}
	m.layout(f)
	base := f.Len()
	f.Extend(n)
	for _, spec := range m.specs {
		in := m.frames[slices.Index(m.srcs, spec.Source)]
		if st := in.Track(spec.Track); st != nil {
			copyTrack(f, spec.Name, st, n, base)
		}
	}
	first := m.frames[0]
	f.appendTimedShift(first, 0, n, n == first.Len(), base)
	for _, s := range m.srcs {
		s.Node().Consume(n)
	}
	clear(m.frames)
	return nil
}

// layout drops the tracks of f that are not named (the graph's main
// tracks that NewFrame adds) and makes the kind of each named track match
// its source track's: a track of another kind becomes a packet or video
// track in place (keeping what was carried over), or is dropped so that
// copyTrack adds it again as an audio track of the right channel count.
func (m *multitrack) layout(f *Frame) {
	for i := 0; i < len(f.tracks); {
		t := &f.tracks[i]
		j := slices.IndexFunc(m.specs, func(s TrackSpec) bool { return s.Name == t.Name })
		keep := j >= 0
		if keep {
			spec := m.specs[j]
			st := m.frames[slices.Index(m.srcs, spec.Source)].Track(spec.Track)
			switch {
			case st == nil || (st.Kind == t.Kind && (st.Kind != AudioTrack || len(st.Audio) == len(t.Audio))):
			case st.Kind != AudioTrack:
				t.Kind, t.Audio, t.buf = st.Kind, nil, nil
			default:
				keep = false
			}
		}
		if !keep {
			f.tracks = slices.Delete(f.tracks, i, i+1)
			continue
		}
		i++
	}
}

// copyTrack copies positions [0, n) of track st into f's track name, at
// positions [base, base+n). f has already been extended by n.
func copyTrack(f *Frame, name string, st *Track, n, base int) {
	switch st.Kind {
	case AudioTrack:
		dt := f.Track(name)
		if dt == nil {
			dt = f.AddAudioTrack(name, len(st.Audio))
		}
		for c := range min(len(dt.Audio), len(st.Audio)) {
			copy(dt.Audio[c][base:base+n], st.Audio[c][:n])
		}
	case VideoTrack:
		dt := f.AddTrack(name, VideoTrack, nil)
		for _, p := range st.Pictures {
			if p.Pos < n {
				p.Pos += base
				dt.Pictures = append(dt.Pictures, p)
			}
		}
	case PacketTrack:
		dt := f.AddTrack(name, PacketTrack, st.Stream)
		if st.Stream != nil {
			dt.Stream = st.Stream
		}
		for _, p := range st.Packets {
			if p.Pos < n {
				p.Pos += base
				dt.Packets = append(dt.Packets, p)
			}
		}
	}
}
