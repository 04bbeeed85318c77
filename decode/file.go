package decode

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"time"

	"github.com/onair-go/onair"
)

// Metadata keys that set cue points, in seconds from the start of the
// file, as in Liquidsoap. They are read from the file's tags and from the
// metadata given with a playlist entry. Audio before the cue-in point and
// after the cue-out point is not played; the track's length (see
// [onair.Remainer]) is measured between them.
const (
	CueInKey  = "liq_cue_in"
	CueOutKey = "liq_cue_out"
)

// FileOptions configure [File]. A nil *FileOptions is valid.
type FileOptions struct {
	// ID names the source. It defaults to "file".
	ID string
	// Logger receives decoding errors, and FFmpeg's messages about the
	// file (see package avlog). It defaults to discarding them.
	Logger *slog.Logger
	// Buffer is how much audio is decoded ahead of the clock. It defaults
	// to 1s.
	Buffer time.Duration
	// Synchronous makes Ready and Generate wait until the helper goroutine
	// has filled the buffer (or can do no more). It is meant for tests
	// under a manual clock, which then never see an underrun; a real-time
	// graph should leave it off, so that the clock never waits for I/O.
	Synchronous bool
	// TrimSilence is as in [PlaylistOptions]. Duration still reports the
	// length of the file as probed, silence included.
	TrimSilence bool
	// Device is where the file's video is decoded, in graphs with video:
	// "" or "cpu" for software (the default), or a hardware device
	// "type[:device]" such as "cuda", "vaapi" or
	// "vaapi:/dev/dri/renderD128" (see [hw.ParseDevice] and [hw.Types]).
	// Pictures are downloaded to memory and converted to the graph format.
	// When the device does not open or cannot decode the file's video
	// codec, the video is decoded in software and the reason is logged
	// once (a warning), unless StrictDevice is set. A device type FFmpeg
	// does not know is always an error.
	Device string
	// StrictDevice makes File fail with an error wrapping
	// [hw.ErrUnavailable] when Device cannot be used, instead of decoding
	// in software.
	StrictDevice bool
}

// FileSource plays one media file once, then ends (io.EOF). It is
// fallible: it has no data before the file is decoded and after its end.
//
// The file is decoded by a helper goroutine started when the source wakes
// up and stopped when it goes to sleep; the clock goroutine only copies
// decoded audio. The audio is resampled and converted to the graph's rate
// and channel count. The track starts with a track mark and the file's
// tags (lower-case keys, plus "filename", and "title" from the file name
// when the file has none) and ends with a track mark.
// Decoding errors are logged; a file that breaks midway ends there.
//
// Seek, Duration, Metadata and Close are safe to call from any goroutine.
type FileSource struct {
	node *onair.Node
	p    *player
	path string
	dur  time.Duration
	meta onair.Metadata
	vo   *videoOptions
}

// File returns a source that plays the media file at path. It opens the
// file once to check that it holds decodable audio and returns the error
// (a [*PathError]) when it does not, or when opts asks for a hardware
// Device in strict mode that cannot decode it. opts may be nil.
func File(path string, opts *FileOptions) (*FileSource, error) {
	var o FileOptions
	if opts != nil {
		o = *opts
	}
	if o.ID == "" {
		o.ID = "file"
	}
	if o.Buffer < 0 {
		return nil, fmt.Errorf("%w: negative buffer %v", onair.ErrInvalidOption, o.Buffer)
	}
	vo, err := fileVideo(path, &o)
	if err != nil {
		return nil, err
	}
	meta, dur, err := probe(path, o.Logger)
	if err != nil {
		vo.closeDevice()
		return nil, err
	}
	s := &FileSource{path: path, dur: dur, meta: meta, vo: vo}
	s.p = newPlayer(&fileFeed{path: path}, playerOptions{
		id: o.ID, log: o.Logger, buffer: o.Buffer, synchronous: o.Synchronous, video: vo, trim: o.TrimSilence,
	})
	s.node = onair.NewNode(s.p, &onair.NodeOptions{ID: o.ID, Fallible: true})
	return s, nil
}

// probe opens path, reads its tags and duration (-1 when unknown) and
// decodes its first samples.
func probe(path string, log *slog.Logger) (onair.Metadata, time.Duration, error) {
	f := &onair.Format{SampleRate: 48000, Channels: 2}
	d, err := openDecoder(path, f, nil, log)
	if err != nil {
		return nil, 0, err
	}
	defer d.close()
	buf := [][]float32{make([]float32, 64), make([]float32, 64)}
	n, err := d.read(buf)
	if n == 0 {
		if err == nil || errors.Is(err, io.EOF) {
			err = &PathError{Op: "decode", Path: path, Err: ErrEmpty}
		}
		return nil, 0, err
	}
	dur := time.Duration(-1)
	if d.length >= 0 {
		dur = time.Duration(d.length) * time.Second / time.Duration(f.SampleRate)
	}
	return d.metadata(), dur, nil
}

// Node returns the source's graph node.
func (s *FileSource) Node() *onair.Node { return s.node }

// Path returns the file's path.
func (s *FileSource) Path() string { return s.path }

// Duration returns the length of the track (between cue points) as
// estimated from the file's headers, or -1 when unknown.
func (s *FileSource) Duration() time.Duration { return s.dur }

// Metadata returns a copy of the track's metadata: the file's tags,
// "filename", and "title" from the file name when the file has none.
func (s *FileSource) Metadata() onair.Metadata { return maps.Clone(s.meta) }

// Seek continues the track from position d (after the cue-in point). It
// takes effect when the helper goroutine has moved there: audio decoded
// before is dropped, and the source may be unready in between. Seek
// returns an error when the source is not started or closed.
func (s *FileSource) Seek(d time.Duration) error { return s.p.seek(d) }

// Close stops the helper goroutine and releases the decoder (and the
// hardware device, if any). It is idempotent; the source cannot be
// started again.
func (s *FileSource) Close() error {
	err := s.p.close()
	s.p.mu.Lock()
	s.vo.closeDevice()
	s.p.mu.Unlock()
	return err
}

// fileFeed plays one file once.
type fileFeed struct {
	path string
	done bool
}

func (f *fileFeed) rewind()                     { f.done = false }
func (f *fileFeed) poll() (bool, time.Duration) { return false, 0 }
func (f *fileFeed) next() (entry, feedStatus) {
	if f.done {
		return entry{}, feedDone
	}
	f.done = true
	return entry{path: f.path}, feedOK
}
