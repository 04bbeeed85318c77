package onair

import (
	"fmt"
	"strings"
)

// MapMetadataOptions configure [MapMetadata]. A nil *MapMetadataOptions is
// valid.
type MapMetadataOptions struct {
	// ID names the operator. It defaults to "map_metadata".
	ID string
}

// MapMetadata returns a source that rewrites every metadata of s with fn,
// at its position. fn receives metadata shared with other consumers: it
// must not modify it, but returns it, a new map (start from [maps.Clone]
// to edit it), or nil to remove the metadata. fn runs on the clock
// goroutine. MapMetadata passes data and track marks through, keeps the
// fallibility of s and does not propagate errors. opts may be nil. It
// returns an error wrapping [ErrInvalidOption] when s or fn is nil.
func MapMetadata(s Source, fn func(Metadata) Metadata, opts *MapMetadataOptions) (*Node, error) {
	o := valueOr(opts)
	id := idOr(o.ID, "map_metadata")
	if s == nil || fn == nil {
		return nil, fmt.Errorf("%w: %s: nil source or function", ErrInvalidOption, id)
	}
	return NewNode(&metaMapper{src: s, fn: fn}, &NodeOptions{ID: id, Children: []Source{s}, Fallible: s.Node().Fallible()}), nil
}

type metaMapper struct {
	src Source
	fn  func(Metadata) Metadata
}

func (g *metaMapper) Generate(f *Frame) error {
	cn := g.src.Node()
	in := cn.Peek()
	first := len(f.meta)
	k := f.Append(in, 0, in.Len())
	cn.Consume(k)
	out := first
	for i := first; i < len(f.meta); i++ {
		m := f.meta[i]
		if m.Metadata = g.fn(m.Metadata); m.Metadata != nil {
			f.meta[out] = m
			out++
		}
	}
	clear(f.meta[out:])
	f.meta = f.meta[:out]
	return nil
}

// Get returns the value of key, matching the key without regard to case
// when there is no exact match ("Title" finds "title"); "" when absent.
func (m Metadata) Get(key string) string {
	if v, ok := m[key]; ok {
		return v
	}
	for k, v := range m {
		if strings.EqualFold(k, key) {
			return v
		}
	}
	return ""
}

// Song returns the title a listener sees, as Icecast builds it: "artist -
// title", or whichever of the two is set, or the "song" field (keys
// matched as [Metadata.Get] does). It is "" when none is set.
func (m Metadata) Song() string {
	artist, title := m.Get("artist"), m.Get("title")
	switch {
	case artist != "" && title != "":
		return artist + " - " + title
	case title != "":
		return title
	case artist != "":
		return artist
	}
	return m.Get("song")
}
