package filter

import (
	"fmt"
	"strings"

	"github.com/onair-go/onair"
)

// OverlayOptions configure [Overlay]. A nil *OverlayOptions means the
// defaults.
type OverlayOptions struct {
	Options
	// X and Y place the image's top left corner on the picture, as FFmpeg
	// overlay expressions (main_w, main_h, overlay_w, overlay_h, t...),
	// without single quotes. They
	// default to the top right corner with a 24-pixel margin:
	// "main_w-overlay_w-24" and "24".
	X, Y string
	// Scale, when positive, scales the image to this width in pixels,
	// keeping its aspect ratio. It defaults to the image's own size.
	Scale int
}

// Overlay returns an operator that draws the image at path (PNG with
// transparency for a logo, or any picture FFmpeg reads) over the main video
// track of src, on every picture. It is a [Video] operator running
// "movie,scale;[in][logo]overlay": the path needs no escaping. An image
// FFmpeg cannot read is an *Error, at construction. The cover art of a
// track needs no overlay: the decoders show an audio file's attached
// picture as its video (see package decode). opts may be nil.
func Overlay(src onair.Source, path string, opts *OverlayOptions) (*Video, error) {
	var oo OverlayOptions
	if opts != nil {
		oo = *opts
	}
	if oo.X == "" {
		oo.X = "main_w-overlay_w-24"
	}
	if oo.Y == "" {
		oo.Y = "24"
	}
	if strings.ContainsRune(oo.X+oo.Y, '\'') {
		return nil, fmt.Errorf("%w: X and Y must not contain a single quote", ErrInvalidOption)
	}
	if oo.Scale < 0 {
		return nil, fmt.Errorf("%w: Scale %d is negative", ErrInvalidOption, oo.Scale)
	}
	o, f, err := oo.Options.withDefaults(true)
	if err != nil {
		return nil, err
	}
	if src == nil {
		return nil, fmt.Errorf("%w: nil source", ErrInvalidOption)
	}
	scale := "null"
	if oo.Scale > 0 {
		scale = fmt.Sprintf("scale=w=%d:h=-1", oo.Scale)
	}
	desc := fmt.Sprintf("movie,%s[onair_logo];[in][onair_logo]overlay=x='%s':y='%s':format=auto", scale, oo.X, oo.Y)
	if o.ID == "filter" {
		o.ID = "overlay"
	}
	return newVideo(src, desc, []filterOpt{{0, "filename", path}}, o, f)
}
