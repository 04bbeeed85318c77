package mux

import (
	"fmt"
	"time"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/internal/avmux"
)

// FileOutput is a graph output that muxes the selected tracks of its
// source (copied, or encoded inside the output) into files. Make it with
// [File] and add it to a graph.
//
// Reopen and Path are safe to call from any goroutine; the rest of the
// output runs on its clock's goroutine.
type FileOutput struct {
	out *onair.Output
	s   *sender
}

// File returns an output that writes src's selected tracks (see [Track])
// into the file at path. The container is opts.Format or, by default, the
// format FFmpeg guesses from the extension. The file is created only when the first
// packet arrives; an existing file of the same name is truncated.
//
// path is a template: %Y, %y, %m, %d, %H, %M, %S and %j are replaced with
// the wall-clock time of the data ([FileOptions.Start] plus the stream
// time of the output's clock), %% with a percent sign. When the expanded
// name changes (say "archive-%Y%m%d-%H.mp3" at the top of each hour) the
// current file is closed and the next packets go to a new one. A file is
// also closed and a new one opened on [FileOptions.ReopenOnMetadata] and
// on [FileOutput.Reopen]. Every packet goes to exactly one file, so the
// files hold the stream without gap or overlap; a file starts at a
// packet boundary at or after the requested position, and, when a video
// track is copied, at its next keyframe. Timestamps start near zero in
// each file (see the package documentation for the first one).
//
// When a copied track gets a new stream (its encoder was rebuilt at a track
// end), the timeline goes on where the previous stream ended; if the codec
// parameters differ, the file is closed and a new one started. Write
// errors are returned to the output, which logs them, drops the file and
// starts a new one when it restarts. opts may be nil.
func File(src onair.Source, path string, opts *FileOptions) (*FileOutput, error) {
	var fo FileOptions
	if opts != nil {
		fo = *opts
	}
	r, err := resolve(&fo.Options, "mux.file")
	if err != nil {
		return nil, err
	}
	tmpl, err := parseTemplate(path)
	if err != nil {
		return nil, err
	}
	if fo.Format != "" {
		if err := avmux.CheckFormat(fo.Format); err != nil {
			return nil, fmt.Errorf("mux: %w", err)
		}
	}
	s, err := newSender(r)
	if err != nil {
		return nil, err
	}
	tc := &timeCuts{tmpl: tmpl, start: fo.Start, meta: fo.ReopenOnMetadata}
	s.cuts = tc.cuts
	s.onClose = fo.OnClose
	mo := &avmux.Options{Format: fo.Format, MuxerOptions: r.MuxerOptions, Metadata: r.Metadata, Logger: r.log}
	s.open = func(at time.Duration) (*avmux.Muxer, string, error) {
		p := tmpl.expand(tc.wall(at))
		m, err := avmux.Create(p, mo)
		return m, p, err
	}
	out := onair.NewOutput(src, s, &onair.OutputOptions{ID: r.ID, Fallible: r.Fallible, OnError: r.OnError})
	s.out = out
	return &FileOutput{out: out, s: s}, nil
}

// Node returns the output's graph node.
func (o *FileOutput) Node() *onair.Node { return o.out.Node() }

// Output returns the underlying graph output.
func (o *FileOutput) Output() *onair.Output { return o.out }

// Reopen closes the current file at the start of the next frame; the next
// packets go to a new file (named from the template at that time). Safe
// from any goroutine.
func (o *FileOutput) Reopen() { o.s.reopen.Store(true) }

// Path returns the path of the file being written, or "" before the first
// one is created. Safe from any goroutine.
func (o *FileOutput) Path() string { return o.s.currentName() }

// timeCuts finds where a file must end: where the time template's name
// changes, and at metadata the predicate selects.
type timeCuts struct {
	tmpl    *template
	start   time.Time
	meta    func(onair.Metadata) bool
	init    bool
	name    string
	next    time.Duration // stream time of the next whole wall-clock second
	started bool
}

// wall returns the wall-clock time of stream time t.
func (c *timeCuts) wall(t time.Duration) time.Time { return c.start.Add(t) }

func (c *timeCuts) cuts(f *onair.Frame, start time.Duration, dst []int) []int {
	if c.meta != nil {
		for _, m := range f.Metadata() {
			if c.meta(m.Metadata) {
				dst = append(dst, m.Pos)
			}
		}
	}
	if !c.started {
		c.started = true
		if c.start.IsZero() {
			c.start = time.Now().Add(-start)
		}
	}
	if !c.tmpl.timed {
		return dst
	}
	if !c.init {
		c.init = true
		w := c.wall(start)
		c.name = c.tmpl.expand(w)
		c.next = w.Truncate(time.Second).Add(time.Second).Sub(c.start)
	}
	end := start + f.Format().Duration(f.Len())
	for c.next < end {
		// The template's finest unit is the second: check each one.
		if name := c.tmpl.expand(c.wall(c.next)); name != c.name {
			c.name = name
			dst = append(dst, f.Format().Samples(c.next-start))
		}
		c.next += time.Second
	}
	return dst
}
