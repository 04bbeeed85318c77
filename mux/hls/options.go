package hls

import (
	"errors"
	"fmt"
	"log/slog"
	"math"
	"path/filepath"
	"strings"
	"time"

	"github.com/onair-go/onair/internal/opterr"
	"github.com/onair-go/onair/mux"
)

var (
	// ErrOption reports invalid options: no variant, a bad variant name,
	// a variant that copies no track, a window too short for the HLS
	// specification, a bad playlist or state file name.
	// It wraps onair.ErrInvalidOption: errors.Is matches either.
	ErrOption = opterr.New("hls: invalid option")
	// ErrState reports a state file (see [Options.StateFile]) that cannot
	// be read or parsed.
	ErrState = errors.New("hls: invalid state file")
)

// Container is the container format of a variant's segments.
type Container uint8

const (
	// MPEGTS writes MPEG transport stream segments (.ts), the format
	// every HLS client plays.
	MPEGTS Container = iota + 1
	// FMP4 writes fragmented MP4 segments (.m4s) after an initialization
	// section (.mp4) named by EXT-X-MAP.
	FMP4
)

func (c Container) String() string {
	switch c {
	case MPEGTS:
		return "mpegts"
	case FMP4:
		return "fmp4"
	}
	return fmt.Sprintf("Container(%d)", uint8(c))
}

// PlaylistType is the kind of media playlist written.
type PlaylistType uint8

const (
	// Live playlists list the last [Options.Window] segments (a sliding
	// window); segments that left the window are deleted after
	// [Options.Overhead] more segments.
	Live PlaylistType = iota + 1
	// Event playlists (EXT-X-PLAYLIST-TYPE:EVENT) list every segment since
	// the start and only grow; nothing is deleted.
	Event
	// VOD playlists (EXT-X-PLAYLIST-TYPE:VOD) are written once, when the
	// output closes, listing every segment; nothing is deleted. Segments
	// are written as they are made.
	VOD
)

func (t PlaylistType) String() string {
	switch t {
	case Live:
		return "live"
	case Event:
		return "EVENT"
	case VOD:
		return "VOD"
	}
	return fmt.Sprintf("PlaylistType(%d)", uint8(t))
}

// Variant is one rendition of the stream: a media playlist
// (<Name>.m3u8) whose segments hold a copy/drop selection of the
// source's encoded tracks.
type Variant struct {
	// Name names the media playlist and the segments (<Name>_<n>.ts). It
	// is required, unique, and made of ASCII letters, digits, '-' and '_'.
	Name string
	// Tracks selects the source's tracks, as for the outputs of package
	// mux: [mux.Only] names the tracks the segments hold; in a longer
	// selection, [mux.CopyTrack] makes a track one of the segments'
	// streams, [mux.DropTrack] (or not naming it) leaves it out. At least
	// one track is copied; a copied track must hold encoded packets.
	Tracks []mux.Track
	// Container is the segment format. It defaults to
	// [Options.Container].
	Container Container
	// Bandwidth is the BANDWIDTH attribute of the variant in the master
	// playlist, in bits per second. By default it is measured: the peak
	// bit rate of the segments written so far, plus 10%, and the master
	// playlist is rewritten when a later segment goes above it.
	Bandwidth int64
	// Codecs is the CODECS attribute of the variant. By default it is
	// built from the copied streams' codec parameters (see the package
	// documentation); a codec it does not know leaves CODECS out, with a
	// warning.
	Codecs string
}

// FileOp says what happened to a file.
type FileOp uint8

const (
	// Created: a new file (a segment, an initialization section, or a
	// playlist written for the first time) is in place.
	Created FileOp = iota + 1
	// Updated: a playlist was rewritten.
	Updated
	// Deleted: a segment or initialization section was removed.
	Deleted
)

func (op FileOp) String() string {
	switch op {
	case Created:
		return "created"
	case Updated:
		return "updated"
	case Deleted:
		return "deleted"
	}
	return fmt.Sprintf("FileOp(%d)", uint8(op))
}

// FileEvent is one change to the output directory, reported to
// [Options.OnFile] after it is done (the file is complete, renamed into
// place, or gone).
type FileEvent struct {
	Op FileOp
	// Name is the file's name in the output directory; Path is the
	// directory joined with it.
	Name, Path string
}

