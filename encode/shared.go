package encode

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/onair-go/onair"
)

// Stats counts the work of a shared encoder. Every field only grows.
type Stats struct {
	// Encodes is the number of input frames (ticks) the encoder processed:
	// one per tick however many consumers read the encoded source.
	Encodes int64
	// Frames is the number of codec frames sent to FFmpeg for the input
	// whose packets were handed over so far (the input still in the
	// hand-off counts when its packets come out).
	Frames int64
	// Packets is the number of packets produced.
	Packets int64
	// Streams is the number of codec instances opened: a new one starts
	// after each flush (the input ran out).
	Streams int64
	// Errors counts the codec's failures: a codec that could not be
	// opened, or an input frame it could not encode (each is also the
	// error of a Generate, which the graph logs).
	Errors int64
	// CPU is the time the encoder's goroutine spent in the codec's
	// calls, by the monotonic clock around each frame's calls: the
	// codec's CPU time while a core is free for it (the calls never
	// block), more while its thread waits for a core. Threads a codec
	// starts for itself (x264's frame threads) are not counted.
	CPU time.Duration
}

// Shared is a graph source that encodes one track of its input once and
// carries the packets in a packet track ([onair.PacketTrack]) of its
// frames, for any number of muxers to copy. Build it with [Audio] or
// [Video].
//
// Each tick it copies the input frame for its codec, which runs on a
// goroutine of its own: the encoders of a graph work in parallel with
// each other and with the clock. Audio goes to the codec 100 ms at a time
// (5 frames of 20 ms; see AudioOptions.HandOff), and the packets made
// from it are placed in the frame that hands over the next 100 ms, so 100
// to 200 ms after their samples; video goes every frame, and its packets
// are in the next frame. They sit at the positions of their decoding
// timestamps clamped into the frame (so at its start, mostly): the
// encoder's delay is absorbed by the codec, its FIFO and this hand-off,
// and the encoded source stays on the input's frame grid, with the same
// length, track marks and metadata. Which packets a frame carries does
// not depend on goroutine scheduling.
//
// The hand-off empties into the current frame when the frame has a track
// mark (the packets of the ending track then sit before the mark, those
// of the next one after it), and in the frame before a track that starts
// at a frame's start if the input knows its track's end
// ([onair.Node.Remaining]; if not, up to 200 ms of the ending track's
// packets come just after the mark). When the input fails without a
// short frame, the encoded source stays ready for that one tick, with a
// frame of the packets still in the hand-off; its stream goes on if the
// input comes back. Packet timestamps are in the time base of the track's
// StreamInfo, whose Params (*astiav.CodecParameters) stay valid as long as
// anything refers to the StreamInfo, after the encoder is closed too.
//
// When the input frame is short (the input ran out), the codec is drained
// into that frame, with the packets of the earlier frames, and a new
// stream (new StreamInfo.ID, timestamps from 0) starts with the next data.
// When the graph closes, the drain tick ([onair.Drainer]) hands over what
// the codec still holds. When the source goes to sleep the codec is
// drained and released; the packets it still held are dropped.
//
// Codec errors are returned by Generate (the graph logs them) one tick
// after the input they concern, which is lost. Stats is safe from any
// goroutine; the rest runs on the clock goroutine.
type Shared struct {
	node  *onair.Node
	gen   *sharedGen
	stats counters
}

// Node returns the source's graph node.
func (s *Shared) Node() *onair.Node { return s.node }

// Stats returns the encoder's counters.
func (s *Shared) Stats() Stats { return s.stats.snapshot() }

// Audio returns a source whose frames carry src's audio track
// (opts.Input, default "audio") encoded as a packet track (opts.Track,
// default "audio"), with src's track marks and metadata. The input is
// the graph's planar float audio; opts.SampleRate and opts.Channels
// default to the graph's. The source is fallible when src is. The
// options are checked (and the codec opened once) here: an unknown codec
// or option is an error now, not at run time. opts may be nil.
func Audio(src onair.Source, opts *AudioOptions) (*Shared, error) {
	o, err := checkAudio(opts)
	if err != nil {
		return nil, err
	}
	s := newShared(src, &audioFeed{opts: o}, o.ID, o.Track, o.Input, o.Logger)
	s.gen.enc.handOff = o.HandOff
	return s, nil
}

// checkAudio applies the defaults and opens the codec once, to report bad
// options at construction.
func checkAudio(opts *AudioOptions) (AudioOptions, error) {
	o := opts.withDefaults()
	if err := o.validate(); err != nil {
		return o, err
	}
	probe, err := NewAudioEncoder(44100, 2, &o)
	if err != nil {
		return o, err
	}
	probe.Close()
	return o, nil
}

// Video returns a source whose frames carry src's video track
// (opts.Input, default "video") encoded as a packet track (opts.Track,
// default "video"), with src's track marks and metadata. Each picture is
// one frame of the graph's video frame rate; size and frame rate default
// to the graph video format's. opts may be nil.
func Video(src onair.Source, opts *VideoOptions) (*Shared, error) {
	o, err := checkVideo(opts)
	if err != nil {
		return nil, err
	}
	return newShared(src, &videoFeed{opts: o}, o.ID, o.Track, o.Input, o.Logger), nil
}

