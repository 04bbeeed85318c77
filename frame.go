package onair

import "slices"

// TrackKind is the kind of content a track holds.
type TrackKind uint8

const (
	// AudioTrack holds planar float32 PCM in the graph format, one sample per
	// position.
	AudioTrack TrackKind = iota + 1
	// VideoTrack holds raw pictures at positions.
	VideoTrack
	// PacketTrack holds encoded packets at positions, with the parameters of
	// the stream they belong to (see [StreamInfo]). Shared encoders produce
	// such tracks and muxers copy them.
	PacketTrack
)

func (k TrackKind) String() string {
	switch k {
	case AudioTrack:
		return "audio"
	case VideoTrack:
		return "video"
	case PacketTrack:
		return "packets"
	}
	return "unknown"
}

// Names of the main tracks of a graph format.
const (
	MainAudio = "audio"
	MainVideo = "video"
)

// Metadata is a set of tags (title, artist, ...). Metadata placed in a
// frame is shared between consumers and must not be modified; copy it with
// [maps.Clone] to derive new metadata.
type Metadata map[string]string

// MetadataAt is metadata at a position of a frame.
type MetadataAt struct {
	Pos      int
	Metadata Metadata
}

// Picture is one raw video picture at a position of a frame. Its planes are
// shared between consumers and must not be modified.
type Picture struct {
	Pos           int
	Width, Height int
	PixelFormat   string
	Planes        [4][]byte
	Strides       [4]int
}

// Packet is one encoded packet at a position of a frame. Data is shared
// between consumers and must not be modified. Timestamps are in the time base
// of the track's [StreamInfo].
type Packet struct {
	Pos      int
	Data     []byte
	PTS, DTS int64
	Duration int64
	Key      bool
	// NewExtradata, when not nil, is a new codec header for the stream
	// from this packet on (FFmpeg's AV_PKT_DATA_NEW_EXTRADATA side data);
	// it is shared like Data. Encoders put their final header on their
	// last packet, as FLAC does with its STREAMINFO (total sample count,
	// MD5 of the audio); muxers that can rewrite their header (FLAC,
	// Matroska, MP4 on a seekable output) do so at the trailer. Such a
	// packet may have no Data.
	NewExtradata []byte
}

// StreamInfo identifies an encoded stream and carries what a muxer needs to
// copy it: codec, time base, extradata and the codec parameters of the
// FFmpeg layer (opaque to this package).
type StreamInfo struct {
	// ID is unique per encoder instance; a muxer uses it to notice a new stream.
	ID         uint64
	Codec      string // FFmpeg codec name, e.g. "aac", "mp3", "h264"
	MediaType  TrackKind
	TimeBase   Rational
	SampleRate int
	Channels   int
	Width      int
	Height     int
	FrameRate  Rational
	BitRate    int64
	Extradata  []byte
	// Params holds the encoder-side codec parameters (for instance a
	// *astiav.CodecParameters owned by the encoder). Only the FFmpeg packages
	// look inside it.
	Params any
}

// Track is one named track of a frame.
type Track struct {
	Name string
	Kind TrackKind
	// Audio holds one slice per channel, each of the frame's length (AudioTrack).
	Audio [][]float32
	// Pictures holds the pictures of the frame, by position (VideoTrack).
	Pictures []Picture
	// Packets holds the packets of the frame, by position (PacketTrack).
	Packets []Packet
	// Stream describes the packets' stream (PacketTrack).
	Stream *StreamInfo

	buf [][]float32 // audio storage, capacity = frame size
}

