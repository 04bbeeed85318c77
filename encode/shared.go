package encode

import (
	"fmt"
	"log/slog"
	"sync/atomic"

	"github.com/asticode/go-astiav"
	"github.com/onair-go/onair"
)

// Stats counts the work of a shared encoder. Every field only grows.
type Stats struct {
	// Encodes is the number of input frames (ticks) the encoder processed:
	// one per tick however many consumers read the encoded source.
	Encodes int64
	// Frames is the number of codec frames sent to FFmpeg.
	Frames int64
	// Packets is the number of packets produced.
	Packets int64
	// Streams is the number of codec instances opened: a new one starts
	// after each flush (the input ran out).
	Streams int64
}

// Shared is a graph source that encodes one track of its input once and
// carries the packets in a packet track ([onair.PacketTrack]) of its
// frames, for any number of muxers to copy. Build it with [Audio] or
// [Video].
//
// Each tick it takes the input frame, feeds it to the codec and places the
// packets produced so far in its own frame, at the positions of their
// decoding timestamps (clamped into the frame): the encoder's delay is
// absorbed by the codec and its FIFO, so the encoded source stays on the
// input's frame grid, with the same length, track marks and metadata.
// Packet timestamps are in the time base of the track's StreamInfo, whose
// Params (*astiav.CodecParameters) stay valid until the stream is replaced
// by a later one or the source goes to sleep.
//
// When the input frame is short (the input ran out), the codec is drained
// into that frame and a new stream (new StreamInfo.ID, timestamps from 0)
// starts with the next data. When the source goes to sleep the codec is
// drained and released; the packets it still held are dropped.
//
// Codec errors are returned by Generate (the graph logs them) and the
// input of that tick is lost. Stats is safe from any goroutine; the rest
// runs on the clock goroutine.
type Shared struct {
	node  *onair.Node
	gen   *sharedGen
	stats struct{ encodes, frames, packets, streams atomic.Int64 }
}

// Node returns the source's graph node.
func (s *Shared) Node() *onair.Node { return s.node }

// Stats returns the encoder's counters.
func (s *Shared) Stats() Stats {
	return Stats{
		Encodes: s.stats.encodes.Load(),
		Frames:  s.stats.frames.Load(),
		Packets: s.stats.packets.Load(),
		Streams: s.stats.streams.Load(),
	}
}

// Audio returns a source whose frames carry src's audio track
// (opts.Input, default "audio") encoded as a packet track (opts.Track,
// default "audio"), with src's track marks and metadata. The input is
// the graph's planar float audio; opts.SampleRate and opts.Channels
// default to the graph's. The source is fallible when src is. The
// options are checked (and the codec opened once) here: an unknown codec
// or option is an error now, not at run time. opts may be nil.
func Audio(src onair.Source, opts *AudioOptions) (*Shared, error) {
	o := opts.withDefaults()
	if err := o.validate(); err != nil {
		return nil, err
	}
	// Open the codec once to report bad options at construction.
	probe, err := NewAudioEncoder(44100, 2, &o)
	if err != nil {
		return nil, err
	}
	probe.Close()
	return newShared(src, &audioFeed{opts: o}, o.ID, o.Track, o.Input, o.Logger), nil
}

// Video returns a source whose frames carry src's video track
// (opts.Input, default "video") encoded as a packet track (opts.Track,
// default "video"), with src's track marks and metadata. Each picture is
// one frame of the graph's video frame rate; size and frame rate default
// to the graph video format's. opts may be nil.
func Video(src onair.Source, opts *VideoOptions) (*Shared, error) {
	o := opts.withDefaults()
	if err := o.validate(); err != nil {
		return nil, err
	}
	probe, err := NewVideoEncoder(64, 64, onair.Rational{Num: 25, Den: 1}, &o)
	if err != nil {
		return nil, err
	}
	probe.Close()
	return newShared(src, &videoFeed{opts: o}, o.ID, o.Track, o.Input, o.Logger), nil
}

