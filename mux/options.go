package mux

import (
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/encode"
	"github.com/onair-go/onair/internal/avmux"
)

var (
	// ErrTrack reports a track selection a muxer cannot use: a track named
	// twice, an empty name, an unknown action, a copied track that does
	// not hold encoded packets, an encoded track that does not hold raw
	// audio or video of the encoder's kind, or encoder options the codec
	// rejects.
	ErrTrack = errors.New("mux: invalid track selection")
	// ErrTemplate reports a path template with an unknown % directive.
	ErrTemplate = errors.New("mux: invalid path template")
	// ErrFormat reports a container format FFmpeg does not know, or one it
	// cannot guess from a file name. The outputs of this package and of
	// its subpackages report it, and so do encode's Encoder.Open and
	// Encoder.OpenWriter.
	ErrFormat = avmux.ErrFormat
)

// Action says what a muxer does with one track of its source.
type Action uint8

const (
	// Copy writes the track's encoded packets (a [onair.PacketTrack], made
	// by a shared encoder) to an output stream without re-encoding.
	Copy Action = iota + 1
	// Drop leaves the track out of the output.
	Drop
	// Encode encodes a raw audio or video track inside the output (see
	// [EncodeTrack]).
	Encode
)

func (a Action) String() string {
	switch a {
	case Copy:
		return "copy"
	case Drop:
		return "drop"
	case Encode:
		return "encode"
	}
	return fmt.Sprintf("Action(%d)", uint8(a))
}

// Track selects what happens to one named track of the source. The copied
// and encoded tracks become the output's streams, in the order of the
// selection.
type Track struct {
	Name   string
	Action Action
	// Audio and Video are the encoder options of an [Encode] selection:
	// Video set encodes a raw video track, otherwise a raw audio track
	// with Audio (nil: AAC-LC at the codec's defaults). Setting both is
	// an error. Their Track, Input and ID fields are not used.
	Audio *encode.AudioOptions
	Video *encode.VideoOptions
}

// CopyTrack returns a selection that copies the named encoded track.
func CopyTrack(name string) Track { return Track{Name: name, Action: Copy} }

// DropTrack returns a selection that leaves the named track out.
func DropTrack(name string) Track { return Track{Name: name, Action: Drop} }

// Only returns a selection that copies the named encoded tracks, in that
// order, and leaves every other track of the source out: the one-word
// form of a rendition picked from a multitrack source, for an output
// ([Options.Tracks]), an HLS variant or an Icecast stream:
//
//	hls.Variant{Name: "aac_high", Tracks: mux.Only("audio_aac_high")}
//
// Each named track must hold encoded packets (a [onair.PacketTrack], made
// by a shared encoder); naming one twice is an error wrapping [ErrTrack]
// when the output is made. To encode a raw track inside the output, add
// an [EncodeTrack] selection to the result.
func Only(name string, more ...string) []Track {
	l := make([]Track, 0, 1+len(more))
	l = append(l, CopyTrack(name))
	for _, n := range more {
		l = append(l, CopyTrack(n))
	}
	return l
}

// EncodeTrack returns a selection that encodes the named raw audio track
// inside the output with opts (nil: AAC-LC) and writes the packets to an
// output stream. The encoder belongs to the output and runs once per
// output: to write one encoding to several outputs, encode it once in
// the graph (encode.Audio) and copy it instead. The options are checked
// when the output is made; an unknown codec or option is an error
// wrapping [ErrTrack] that names it.
func EncodeTrack(name string, opts *encode.AudioOptions) Track {
	return Track{Name: name, Action: Encode, Audio: opts}
}

// EncodeVideoTrack is [EncodeTrack] for a raw video track; opts may be
// nil (H.264 with libx264 at its defaults).
func EncodeVideoTrack(name string, opts *encode.VideoOptions) Track {
	if opts == nil {
		opts = &encode.VideoOptions{}
	}
	return Track{Name: name, Action: Encode, Video: opts}
}

