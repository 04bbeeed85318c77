package decode

import "errors"

var (
	// ErrNoAudio reports a file without an audio stream.
	ErrNoAudio = errors.New("decode: no audio stream")
	// ErrUnsupportedCodec reports an audio stream FFmpeg has no decoder for.
	ErrUnsupportedCodec = errors.New("decode: unsupported codec")
	// ErrEmpty reports a file that opened but decoded to no audio.
	ErrEmpty = errors.New("decode: no audio decoded")
	// ErrRewritten ends a track whose file was written over in place
	// while it played (a sync tool, an editor): what follows would be the
	// new bytes read with the old file's format, heard as noise.
	ErrRewritten = errors.New("decode: the file changed while it played")
	// ErrClosed is returned by methods of a closed source.
	ErrClosed = errors.New("decode: source closed")
	// ErrTooManyFailures is logged, wrapping the last entry's error, when
	// a playlist pauses after [PlaylistOptions.MaxFail] consecutive bad
	// entries (it tries again after [PlaylistOptions.RetryDelay]).
	ErrTooManyFailures = errors.New("decode: too many consecutive failures")
)

// PathError records a failure to open or decode one media file. Err is
// [ErrNoAudio], [ErrUnsupportedCodec], [ErrEmpty], [ErrRewritten], an error of the file
// system, or an FFmpeg error whose message names the FFmpeg call that
// failed ("ffmpeg: avformat_open_input: ...").
type PathError struct {
	Op   string // "open", "probe", "decode", "seek", ...
	Path string
	Err  error
}

func (e *PathError) Error() string { return "decode: " + e.Op + " " + e.Path + ": " + e.Err.Error() }

// Unwrap returns the underlying error.
func (e *PathError) Unwrap() error { return e.Err }