// checkVideo is checkAudio for video.
func checkVideo(opts *VideoOptions) (VideoOptions, error) {
	o := opts.withDefaults()
	if err := o.validate(); err != nil {
		return o, err
	}
	probe, err := NewVideoEncoder(64, 64, onair.Rational{Num: 25, Den: 1}, &o)
	if err != nil {
		return o, err
	}
	probe.Close()
	return o, nil
}

func newShared(src onair.Source, feed feeder, id, track, input string, log *slog.Logger) *Shared {
	s := &Shared{}
	s.gen = &sharedGen{src: src, track: track, input: input, log: log}
	s.gen.enc = trackEnc{feed: feed, stats: &s.stats}
	s.node = onair.NewNode(s.gen, &onair.NodeOptions{ID: id, Children: []onair.Source{src}, Fallible: src.Node().Fallible()})
	return s
}

// codecEncoder is what the shared generator needs of an audio or video
// encoder.
type codecEncoder interface {
	Stream() *onair.StreamInfo
	Frames() int64
	Flush(emit PacketFunc) error
	Close() error
}

// feeder opens the encoder for a kind of track and feeds it a frame's
// worth of input. copyIn runs on the clock goroutine; feed on the worker.
type feeder interface {
	open(t *onair.Track, f *onair.Format) (codecEncoder, error)
	copyIn(j *encJob, t *onair.Track, n int)
	feed(enc codecEncoder, t *onair.Track, n int, emit PacketFunc) error
	kind() onair.TrackKind
}

type sharedGen struct {
	src          onair.Source
	track, input string
	log          *slog.Logger
	enc          trackEnc
	atEnd        bool // the input said its track ends here; no mark since
}

func (g *sharedGen) WakeUp(f *onair.Format) error {
	g.enc.setFormat(f)
	return nil
}

// Ready is the input's readiness, and one tick more when the input fails
// while packets are in the hand-off to the codec's goroutine: they go out
// in the tick it fails (see Generate), not with its next frame or never.
func (g *sharedGen) Ready() bool {
	return g.src.Node().Ready() || g.enc.pending()
}

func (g *sharedGen) Sleep() { g.enc.sleep() }

func (g *sharedGen) Generate(f *onair.Frame) error {
	cn := g.src.Node()
	if !cn.Ready() {
		// The input failed without a short frame (which would have
		// emptied the hand-off): a frame of what the hand-off holds, as
		// in the drain tick. The codec keeps its delay, and its stream
		// goes on if the input comes back.
		return g.handOver(f, g.enc.flush)
	}
	in := cn.Peek()
	n := min(in.Len(), f.Free())
	if n <= 0 {
		return nil
	}
	t := in.Track(g.input)
	if t == nil || t.Kind != g.enc.feed.kind() {
		cn.Consume(n)
		g.enc.stats.errors.Add(1)
		return fmt.Errorf("encode: input has no %s track %q", g.enc.feed.kind(), g.input)
	}
	base := f.Len()
	out := g.layout(f)
	f.Extend(n)
	for _, m := range in.Marks() {
		if m < n || (m == n && n == in.Len()) {
			f.AddMark(base + m)
		}
	}
	for _, m := range in.Metadata() {
		if m.Pos < n || (m.Pos == n && n == in.Len()) {
			f.AddMetadata(base+m.Pos, m.Metadata)
		}
	}
	cn.Consume(n)
	short := in.Len() < in.Size() && n == in.Len()
	// The hand-off empties at a track mark, and before a track that
	// starts with the next frame: once, for an input whose track goes on
	// past the end it announced (a length in a file's header that was
	// wrong), not at every frame after.
	sync := len(f.Marks()) > 0
	if sync {
		g.atEnd = false
	} else if !g.atEnd && cn.Remaining() == 0 {
		sync, g.atEnd = true, true
	}
	return g.enc.encode(t, n, short, sync, out, base)
}

// Drain hands over what the codec still holds when the graph closes
// (see onair.Drainer): the packets of the last frames and the codec's
// delay, in a full frame at the positions of their timestamps; the
// encoder is retired.
func (g *sharedGen) Drain(f *onair.Frame) error {
	if g.enc.enc == nil || f.Free() <= 0 {
		return nil
	}
	return g.handOver(f, g.enc.drain)
}

// handOver fills the rest of f with a packet track of what empty places
// there: a frame without input, for the drain tick or a failed input.
func (g *sharedGen) handOver(f *onair.Frame, empty func(out *onair.Track, base, n int) error) error {
	base, n := f.Len(), f.Free()
	out := g.layout(f)
	f.Extend(n)
	return empty(out, base, n)
}

// layout makes f carry only the packet track (frames made by the node
// start with the graph's main tracks) and returns it.
func (g *sharedGen) layout(f *onair.Frame) *onair.Track {
	for _, t := range f.Tracks() {
		if t.Name != g.track && t.Kind != onair.PacketTrack {
			f.RemoveTrack(t.Name)
			return g.layout(f)
		}
	}
	t := f.Track(g.track)
	if t == nil {
		return f.AddTrack(g.track, onair.PacketTrack, nil)
	}
	if t.Kind != onair.PacketTrack {
		// The main audio (or video) track of the node's frame: reuse its
		// slot as the packet track.
		t.Kind = onair.PacketTrack
		t.Audio = nil
		t.Pictures = nil
	}
	return t
}