// Frame is one tick's worth of a stream: named tracks, track marks and timed
// metadata, all positioned in samples of the graph's main rate.
//
// A frame shorter than the frame size means "no more data now", not "end of
// track"; a track boundary is a track mark.
//
// Frames handed to consumers (by [Node.Peek] and [Node.Read]) are immutable
// and valid until the end of the tick: a consumer that needs data later
// copies it (for instance with [Frame.Append] into a frame it owns). A frame
// is not safe for concurrent use.
//
// A producer writes audio through what [Frame.Audio], [Frame.Track] or
// [Frame.Tracks] returned after its last Append or Extend on the frame
// (not through a *Track kept from an earlier call): the frame remembers
// which of its audio is silent, so that silence is neither cleared again
// each tick nor copied, and those calls are where it learns that the
// caller may write.
type Frame struct {
	format *Format
	size   int
	length int
	tracks []Track
	marks  []int
	meta   []MetadataAt
	// zero: the audio storage of every track is known to hold zeros on
	// [0, zero), so the frame's audio is silent on [0, min(zero, length)):
	// a silent source made it and Append carried it. Silent frames are
	// then neither cleared again tick after tick nor copied, and
	// operators skip work on them (Amplify). Anything that may write audio
	// (the exported accessors, Extend, an Append of sound) lowers it.
	zero int
}

// NewFrame returns an empty frame with the main tracks of format f (audio
// when f.Channels > 0, video when f.Video != nil) and capacity f.FrameSize().
// f must be normalized (see [Format.Normalize]).
func NewFrame(f *Format) *Frame {
	fr := &Frame{format: f, size: f.FrameSize()}
	if f.Channels > 0 {
		fr.AddAudioTrack(MainAudio, f.Channels)
	}
	if f.Video != nil {
		fr.AddTrack(MainVideo, VideoTrack, nil)
	}
	return fr
}

// Format returns the frame's graph format.
func (f *Frame) Format() *Format { return f.format }

// Len returns the number of samples of data in the frame.
func (f *Frame) Len() int { return f.length }

// Size returns the frame size: the length of a full frame.
func (f *Frame) Size() int { return f.size }

// Free returns how many samples can still be appended.
func (f *Frame) Free() int { return f.size - f.length }

// Full reports whether the frame holds a full frame of data.
func (f *Frame) Full() bool { return f.length >= f.size }

// Tracks returns the frame's tracks. The slice must not be modified.
func (f *Frame) Tracks() []Track {
	f.zero = 0 // the caller may write their audio
	return f.tracks
}

// Track returns the named track, or nil.
func (f *Frame) Track(name string) *Track {
	f.zero = 0 // the caller may write its audio
	return f.track(name)
}

func (f *Frame) track(name string) *Track {
	for i := range f.tracks {
		if f.tracks[i].Name == name {
			return &f.tracks[i]
		}
	}
	return nil
}

// Audio returns the samples of the main audio track, one slice per channel,
// or nil if the frame has no main audio track.
func (f *Frame) Audio() [][]float32 {
	if t := f.Track(MainAudio); t != nil {
		return t.Audio
	}
	return nil
}

// Marks returns the positions of the track marks in the frame, in order.
func (f *Frame) Marks() []int { return f.marks }

// FirstMark returns the position of the first track mark, if any.
func (f *Frame) FirstMark() (int, bool) {
	if len(f.marks) == 0 {
		return 0, false
	}
	return f.marks[0], true
}

// Metadata returns the frame's timed metadata, in position order.
func (f *Frame) Metadata() []MetadataAt { return f.meta }

// AddAudioTrack adds an audio track with the given number of channels,
// zero-filled to the frame's current length. It returns the track.
// Adding a track that exists returns the existing one.
func (f *Frame) AddAudioTrack(name string, channels int) *Track {
	if t := f.Track(name); t != nil {
		return t
	}
	t := Track{Name: name, Kind: AudioTrack, Audio: make([][]float32, channels), buf: make([][]float32, channels)}
	for c := range channels {
		t.buf[c] = make([]float32, f.size)
		t.Audio[c] = t.buf[c][:f.length]
	}
	f.tracks = append(f.tracks, t)
	return &f.tracks[len(f.tracks)-1]
}