// Options configure a muxer output. A nil *Options means all defaults.
type Options struct {
	// ID names the output in logs. It defaults to "mux.file" or
	// "mux.writer".
	ID string
	// Tracks selects the source's tracks. Tracks it does not name are
	// dropped. By default every encoded track of the source is copied, in
	// the order of the first frame that carries them.
	Tracks []Track
	// Fallible lets the output run on a fallible source: it stops when the
	// source fails and resumes, in the same file, when it is ready again.
	// By default a fallible source is refused when the graph starts.
	Fallible bool
	// MuxerOptions are FFmpeg muxer options ("movflags", ...); an unknown
	// one is an error naming it. Default none.
	MuxerOptions map[string]string
	// Metadata is written as container metadata of every file. Default none.
	Metadata map[string]string
	// OnMetadata, when set, is called on the clock goroutine with each
	// metadata of the source when the muxer reaches its position: after
	// every packet before that position has been written (and, for a
	// [Writer], flushed to the io.Writer), before the first packet at or
	// after it. Network outputs use it to place a title change at the
	// right byte of the stream. Default none.
	OnMetadata func(m onair.Metadata)
	// OnError, when set, is called on the clock goroutine with each error
	// that stops the output (a write error, a track that cannot be
	// copied or encoded), after it is logged; the output starts again a
	// second later. Default none.
	OnError func(err error)
	// OnEnd, when set, is called once when the output is closed (by
	// [onair.Graph.Close]), on the goroutine that closes it (the clock
	// goroutine, or Close's once the clocks stopped), after the output's
	// encoders were drained and the last container's trailer was written
	// (for a [Writer], to the io.Writer): nothing is written after it.
	// It is called even when no container was open. Network outputs use
	// it to end their stream cleanly. A container ended by Reopen, a cut
	// or a write error does not call it. Default none.
	OnEnd func()
	// Logger receives the output's logs, FFmpeg's messages about its
	// containers included, and those of its Encode selections' encoders
	// that have no Logger of their own (see package avlog). It defaults
	// to discarding them.
	Logger *slog.Logger
}

// FileOptions configure a file output. A nil *FileOptions means all
// defaults.
type FileOptions struct {
	Options
	// Format is the FFmpeg muxer name ("mp3", "adts", "mpegts", "mp4",
	// "matroska", "ogg", ...). It defaults to the format FFmpeg guesses from
	// the path's extension.
	Format string
	// Start is the wall-clock time of stream time zero, used to expand the
	// path template: a file opened at stream time t is named after
	// Start + t. It defaults to the wall-clock time of the first frame minus
	// the stream time then. Tests set it, with a manual clock, to get
	// deterministic names.
	Start time.Time
	// ReopenOnMetadata, when set, is called with each metadata of the
	// source; when it returns true the current file is closed at that
	// metadata's position and the next data goes to a new file. Default:
	// never.
	ReopenOnMetadata func(m onair.Metadata) bool
	// OnClose is called with the path of each file after it is closed
	// (trailer written), on the clock goroutine. Default none.
	OnClose func(path string)
}

// resolved is an Options with its defaults applied (never written back
// into the caller's struct).
type resolved struct {
	Options
	log *slog.Logger
}

func resolve(o *Options, defID string) (resolved, error) {
	var r resolved
	if o != nil {
		r.Options = *o
	}
	if r.ID == "" {
		r.ID = defID
	}
	r.Tracks = append([]Track(nil), r.Tracks...)
	r.log = r.Logger
	if r.log == nil {
		r.log = slog.New(slog.DiscardHandler)
	}
	for i, t := range r.Tracks {
		// An encoder without a logger of its own logs to the output's.
		switch {
		case r.Logger == nil || t.Action != Encode:
		case t.Video != nil && t.Video.Logger == nil:
			v := *t.Video
			v.Logger = r.Logger
			r.Tracks[i].Video = &v
		case t.Video == nil && (t.Audio == nil || t.Audio.Logger == nil):
			var a encode.AudioOptions
			if t.Audio != nil {
				a = *t.Audio
			}
			a.Logger = r.Logger
			r.Tracks[i].Audio = &a
		}
	}
	seen := map[string]bool{}
	for _, t := range r.Tracks {
		switch {
		case t.Name == "":
			return r, fmt.Errorf("%w: empty track name", ErrTrack)
		case seen[t.Name]:
			return r, fmt.Errorf("%w: track %q selected twice", ErrTrack, t.Name)
		case t.Action != Copy && t.Action != Drop && t.Action != Encode:
			return r, fmt.Errorf("%w: track %q: unknown action %v", ErrTrack, t.Name, t.Action)
		case t.Action == Encode && t.Audio != nil && t.Video != nil:
			return r, fmt.Errorf("%w: track %q: both audio and video encoder options", ErrTrack, t.Name)
		}
		seen[t.Name] = true
	}
	return r, nil
}
