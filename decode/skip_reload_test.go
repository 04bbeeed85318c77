package decode_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/onair-go/onair/decode"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestPlaylistSkip ends the current track on demand: the rest of it is
// not played, the next entry follows at once after a track mark.
func TestPlaylistSkip(t *testing.T) {
	dir := t.TempDir()
	var paths []string
	for _, n := range []string{"a.wav", "b.wav"} {
		paths = append(paths, makeTone(t, dir, tone{name: n, seconds: 2, codec: []string{"-c:a", "pcm_s16le"}}))
	}
	pl, err := decode.PlaylistOf(paths, &decode.PlaylistOptions{Synchronous: true})
	require.NoError(t, err)
	defer pl.Close()
	r := newRig(t, pl, true)
	r.run(10) // 0.2 s of a.wav
	pl.Node().Skip()
	r.run(20)
	names := filenames(r.cap)
	require.GreaterOrEqual(t, len(names), 2, "%v", names)
	assert.Equal(t, []string{"a.wav", "b.wav"}, names[:2])
	// b.wav's metadata comes right after what was played of a.wav: the
	// 1.8 s left of a.wav were dropped.
	frame := 44100 / 50
	require.GreaterOrEqual(t, len(r.cap.meta), 2)
	assert.InDelta(t, 10*frame, r.cap.meta[1].Pos, float64(frame), "b starts where a was skipped")
	assert.Contains(t, r.cap.marks, r.cap.meta[1].Pos, "a track mark where b starts")
	assert.Equal(t, 30*frame, r.cap.samples, "no gap: every tick is full")
	assert.Empty(t, r.cap.short)
}

// waitLen waits (bounded) until the playlist has n entries.
func waitLen(t *testing.T, pl *decode.PlaylistSource, r *rig, n int) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for pl.Len() != n {
		if time.Now().After(deadline) {
			t.Fatalf("playlist has %d entries, want %d", pl.Len(), n)
		}
		// The helper goroutine polls for changes; ticking lets it run
		// its next decode-ahead too.
		r.run(1)
		time.Sleep(5 * time.Millisecond)
	}
}

// TestPlaylistReloadModes checks that ReloadWatch picks up a file added
// to the directory and ReloadInterval one removed, without a Reload call.
func TestPlaylistReloadModes(t *testing.T) {
	for _, tc := range []struct {
		name string
		mode decode.ReloadMode
	}{{"watch", decode.ReloadWatch}, {"interval", decode.ReloadInterval}} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			for _, n := range []string{"a.wav", "b.wav"} {
				makeTone(t, dir, tone{name: n, seconds: 0.1, codec: []string{"-c:a", "pcm_s16le"}})
			}
			// A small decode-ahead buffer: what was decoded before the
			// change is at most one entry.
			pl, err := decode.Playlist(dir, &decode.PlaylistOptions{Reload: tc.mode, ReloadEvery: 10 * time.Millisecond, Buffer: 40 * time.Millisecond})
			require.NoError(t, err)
			defer pl.Close()
			r := newRig(t, pl, true)
			require.Equal(t, 2, pl.Len())
			// ffmpeg writes the new file elsewhere first: the playlist
			// never sees it half-written.
			tmp := t.TempDir()
			c := makeTone(t, tmp, tone{name: "c.wav", seconds: 0.1, codec: []string{"-c:a", "pcm_s16le"}})
			require.NoError(t, renameFile(c, filepath.Join(dir, "c.wav")))
			waitLen(t, pl, r, 3)
			require.NoError(t, removeFile(filepath.Join(dir, "a.wav")))
			waitLen(t, pl, r, 2)
			// The new list plays: c.wav appears, and a.wav stops
			// appearing once what was decoded ahead has played.
			before := len(filenames(r.cap))
			deadline := time.Now().Add(20 * time.Second)
			for len(filenames(r.cap)) < before+6 && time.Now().Before(deadline) {
				r.run(5)
				time.Sleep(time.Millisecond)
			}
			names := filenames(r.cap)[before:]
			require.GreaterOrEqual(t, len(names), 6, "%v", names)
			assert.Contains(t, names, "c.wav")
			assert.NotContains(t, names[3:], "a.wav", "%v", names)
		})
	}
}

func renameFile(from, to string) error { return os.Rename(from, to) }
func removeFile(p string) error        { return os.Remove(p) }
