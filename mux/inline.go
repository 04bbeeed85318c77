package mux

import (
	"errors"
	"fmt"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/encode"
)

// inline is a raw track the output encodes itself (an [Encode]
// selection). Its encoder is the engine of the shared encoders
// (encode.TrackEncoder): the codec runs on a goroutine of its own, the
// packets of one frame come out with the next one, a short frame drains
// the codec and the next data starts a new stream, which the sender
// handles as it does for a copied track.
type inline struct {
	name    string
	enc     *encode.TrackEncoder
	out     onair.Track // the packets of the current frame
	missing bool        // a missing-track warning was logged
}

// newInlines opens the encoders of the Encode selections (the codec and
// options are checked now).
func newInlines(tracks []Track) ([]*inline, error) {
	var l []*inline
	for _, t := range tracks {
		if t.Action != Encode {
			continue
		}
		var enc *encode.TrackEncoder
		var err error
		if t.Video != nil {
			enc, err = encode.NewVideoTrackEncoder(t.Video)
		} else {
			enc, err = encode.NewTrackEncoder(t.Audio)
		}
		if err != nil {
			closeInlines(l)
			return nil, fmt.Errorf("%w: track %q: %w", ErrTrack, t.Name, err)
		}
		l = append(l, &inline{name: t.Name, enc: enc, out: onair.Track{Name: t.Name, Kind: onair.PacketTrack}})
	}
	return l, nil
}

func closeInlines(l []*inline) {
	for _, in := range l {
		in.enc.Close()
	}
}

func (s *sender) inlineFor(name string) *inline {
	for _, in := range s.inlines {
		if in.name == name {
			return in
		}
	}
	return nil
}

// check reports whether t is a track the encoder can take.
func (in *inline) check(t *onair.Track) error {
	switch {
	case t.Kind == onair.PacketTrack:
		return fmt.Errorf("%w: track %q holds encoded packets: copy it (CopyTrack) instead of encoding it", ErrTrack, in.name)
	case t.Kind != in.enc.Kind():
		return fmt.Errorf("%w: track %q holds %v, but its encoder takes %v", ErrTrack, in.name, t.Kind, in.enc.Kind())
	}
	return nil
}

// encodeInline feeds f's raw tracks to the output's encoders; each
// inline's out then holds the packets to write with this frame.
func (s *sender) encodeInline(f *onair.Frame) error {
	for _, in := range s.inlines {
		clear(in.out.Packets)
		in.out.Packets = in.out.Packets[:0]
		t := f.Track(in.name)
		if t == nil {
			if !in.missing {
				in.missing = true
				s.opts.log.Warn("track to encode missing from a frame: its stream has a gap", "output", s.opts.ID, "track", in.name)
			}
			continue
		}
		if err := in.check(t); err != nil {
			return err
		}
		if err := in.enc.Encode(f, t, &in.out); err != nil {
			return fmt.Errorf("mux: track %q: %w", in.name, err)
		}
	}
	return nil
}

// drainInline writes what the output's encoders still hold, at Close.
func (s *sender) drainInline() error {
	var errs []error
	for i, st := range s.streams {
		in := st.inline
		if in == nil {
			continue
		}
		in.out.Packets = in.out.Packets[:0]
		if err := in.enc.Drain(&in.out, 1); err != nil {
			errs = append(errs, fmt.Errorf("mux: track %q: %w", in.name, err))
		}
		for k := range in.out.Packets {
			if err := s.write(i, in.out.Stream, &in.out.Packets[k], s.end); err != nil {
				errs = append(errs, err)
				break
			}
		}
	}
	return errors.Join(errs...)
}
