package encode

import (
	"fmt"

	"github.com/onair-go/onair"
)

// TrackEncoder is the engine of a shared encoder without the graph node:
// it encodes one raw track of successive frames into packets positioned
// on the frame grid. Outputs that encode a track themselves use it (the
// mux package's inline encoding); in a graph, [Audio] and [Video] are
// what to use.
//
// It behaves as [Shared] does, one frame deep: the codec runs on a
// goroutine of its own (started by the first Encode, stopped by Close),
// the packets made from one frame come out of the next call (of the same
// call when the frame has a track mark), a short frame drains the codec
// into that call and the next data starts a new stream (new
// [onair.StreamInfo] ID, timestamps from 0).
//
// A TrackEncoder is not safe for concurrent use, except Stats. The
// StreamInfo it reports (Params included) stays valid as long as it is
// referenced, after Close too.
type TrackEncoder struct {
	e      trackEnc
	stats  counters
	closed bool
}

// NewTrackEncoder returns an encoder of raw audio tracks. The codec and
// options are checked here (the codec is opened once): an unknown codec
// is an error wrapping [ErrUnknownCodec], an unknown option an
// [*OptionError] naming it. The Track, Input and ID fields of opts are
// not used. opts may be nil.
func NewTrackEncoder(opts *AudioOptions) (*TrackEncoder, error) {
	o, err := checkAudio(opts)
	if err != nil {
		return nil, err
	}
	return newTrackEncoder(&audioFeed{opts: o}), nil
}

// NewVideoTrackEncoder returns an encoder of raw video tracks, checked as
// [NewTrackEncoder] does. Size and frame rate default to the graph video
// format's. opts may be nil.
func NewVideoTrackEncoder(opts *VideoOptions) (*TrackEncoder, error) {
	o, err := checkVideo(opts)
	if err != nil {
		return nil, err
	}
	return newTrackEncoder(&videoFeed{opts: o}), nil
}

func newTrackEncoder(feed feeder) *TrackEncoder {
	e := &TrackEncoder{}
	e.e = trackEnc{feed: feed, stats: &e.stats}
	return e
}

// Kind returns the kind of track the encoder takes: [onair.AudioTrack] or
// [onair.VideoTrack].
func (e *TrackEncoder) Kind() onair.TrackKind { return e.e.feed.kind() }

// Encode feeds the whole of t, a raw track of frame f, and appends to
// dst.Packets the packets that are ready, at positions in [0, f.Len())
// derived from their timestamps (the packets of the previous call's
// input, at the start of the frame mostly); dst.Stream is set to their
// stream. When f is short (f.Len() < f.Size(), the input ran out) the
// codec is drained into this call. An empty frame does nothing. t must
// be of the encoder's [TrackEncoder.Kind].
func (e *TrackEncoder) Encode(f *onair.Frame, t *onair.Track, dst *onair.Track) error {
	if e.closed {
		return fmt.Errorf("encode: Encode after Close")
	}
	if t == nil || t.Kind != e.Kind() {
		return fmt.Errorf("encode: TrackEncoder of %v given a %v track", e.Kind(), kindOf(t))
	}
	if e.e.format == nil {
		e.e.setFormat(f.Format())
	}
	n := f.Len()
	if n == 0 {
		return nil
	}
	return e.e.encode(t, n, n < f.Size(), len(f.Marks()) > 0, dst, 0)
}

// Drain appends to dst.Packets everything the codec still holds (the
// last input's packets and the codec's delay), at positions in [0, n)
// derived from their timestamps, and sets dst.Stream; the next Encode
// starts a new stream. n is at least 1. Drain before Close to get the
// end of the stream.
func (e *TrackEncoder) Drain(dst *onair.Track, n int) error {
	if e.closed {
		return nil
	}
	return e.e.drain(dst, 0, max(n, 1))
}

// Stats returns the encoder's counters. Safe from any goroutine.
func (e *TrackEncoder) Stats() Stats { return e.stats.snapshot() }

// Close stops the codec's goroutine and releases the codec, dropping
// what it still holds. It is idempotent.
func (e *TrackEncoder) Close() error {
	if e.closed {
		return nil
	}
	e.closed = true
	e.e.sleep()
	return nil
}

func kindOf(t *onair.Track) string {
	if t == nil {
		return "missing"
	}
	return t.Kind.String()
}
