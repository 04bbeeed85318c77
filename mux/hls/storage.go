package hls

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
)

// Storage is where an [Output] keeps its files: a directory ([Dir], the
// default of [New]), an S3 bucket ([S3]), or anything with these three
// operations. Names are plain file names (segments, initialization
// sections, playlists, the state file), never paths.
//
// An output calls its storage from one goroutine, its writer, one call at
// a time and never from the clock goroutine; a Storage shared by several
// outputs must allow concurrent calls. The output orders the calls so
// that a reader never finds a playlist that names a missing file: a
// segment is Put before the playlist that lists it, and Deleted only
// after every playlist that listed it was replaced.
type Storage interface {
	// Put stores data under name, replacing any earlier content. A reader
	// sees the old content or the new one whole, never a part. meta says
	// how the content is served. Put gives up when ctx is done.
	Put(ctx context.Context, name string, data []byte, meta Meta) error
	// Get returns the content stored under name, or an error wrapping
	// [fs.ErrNotExist] when there is none.
	Get(ctx context.Context, name string) ([]byte, error)
	// Delete removes name. A name that is not there is not an error.
	Delete(ctx context.Context, name string) error
}

// Meta describes how a stored file is served: what a web server or an
// object store answers with it, and so what a CDN in front of it caches.
type Meta struct {
	// ContentType is the MIME type: application/vnd.apple.mpegurl for
	// playlists, video/mp2t, audio/mp4 or video/mp4 for segments,
	// application/json for the state file.
	ContentType string
	// CacheControl is the Cache-Control header: short-lived for playlists
	// (they change with every segment), long-lived and immutable for
	// segments and initialization sections (a name is never reused while
	// the output numbers on, see [Options.StateFile]), "no-store" for the
	// state file.
	CacheControl string
}

// Locator is implemented by storages that can say where a stored file can
// be found (a path or a URL). It fills [FileEvent].Path; without it Path is
// the name.
type Locator interface {
	Location(name string) string
}

// Dir is a [Storage] on a local directory: each file is written under a
// hidden temporary name in the directory, then renamed into place. Meta is
// not stored (the output's [Output.Handler] serves the same headers).
// Its methods are safe for concurrent use on different names.
type Dir string

var _ Storage = Dir("")

// Put writes data to a temporary file in the directory and renames it
// over name.
func (d Dir) Put(_ context.Context, name string, data []byte, _ Meta) error {
	path := filepath.Join(string(d), name)
	tmp := filepath.Join(string(d), "."+name+".tmp")
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		_ = os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		_ = os.Remove(tmp)
		return err
	}
	return nil
}

// Get reads name from the directory.
func (d Dir) Get(_ context.Context, name string) ([]byte, error) {
	return os.ReadFile(filepath.Join(string(d), name))
}

// Delete removes name from the directory.
func (d Dir) Delete(_ context.Context, name string) error {
	err := os.Remove(filepath.Join(string(d), name))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}

// Location returns the file's path.
func (d Dir) Location(name string) string { return filepath.Join(string(d), name) }

// exists reports whether name is in the directory (for [FileEvent].Op).
func (d Dir) exists(name string) bool {
	_, err := os.Stat(filepath.Join(string(d), name))
	return err == nil
}
