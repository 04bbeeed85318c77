// Package analysis measures media files for normalization and autocue:
// it decodes a file with package decode and measures it with package
// loudness (integrated loudness, loudness range, true peak, cue points),
// and keeps the results in a disk cache keyed by path, size and
// modification time, so that a music library is analysed once.
//
// A Cache's Prepare method is meant for decode's PlaylistOptions.Prepare:
// the playlist's helper goroutine then gets each file's analysis as
// metadata (liq_loudness, liq_cue_in, liq_cue_out, liq_cross_duration...)
// before it opens the file, which loudness.Normalize and onair.Crossfade
// read.
package analysis

import (
	"context"
	"fmt"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/decode"
	"github.com/onair-go/onair/loudness"
)

// Options configure [File] and [NewCache]. A nil *Options is valid.
type Options struct {
	// Format is the format the file is decoded to for the measurement.
	// Zero fields take the file's own: its sample rate (when from 8 kHz to
	// 384 kHz, else 48 kHz) and channel count (when from 1 to 8, else
	// stereo), so that it reads as other meters read it (a mono file
	// up-mixed to stereo would read 3 dB lower in true peak).
	Format onair.Format
	// Analyze configures the measurement and the cue points; its Format
	// is replaced by the one above.
	Analyze *loudness.AnalyzeOptions
}

func (o *Options) analyzeOptions(path string) *loudness.AnalyzeOptions {
	var a loudness.AnalyzeOptions
	var f onair.Format
	if o != nil {
		f = o.Format
		if o.Analyze != nil {
			a = *o.Analyze
		}
	}
	if f.SampleRate == 0 || f.Channels == 0 {
		rate, ch := probe(path)
		if f.SampleRate == 0 {
			f.SampleRate = 48000
			if rate >= 8000 && rate <= 384000 {
				f.SampleRate = rate
			}
		}
		if f.Channels == 0 {
			f.Channels = 2
			if ch >= 1 && ch <= 8 {
				f.Channels = ch
			}
		}
	}
	a.Format = f
	return &a
}

// File decodes the media file at path entirely and returns its analysis.
// Decoding runs on the calling goroutine (a file source in synchronous
// mode), as fast as the CPU allows. It returns decode's *PathError when the
// file cannot be opened, and ctx's error when ctx is done first.
func File(ctx context.Context, path string, opts *Options) (*loudness.Analysis, error) {
	src, err := decode.File(path, &decode.FileOptions{ID: "analysis", Synchronous: true})
	if err != nil {
		return nil, err
	}
	defer src.Close()
	res, err := loudness.Analyze(ctx, src, opts.analyzeOptions(path))
	if err != nil {
		return nil, fmt.Errorf("analysis: %s: %w", path, err)
	}
	return res, nil
}
