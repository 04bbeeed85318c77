package filter

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/onair-go/onair"
)

// Options configure [NewAudio] and [NewVideo]. A nil *Options means the
// defaults.
type Options struct {
	// ID names the operator's node. It defaults to "filter".
	ID string
	// Format is the graph format the filter graph is built for at
	// construction, where a bad description is reported. It defaults to
	// onair's default format (44100 Hz stereo, 20 ms frames, and for
	// NewVideo 1280x720 yuv420p at 25 fps). When the running graph's format
	// differs, the filter graph is rebuilt for it when the operator wakes up.
	Format *onair.Format
	// FlushAtTracks drains the filter at each track mark of the source and
	// starts a fresh filter graph for the next track, so that nothing of a
	// track (an echo's tail, what a filter holds back) leaks into the next.
	// What the filter held of the ending track is played before the mark;
	// the track grows by the filter's delay (see [Audio]). It defaults to
	// false: one filter graph for the whole stream.
	FlushAtTracks bool
	// MaxBacklog bounds the filtered audio waiting to be played, for filters
	// that make more samples than they get (atempo=0.5): past it the oldest
	// are dropped (see Audio.Dropped). It defaults to 1 s. For NewVideo it
	// is counted in pictures of that duration.
	MaxBacklog time.Duration
	// Threads is the filter graph's number of threads. It defaults to 1:
	// the clock goroutine runs the filters; a negative value lets FFmpeg
	// choose (slice threads on every core, for heavy video filters).
	Threads int
	// Logger receives FFmpeg's messages about the filters (errors from
	// the clock goroutine are logged by the graph, with the node's ID). It
	// defaults to none: FFmpeg's messages go where package avlog routes
	// them, by default standard error.
	Logger *slog.Logger
}

func (o *Options) withDefaults(video bool) (Options, onair.Format, error) {
	var r Options
	if o != nil {
		r = *o
	}
	if r.ID == "" {
		r.ID = "filter"
	}
	if r.MaxBacklog == 0 {
		r.MaxBacklog = time.Second
	}
	if r.MaxBacklog < 0 {
		return r, onair.Format{}, fmt.Errorf("%w: MaxBacklog %v is negative", ErrInvalidOption, r.MaxBacklog)
	}
	if r.Threads == 0 {
		r.Threads = 1
	} else if r.Threads < 0 {
		r.Threads = 0
	}
	var f onair.Format
	if r.Format != nil {
		f = *r.Format
	}
	if video && f.Video == nil {
		f.Video = &onair.VideoFormat{}
	}
	nf, err := f.Normalize()
	if err != nil {
		return r, nf, fmt.Errorf("%w: %w", ErrInvalidOption, err)
	}
	return r, nf, nil
}
