package decode_test

import (
	"path/filepath"
	"testing"

	"github.com/onair-go/onair/decode"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestUntaggedTitle: a file without a title tag plays under its file
// name (base name, no extension), through File and Playlist, and that is
// the song Icecast and the listener server announce; a title tag or an
// annotated title is kept.
func TestUntaggedTitle(t *testing.T) {
	dir := t.TempDir()
	untagged := makeTone(t, dir, tone{name: "Some Artist - Some Song.ogg", seconds: 0.3, codec: []string{"-c:a", "libvorbis"}})
	artistOnly := makeTone(t, dir, tone{name: "track 07.mp3", seconds: 0.3, codec: []string{"-c:a", "libmp3lame"},
		tags: map[string]string{"artist": "Band"}})
	tagged := makeTone(t, dir, tone{name: "file-name.flac", seconds: 0.3, codec: []string{"-c:a", "flac"},
		tags: map[string]string{"title": "Tag Title"}})

	t.Run("file", func(t *testing.T) {
		src, err := decode.File(untagged, &decode.FileOptions{Synchronous: true})
		require.NoError(t, err)
		defer src.Close()
		assert.Equal(t, "Some Artist - Some Song", src.Metadata()["title"], "Metadata")
		r := newRig(t, src, true)
		r.runUntilDone(src, 100)
		require.Len(t, r.cap.meta, 1)
		m := r.cap.meta[0].Metadata
		assert.Equal(t, "Some Artist - Some Song", m["title"], "track metadata")
		assert.Equal(t, untagged, m["filename"])
		assert.Equal(t, "Some Artist - Some Song", m.Song(), "the song Icecast and the listeners get")
	})
	t.Run("playlist", func(t *testing.T) {
		pl, err := decode.PlaylistOf([]string{untagged, artistOnly, tagged, `annotate:title="Given":` + untagged},
			&decode.PlaylistOptions{Once: true, Synchronous: true})
		require.NoError(t, err)
		defer pl.Close()
		r := newRig(t, pl, true)
		r.runUntilDone(pl, 200)
		require.Len(t, r.cap.meta, 4)
		var titles, songs []string
		for _, m := range r.cap.meta {
			titles = append(titles, m.Metadata["title"])
			songs = append(songs, m.Metadata.Song())
		}
		assert.Equal(t, []string{"Some Artist - Some Song", "track 07", "Tag Title", "Given"}, titles)
		assert.Equal(t, []string{"Some Artist - Some Song", "Band - track 07", "Tag Title", "Given"}, songs)
		assert.Equal(t, "Band", r.cap.meta[1].Metadata["artist"])
		assert.Equal(t, filepath.Base(tagged), filepath.Base(r.cap.meta[2].Metadata["filename"]))
	})
}
