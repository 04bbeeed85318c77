package hls

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/onair-go/onair/fault"
)

// loadTimeout bounds each read of the storage while an output is made
// (the state file, the last initialization sections).
const loadTimeout = 30 * time.Second

// write stores a file of the output and reports the change.
func (s *store) write(name string, data []byte) error {
	op := Created
	if s.names[name] {
		op = Updated
	} else if d, ok := s.storage.(Dir); ok && d.exists(name) {
		op = Updated
	}
	if err := s.storage.Put(s.ctx, name, data, s.meta(name)); err != nil {
		return err
	}
	if isPlaylistOrState(name, s.cfg) {
		s.names[name] = true // segment names are new on every put
	}
	if name != s.cfg.StateFile {
		s.report(FileEvent{Op: op, Name: name, Path: s.location(name)})
	}
	return nil
}

func (s *store) remove(name string) {
	if err := s.storage.Delete(s.ctx, name); err != nil {
		s.fail("deleting segment", name, err)
		return
	}
	s.report(FileEvent{Op: Deleted, Name: name, Path: s.location(name)})
}

func (s *store) location(name string) string {
	if l, ok := s.storage.(Locator); ok {
		return l.Location(name)
	}
	return name
}

func isPlaylistOrState(name string, cfg *config) bool {
	return strings.HasSuffix(name, ".m3u8") || name == cfg.StateFile
}

// meta returns how a file of the output is served: the MIME types of
// [Output.Handler], playlists cached for half a target duration (at
// least a second, RFC 8216 §6.2.2 lets a client reload a live playlist
// that often), segments and initialization sections for a year and
// immutable, the state file not at all.
func (s *store) meta(name string) Meta {
	switch {
	case name == s.cfg.StateFile:
		return Meta{ContentType: "application/json", CacheControl: "no-store"}
	case strings.HasSuffix(name, ".m3u8"):
		age := max(1, s.cfg.target/2)
		return Meta{ContentType: mimePlaylist, CacheControl: "public, max-age=" + strconv.Itoa(age)}
	case strings.HasSuffix(name, ".ts"):
		return Meta{ContentType: mimeTS, CacheControl: segmentCache}
	}
	ct := mimeAudioMP4
	if base, _, ok := cutExt(name); ok {
		if i := strings.LastIndexByte(base, '_'); i >= 0 && s.hasVideo(base[:i]) {
			ct = mimeVideoMP4
		}
	}
	return Meta{ContentType: ct, CacheControl: segmentCache}
}

// segmentCache is the Cache-Control of segments and initialization
// sections in a storage: their names are never reused while numbering
// goes on.
const segmentCache = "public, max-age=31536000, immutable"

// hasVideo reports whether the variant named v has a video stream, from
// the variants' descriptions the writer has.
func (s *store) hasVideo(v string) bool {
	for _, vi := range s.infos {
		if vi.name == v {
			return vi.width > 0
		}
	}
	return false
}

// report calls OnFile; a panic in it is logged, not propagated.
func (s *store) report(ev FileEvent) {
	if s.cfg.OnFile == nil {
		return
	}
	defer func() {
		if r := recover(); r != nil {
			s.cfg.log.Error("OnFile panicked", "output", s.cfg.ID, "file", ev.Name, "panic", r)
		}
	}()
	s.cfg.OnFile(ev)
}

func (s *store) fail(what, name string, err error) {
	s.stats.errors.Add(1)
	s.cfg.log.Error(what+" failed", fault.StorageError.Attr(), fault.KeyOutput, s.cfg.ID, "storage", s.dir, fault.KeyPath, name, fault.KeyErr, err)
}

// getTimeout reads name from the storage with a bounded wait.
func (s *store) get(name string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(s.ctx, loadTimeout)
	defer cancel()
	return s.storage.Get(ctx, name)
}