// Options configure an HLS output. A nil *Options is invalid: Variants is
// required.
type Options struct {
	// ID names the output in logs. It defaults to "hls".
	ID string
	// Variants are the renditions, in the order of the master playlist.
	// At least one is required.
	Variants []Variant
	// Container is the default segment format of the variants. It
	// defaults to [MPEGTS].
	Container Container
	// SegmentDuration is the length of the segments: every variant is cut
	// on one grid of this step, in stream time (see the package
	// documentation). EXT-X-TARGETDURATION is this duration rounded up to
	// whole seconds. It defaults to 6s; it must be at least 100ms.
	SegmentDuration time.Duration
	// Type is the playlist type. It defaults to [Live].
	Type PlaylistType
	// Window is the number of segments a Live playlist lists. It defaults
	// to 6 and must be at least 3 (RFC 8216 §6.2.2: a live playlist spans
	// at least three target durations).
	Window int
	// Overhead is how many segments a Live output keeps on disk after they
	// left the playlist, for clients that loaded an older playlist. It
	// defaults to Window+1, what RFC 8216 §6.2.2 asks for.
	Overhead int
	// KeepSegments keeps every segment of a Live output on disk.
	KeepSegments bool
	// Master is the file name of the master playlist. It defaults to
	// "master.m3u8"; it must end in ".m3u8" and hold no path separator.
	Master string
	// StateFile, when set, is a file name in the output directory where
	// the output's state (sequence numbers, the segments listed) is saved
	// after every segment and when the output closes. An output created
	// on a directory whose state file exists resumes from it: numbering
	// goes on and the first new segment of each variant is marked with
	// EXT-X-DISCONTINUITY. By default nothing is saved, and an output
	// starts numbering at 0 (overwriting files of an earlier run).
	StateFile string
	// Queue is the number of segment rounds (one segment per variant)
	// waiting to be written to disk. When the writer falls that far behind
	// (a stalled disk, a slow OnFile), a round is dropped, logged and
	// counted in [Stats].Dropped, and the next segments are marked with
	// EXT-X-DISCONTINUITY: the clock never waits for the disk. It defaults
	// to 16.
	Queue int
	// CloseTimeout is how long Close waits for the writer to store the
	// rounds still queued and the final playlists. Past it, the storage
	// calls in progress are cancelled and what is left fails at once
	// (logged): a storage that is down cannot hold Close up. It defaults
	// to 30s.
	CloseTimeout time.Duration
	// OnFile, when set, is called after each file is created, updated or
	// deleted (to sync a CDN or an object store). It is called on the
	// output's writer goroutine, never on the clock's, one event at a
	// time, in the order of the changes: a segment is reported before the
	// playlist that lists it, and a deleted segment after the playlist
	// that stopped listing it. A slow OnFile delays the writing of later
	// files (see Queue), not the stream.
	OnFile func(FileEvent)
	// Fallible lets the output run on a fallible source. When the source
	// fails, the current segments are ended; when it is ready again, the
	// next segments start with EXT-X-DISCONTINUITY.
	Fallible bool
	// CORSOrigin is the Access-Control-Allow-Origin value of the
	// [Output.Handler] responses. It defaults to "*".
	CORSOrigin string
	// Logger receives the output's logs. It defaults to discarding them.
	Logger *slog.Logger
}

// config is Options resolved: defaults applied, variants checked.
type config struct {
	Options
	variants []Variant
	target   int // EXT-X-TARGETDURATION, seconds
	log      *slog.Logger
}