// AddTrack adds a video or packet track (stream is the packet track's
// stream, nil for video). Adding a track that exists returns the existing
// one, with its stream replaced when stream is not nil.
func (f *Frame) AddTrack(name string, kind TrackKind, stream *StreamInfo) *Track {
	if kind == AudioTrack {
		ch := 0
		if f.format != nil {
			ch = f.format.Channels
		}
		return f.AddAudioTrack(name, ch)
	}
	if t := f.Track(name); t != nil {
		if stream != nil {
			t.Stream = stream
		}
		return t
	}
	f.tracks = append(f.tracks, Track{Name: name, Kind: kind, Stream: stream})
	return &f.tracks[len(f.tracks)-1]
}

// RemoveTrack removes the named track from the frame's layout.
func (f *Frame) RemoveTrack(name string) {
	f.tracks = slices.DeleteFunc(f.tracks, func(t Track) bool { return t.Name == name })
}

// Reset empties the frame, keeping its track layout and storage.
func (f *Frame) Reset() {
	f.length = 0 // the storage, and what zero says of it, stay
	f.marks = f.marks[:0]
	clear(f.meta)
	f.meta = f.meta[:0]
	for i := range f.tracks {
		t := &f.tracks[i]
		for c := range t.Audio {
			t.Audio[c] = t.buf[c][:0]
		}
		clear(t.Pictures)
		t.Pictures = t.Pictures[:0]
		clear(t.Packets)
		t.Packets = t.Packets[:0]
	}
}

// Extend grows the frame by up to n samples (limited by [Frame.Free]),
// zero-filling the new audio, and returns the number of samples added. The
// caller writes the new samples at positions [old length, old length+added).
func (f *Frame) Extend(n int) int {
	n = f.extendSilent(n)
	f.zero = min(f.zero, f.length-n) // the caller writes the new samples
	return n
}

// extendSilent is Extend for a source of silence: the new samples stay
// silent, which the frame remembers (see Frame.zero).
func (f *Frame) extendSilent(n int) int {
	base := f.length
	n = f.grow(n)
	f.clearNew(base)
	return n
}

// clearNew zero-fills the audio from base to the frame's length where its
// storage is not known to be zero, and extends what is known.
func (f *Frame) clearNew(base int) {
	from := base
	if f.zero >= base {
		from = max(base, f.zero)
		f.zero = max(f.zero, f.length)
	}
	if from >= f.length {
		return
	}
	for i := range f.tracks {
		for _, a := range f.tracks[i].Audio {
			clear(a[from:])
		}
	}
}

// grow lengthens the frame by up to n samples, leaving the new audio as
// its storage holds it, and returns the number of samples added.
func (f *Frame) grow(n int) int {
	n = min(n, f.size-f.length)
	if n <= 0 {
		return 0
	}
	end := f.length + n
	for i := range f.tracks {
		t := &f.tracks[i]
		for c := range t.Audio {
			t.Audio[c] = t.buf[c][:end]
		}
	}
	f.length = end
	return n
}

// AddMark adds a track mark at position pos (0 <= pos <= Len). Marks stay
// sorted; a second mark at the same position is ignored.
func (f *Frame) AddMark(pos int) {
	i, found := slices.BinarySearch(f.marks, pos)
	if found {
		return
	}
	f.marks = slices.Insert(f.marks, i, pos)
}

// AddMetadata adds metadata at position pos. The frame keeps m; the caller
// must not modify it afterwards.
func (f *Frame) AddMetadata(pos int, m Metadata) {
	i := len(f.meta)
	for i > 0 && f.meta[i-1].Pos > pos {
		i--
	}
	f.meta = slices.Insert(f.meta, i, MetadataAt{Pos: pos, Metadata: m})
}

// AddPicture adds a picture to the named video track (created if missing).
func (f *Frame) AddPicture(track string, p Picture) {
	t := f.track(track)
	if t == nil {
		t = f.AddTrack(track, VideoTrack, nil)
	}
	t.Pictures = append(t.Pictures, p)
}

// AddPacket adds a packet to the named packet track (created if missing).
func (f *Frame) AddPacket(track string, stream *StreamInfo, p Packet) {
	t := f.track(track)
	if t == nil {
		t = f.AddTrack(track, PacketTrack, stream)
	} else if stream != nil {
		t.Stream = stream
	}
	t.Packets = append(t.Packets, p)
}