func newShared(src onair.Source, feed feeder, id, track, input string, log *slog.Logger) *Shared {
	s := &Shared{}
	s.gen = &sharedGen{s: s, src: src, feed: feed, track: track, input: input, log: log}
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
// worth of input.
type feeder interface {
	open(t *onair.Track, f *onair.Format) (codecEncoder, error)
	feed(enc codecEncoder, t *onair.Track, n int, emit PacketFunc) error
	kind() onair.TrackKind
}

type sharedGen struct {
	s            *Shared
	src          onair.Source
	feed         feeder
	track, input string
	log          *slog.Logger

	format  *onair.Format
	enc     codecEncoder
	retired codecEncoder // the previous stream, kept while frames may use its Params
	pos     int64        // main-rate samples fed to enc
	frames  int64        // codec frames sent by retired encoders
	pending []onair.Packet
	collect PacketFunc
}

func (g *sharedGen) Ready() bool { return g.src.Node().Ready() }

func (g *sharedGen) WakeUp(f *onair.Format) error {
	g.format = f
	g.collect = func(p onair.Packet) error {
		g.pending = append(g.pending, p)
		return nil
	}
	return nil
}

func (g *sharedGen) Sleep() {
	g.stop(nil)
	g.closeRetired()
}

func (g *sharedGen) closeRetired() {
	if g.retired != nil {
		g.retired.Close()
		g.retired = nil
	}
}

// stop drains the current encoder into pending (dropped when emit is nil)
// and retires it.
func (g *sharedGen) stop(emit PacketFunc) error {
	if g.enc == nil {
		return nil
	}
	if emit == nil {
		emit = func(onair.Packet) error { return nil }
	}
	err := g.enc.Flush(emit)
	g.frames += g.enc.Frames()
	g.s.stats.frames.Store(g.frames)
	g.closeRetired()
	g.retired, g.enc = g.enc, nil
	g.pos = 0
	g.pending = g.pending[:0]
	return err
}

func (g *sharedGen) Generate(f *onair.Frame) error {
	cn := g.src.Node()
	in := cn.Peek()
	n := min(in.Len(), f.Free())
	if n <= 0 {
		return nil
	}
	t := in.Track(g.input)
	if t == nil || t.Kind != g.feed.kind() {
		cn.Consume(n)
		return fmt.Errorf("encode: input has no %s track %q", g.feed.kind(), g.input)
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

	if g.enc == nil {
		enc, err := g.feed.open(t, g.format)
		if err != nil {
			return err
		}
		g.enc = enc
		g.s.stats.streams.Add(1)
	}
	stream := g.enc.Stream()
	out.Stream = stream
	start := g.pos
	g.s.stats.encodes.Add(1)
	err := g.feed.feed(g.enc, t, n, g.collect)
	g.pos += int64(n)
	if err == nil && in.Len() < in.Size() && n == in.Len() {
		// The input ran out: drain the codec into this frame.
		err = g.enc.Flush(g.collect)
		g.place(out, stream, base, n, start)
		return joinErr(err, g.stop(nil))
	}
	g.s.stats.frames.Store(g.frames + g.enc.Frames())
	g.place(out, stream, base, n, start)
	return err
}

// Drain hands over what the codec still holds when the graph closes
// (see onair.Drainer): it flushes the encoder into a full frame, with the
// packets at the positions of their timestamps, and retires the encoder.
func (g *sharedGen) Drain(f *onair.Frame) error {
	if g.enc == nil || f.Free() <= 0 {
		return nil
	}
	base, n := f.Len(), f.Free()
	out := g.layout(f)
	stream := g.enc.Stream()
	out.Stream = stream
	f.Extend(n)
	start := g.pos
	err := g.enc.Flush(g.collect)
	g.place(out, stream, base, n, start)
	return joinErr(err, g.stop(nil))
}

// place moves the pending packets into out at the positions of their DTS
// (main-rate samples since the stream started, relative to start, the
// position of this frame's first input sample), clamped into [base,
// base+n) and kept in order.
func (g *sharedGen) place(out *onair.Track, st *onair.StreamInfo, base, n int, start int64) {
	tb := astiav.NewRational(st.TimeBase.Num, st.TimeBase.Den)
	main := astiav.NewRational(1, g.format.SampleRate)
	last := base
	for _, p := range g.pending {
		at := astiav.RescaleQ(p.DTS, tb, main) - start
		pos := base + int(min(max(at, 0), int64(n-1)))
		pos = max(pos, last)
		last = pos
		p.Pos = pos
		out.Packets = append(out.Packets, p)
	}
	g.s.stats.packets.Add(int64(len(g.pending)))
	clear(g.pending)
	g.pending = g.pending[:0]
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

func joinErr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}