func resolve(opts *Options) (*config, error) {
	if opts == nil {
		return nil, fmt.Errorf("%w: no options (Variants is required)", ErrOption)
	}
	c := &config{Options: *opts}
	if c.ID == "" {
		c.ID = "hls"
	}
	if c.Container == 0 {
		c.Container = MPEGTS
	}
	if c.SegmentDuration == 0 {
		c.SegmentDuration = 6 * time.Second
	}
	if c.Type == 0 {
		c.Type = Live
	}
	if c.Window == 0 {
		c.Window = 6
	}
	if c.Overhead == 0 {
		c.Overhead = c.Window + 1
	}
	if c.Master == "" {
		c.Master = "master.m3u8"
	}
	if c.Queue == 0 {
		c.Queue = 16
	}
	if c.CloseTimeout == 0 {
		c.CloseTimeout = 30 * time.Second
	}
	if c.CORSOrigin == "" {
		c.CORSOrigin = "*"
	}
	c.log = c.Logger
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	switch {
	case c.Container != MPEGTS && c.Container != FMP4:
		return nil, fmt.Errorf("%w: unknown container %v", ErrOption, c.Container)
	case c.Type != Live && c.Type != Event && c.Type != VOD:
		return nil, fmt.Errorf("%w: unknown playlist type %v", ErrOption, c.Type)
	case c.SegmentDuration < 100*time.Millisecond:
		return nil, fmt.Errorf("%w: segment duration %v (want at least 100ms)", ErrOption, c.SegmentDuration)
	case c.Window < 3:
		return nil, fmt.Errorf("%w: window of %d segments (want at least 3: RFC 8216 §6.2.2)", ErrOption, c.Window)
	case c.Overhead < 0:
		return nil, fmt.Errorf("%w: negative overhead %d", ErrOption, c.Overhead)
	case c.Queue < 0:
		return nil, fmt.Errorf("%w: negative queue size %d", ErrOption, c.Queue)
	case c.CloseTimeout < 0:
		return nil, fmt.Errorf("%w: negative close timeout %v", ErrOption, c.CloseTimeout)
	case !strings.HasSuffix(c.Master, ".m3u8") || !plainName(c.Master):
		return nil, fmt.Errorf("%w: master playlist name %q (want a file name ending in .m3u8)", ErrOption, c.Master)
	case c.StateFile != "" && (!plainName(c.StateFile) || servedName(c.StateFile)):
		return nil, fmt.Errorf("%w: state file name %q (want a file name in the output directory, not ending in .m3u8, .ts, .m4s or .mp4)", ErrOption, c.StateFile)
	case len(c.Variants) == 0:
		return nil, fmt.Errorf("%w: no variant", ErrOption)
	}
	c.target = int(math.Ceil(c.SegmentDuration.Seconds()))
	seen := map[string]bool{}
	for _, v := range c.Variants {
		if err := checkVariant(v, seen); err != nil {
			return nil, err
		}
		if v.Container == 0 {
			v.Container = c.Container
		}
		if v.Container != MPEGTS && v.Container != FMP4 {
			return nil, fmt.Errorf("%w: variant %q: unknown container %v", ErrOption, v.Name, v.Container)
		}
		if v.Name+".m3u8" == c.Master {
			return nil, fmt.Errorf("%w: variant %q: its playlist would overwrite the master playlist", ErrOption, v.Name)
		}
		v.Tracks = append([]mux.Track(nil), v.Tracks...)
		c.variants = append(c.variants, v)
	}
	c.Variants = nil
	return c, nil
}

func checkVariant(v Variant, seen map[string]bool) error {
	if !validName(v.Name) {
		return fmt.Errorf("%w: variant name %q (want ASCII letters, digits, '-' and '_')", ErrOption, v.Name)
	}
	if seen[v.Name] {
		return fmt.Errorf("%w: variant %q given twice", ErrOption, v.Name)
	}
	seen[v.Name] = true
	if v.Bandwidth < 0 {
		return fmt.Errorf("%w: variant %q: negative bandwidth", ErrOption, v.Name)
	}
	if strings.ContainsAny(v.Codecs, "\"\r\n") {
		return fmt.Errorf("%w: variant %q: codecs %q holds a quote or a line break", ErrOption, v.Name, v.Codecs)
	}
	copies := 0
	tracks := map[string]bool{}
	for _, t := range v.Tracks {
		switch {
		case t.Name == "":
			return fmt.Errorf("%w: variant %q: %w: empty track name", ErrOption, v.Name, mux.ErrTrack)
		case tracks[t.Name]:
			return fmt.Errorf("%w: variant %q: %w: track %q selected twice", ErrOption, v.Name, mux.ErrTrack, t.Name)
		case t.Action == mux.Copy:
			copies++
		case t.Action != mux.Drop:
			return fmt.Errorf("%w: variant %q: %w: track %q: unknown action %v", ErrOption, v.Name, mux.ErrTrack, t.Name, t.Action)
		}
		tracks[t.Name] = true
	}
	if copies == 0 {
		return fmt.Errorf("%w: variant %q copies no track", ErrOption, v.Name)
	}
	return nil
}

// validName reports whether s is a non-empty run of [A-Za-z0-9_-].
func validName(s string) bool {
	if s == "" || len(s) > 100 {
		return false
	}
	for _, r := range s {
		ok := r == '-' || r == '_' || (r >= '0' && r <= '9') || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z')
		if !ok {
			return false
		}
	}
	return true
}

// servedName reports whether name has the extension of a file the
// handler serves.
func servedName(name string) bool {
	for _, ext := range []string{".m3u8", ".ts", ".m4s", ".mp4"} {
		if strings.HasSuffix(name, ext) {
			return true
		}
	}
	return false
}

// plainName reports whether s is a file name without a directory part
// that is not hidden.
func plainName(s string) bool {
	return s != "" && filepath.Base(s) == s && !strings.HasPrefix(s, ".") && !strings.ContainsAny(s, `/\`)
}
