package decode

import (
	"bufio"
	"bytes"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/onair-go/onair"
)

// mediaExts are the extensions a directory playlist plays.
var mediaExts = []string{
	".mp3", ".mp2", ".m4a", ".mp4", ".aac", ".m4b", ".ogg", ".oga", ".opus", ".flac",
	".wav", ".wv", ".aif", ".aiff", ".ape", ".mka", ".webm", ".ac3", ".spx", ".wma", ".mpc",
}

// isMedia reports whether name has a media file extension.
func isMedia(name string) bool {
	return slices.Contains(mediaExts, strings.ToLower(filepath.Ext(name)))
}

// loadList reads a playlist file (.m3u, .m3u8, .pls) or walks a directory
// (recursively, media files only, sorted by path).
func loadList(uri string) ([]entry, error) {
	fi, err := os.Stat(uri)
	if err != nil {
		return nil, err
	}
	if fi.IsDir() {
		var l []entry
		err := filepath.WalkDir(uri, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return nil // unreadable subdirectory: skip it
			}
			if !d.IsDir() && isMedia(p) {
				l = append(l, entry{path: p})
			}
			return nil
		})
		return l, err
	}
	data, err := os.ReadFile(uri)
	if err != nil {
		return nil, err
	}
	base := filepath.Dir(uri)
	switch strings.ToLower(filepath.Ext(uri)) {
	case ".m3u", ".m3u8":
		return parseM3U(data, base), nil
	case ".pls":
		return parsePLS(data, base), nil
	}
	return nil, fmt.Errorf("%w: %s is not a playlist (.m3u, .m3u8, .pls) or a directory", onair.ErrInvalidOption, uri)
}

// parseM3U reads an M3U playlist: one entry per line, comments and
// extended directives (#...) ignored, relative paths taken from base.
// Liquidsoap's annotate:key="value",...:path prefix adds metadata.
func parseM3U(data []byte, base string) []entry {
	var l []entry
	sc := bufio.NewScanner(bytes.NewReader(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		l = append(l, parseEntry(line, base))
	}
	return l
}

// parsePLS reads a PLS playlist (FileN=path, ordered by N).
func parsePLS(data []byte, base string) []entry {
	type numbered struct {
		n int
		e entry
	}
	var l []numbered
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		k, v, ok := strings.Cut(strings.TrimSpace(sc.Text()), "=")
		if !ok || len(k) < 5 || !strings.EqualFold(k[:4], "file") {
			continue
		}
		n, err := strconv.Atoi(k[4:])
		if err != nil {
			continue
		}
		l = append(l, numbered{n, parseEntry(strings.TrimSpace(v), base)})
	}
	slices.SortStableFunc(l, func(a, b numbered) int { return a.n - b.n })
	out := make([]entry, len(l))
	for i, x := range l {
		out[i] = x.e
	}
	return out
}

// parseEntry resolves one playlist line.
func parseEntry(s, base string) entry {
	var meta onair.Metadata
	if rest, ok := strings.CutPrefix(s, "annotate:"); ok {
		meta, s = parseAnnotate(rest)
	}
	if u, err := url.Parse(s); err == nil && u.Scheme == "file" {
		s = u.Path
	}
	if !filepath.IsAbs(s) && base != "" && !strings.Contains(s, "://") {
		s = filepath.Join(base, s)
	}
	return entry{path: s, meta: meta}
}

// parseAnnotate parses key="value",key2="value2":path.
func parseAnnotate(s string) (onair.Metadata, string) {
	m := onair.Metadata{}
	for {
		k, rest, ok := strings.Cut(s, "=")
		if !ok || !strings.HasPrefix(rest, `"`) {
			return m, s
		}
		end := strings.Index(rest[1:], `"`)
		if end < 0 {
			return m, s
		}
		m[strings.ToLower(strings.TrimSpace(k))] = rest[1 : end+1]
		s = rest[end+2:]
		switch {
		case strings.HasPrefix(s, ","):
			s = s[1:]
		case strings.HasPrefix(s, ":"):
			return m, s[1:]
		default:
			return m, s
		}
	}
}

// signature summarises what a watched playlist depends on (the playlist
// file, or every media file of the directory): paths, sizes and mtimes.
func signature(uri string) string {
	fi, err := os.Stat(uri)
	if err != nil {
		return "missing"
	}
	var b strings.Builder
	if !fi.IsDir() {
		fmt.Fprintf(&b, "%d %d", fi.Size(), fi.ModTime().UnixNano())
		return b.String()
	}
	_ = filepath.WalkDir(uri, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if d.IsDir() {
			if info, err := d.Info(); err == nil {
				fmt.Fprintf(&b, "%s/ %d\n", p, info.ModTime().UnixNano())
			}
			return nil
		}
		if isMedia(p) {
			if info, err := d.Info(); err == nil {
				fmt.Fprintf(&b, "%s %d %d\n", p, info.Size(), info.ModTime().UnixNano())
			}
		}
		return nil
	})
	return b.String()
}
