package mux

import (
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/internal/avmux"
)

// WriterOutput is a graph output that muxes the selected tracks (copied or
// encoded inside the output) of its source into an io.Writer. Make it
// with [Writer].
//
// Reopen is safe to call from any goroutine; the rest of the output runs on
// its clock's goroutine.
type WriterOutput struct {
	out *onair.Output
	s   *sender
}

// Writer returns an output that writes src's selected tracks to w in the
// container format (an FFmpeg muxer name: "mpegts", "adts", "mp3", "mp4",
// "matroska", "ogg", ...). The container starts when the first packet
// arrives. w is written on the clock goroutine and must not block for long;
// it is never closed. Unless w is an io.WriteSeeker that can seek, the
// output is written sequentially, and MP4 is written as fragmented MP4.
//
// [WriterOutput.Reopen], or a copied track whose codec parameters change
// (see [File]), ends the container (trailer written) and starts a new one
// in w, so w then holds concatenated containers: players read that for
// MPEG-TS, ADTS and MP3, not for MP4. A write error of w is returned to
// the output, which logs it and starts a new container when it restarts.
// opts may be nil.
//
// The output flushes FFmpeg's write buffer into w at the end of every
// frame, so w sees the stream with at most one frame of delay beyond what
// the container itself holds back (network outputs rely on this).
func Writer(src onair.Source, w io.Writer, format string, opts *Options) (*WriterOutput, error) {
	if w == nil {
		return nil, errors.New("mux: Writer needs an io.Writer")
	}
	if format == "" {
		return nil, fmt.Errorf("mux: %w: Writer needs an explicit format", ErrFormat)
	}
	if err := avmux.CheckFormat(format); err != nil {
		return nil, fmt.Errorf("mux: %w", err)
	}
	r, err := resolve(opts, "mux.writer")
	if err != nil {
		return nil, err
	}
	s, err := newSender(r)
	if err != nil {
		return nil, err
	}
	s.flush = true
	mo := &avmux.Options{MuxerOptions: r.MuxerOptions, Metadata: r.Metadata, Logger: r.log}
	s.open = func(time.Duration) (*avmux.Muxer, string, error) {
		if md, ok := s.takeReopenMeta(); ok {
			mo.Metadata = md
		}
		m, err := avmux.NewWriter(w, format, mo)
		return m, "", err
	}
	out := onair.NewOutput(src, s, &onair.OutputOptions{ID: r.ID, Fallible: r.Fallible, OnError: r.OnError})
	s.out = out
	return &WriterOutput{out: out, s: s}, nil
}

// Node returns the output's graph node.
func (o *WriterOutput) Node() *onair.Node { return o.out.Node() }

// Output returns the underlying graph output.
func (o *WriterOutput) Output() *onair.Output { return o.out }

// Reopen ends the current container at the start of the next frame; the
// next packets start a new one in the same writer. Safe from any goroutine.
func (o *WriterOutput) Reopen() { o.s.reopen.Store(true) }

// ReopenWith is Reopen with new container metadata: the next container
// (and every later one) is written with md instead of
// [Options.Metadata]. For Ogg this is how a title change reaches
// listeners in band: a new chained logical stream whose comment header
// holds md. Safe from any goroutine.
func (o *WriterOutput) ReopenWith(md map[string]string) {
	c := make(map[string]string, len(md))
	for k, v := range md {
		c[k] = v
	}
	o.s.reopenMu.Lock()
	o.s.reopenMeta, o.s.hasMeta = c, true
	o.s.reopenMu.Unlock()
	o.s.reopen.Store(true)
}
