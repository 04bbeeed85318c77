package decode_test

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/decode"
	"github.com/onair-go/onair/fault"
	"github.com/onair-go/onair/internal/faulttest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// failLog records OnFail calls; it is safe for concurrent use.
type failLog struct {
	mu   sync.Mutex
	errs map[string][]error
	n    int
}

func (l *failLog) onFail(path string, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.errs == nil {
		l.errs = map[string][]error{}
	}
	l.errs[path] = append(l.errs[path], err)
	l.n++
}

func (l *failLog) count() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.n
}

// unsupportedWAV is a WAV file whose audio uses a codec tag no decoder
// knows.
func unsupportedWAV() []byte {
	var b bytes.Buffer
	data := make([]byte, 8000)
	b.WriteString("RIFF")
	binary.Write(&b, binary.LittleEndian, uint32(36+len(data)))
	b.WriteString("WAVEfmt ")
	for _, v := range []any{uint32(16), uint16(0x3a7f), uint16(1), uint32(8000), uint32(8000), uint16(1), uint16(8)} {
		binary.Write(&b, binary.LittleEndian, v)
	}
	b.WriteString("data")
	binary.Write(&b, binary.LittleEndian, uint32(len(data)))
	b.Write(data)
	return b.Bytes()
}

// badEntries makes one file per kind of bad entry in dir.
func badEntries(t *testing.T, dir string) map[string]string {
	t.Helper()
	bad := map[string]string{}
	bad["missing"] = filepath.Join(dir, "missing.mp3")
	// A folder where a file is expected cannot be read as one (root can
	// read any file, so permissions alone do not make one unreadable).
	bad["unreadable"] = filepath.Join(dir, "folder.mp3")
	require.NoError(t, os.Mkdir(bad["unreadable"], 0o755))
	if os.Geteuid() != 0 {
		bad["no permission"] = writeFile(t, filepath.Join(dir, "secret.mp3"), []byte("x"))
		require.NoError(t, os.Chmod(bad["no permission"], 0))
	}
	bad["zero bytes"] = writeFile(t, filepath.Join(dir, "empty.mp3"), nil)
	whole := makeTone(t, dir, tone{name: "whole.m4a", seconds: 1, codec: []string{"-c:a", "aac"}})
	data, err := os.ReadFile(whole)
	require.NoError(t, err)
	bad["truncated"] = writeFile(t, filepath.Join(dir, "truncated.m4a"), data[:len(data)/2])
	bad["not media"] = writeFile(t, filepath.Join(dir, "notes.mp3"), []byte(strings.Repeat("this is not audio\n", 200)))
	png := filepath.Join(dir, "image.png")
	runFFmpeg(t, "-nostdin", "-v", "error", "-f", "lavfi", "-i", "color=c=red:s=64x64", "-frames:v", "1", png)
	bad["wrong extension"] = filepath.Join(dir, "image.mp3")
	require.NoError(t, os.Rename(png, bad["wrong extension"]))
	bad["unsupported codec"] = writeFile(t, filepath.Join(dir, "odd.wav"), unsupportedWAV())
	return bad
}

// TestPlaylistBadEntries puts every kind of bad entry between two good
// files: each is skipped with one error, and the stream has no gap.
func TestPlaylistBadEntries(t *testing.T) {
	dir := t.TempDir()
	bad := badEntries(t, dir)
	good1 := makeTone(t, dir, tone{name: "good1.ogg", seconds: 0.5, codec: []string{"-c:a", "libvorbis"}})
	good2 := makeTone(t, dir, tone{name: "good2.flac", seconds: 0.5, rate: 48000, codec: []string{"-c:a", "flac"}})
	lines := []string{"#EXTM3U", good1}
	for _, p := range bad {
		lines = append(lines, p)
	}
	lines = append(lines, good2)
	m3u := writeFile(t, filepath.Join(dir, "list.m3u"), []byte(strings.Join(lines, "\n")))

	fl := faulttest.New()
	var fails failLog
	pl, err := decode.Playlist(m3u, &decode.PlaylistOptions{
		Once: true, Synchronous: true, OnFail: fails.onFail,
		Logger: fl.Logger(),
	})
	require.NoError(t, err)
	defer pl.Close()
	r := newRig(t, pl, true)
	r.run(80)

	for kind, p := range bad {
		errs := fails.errs[p]
		if assert.Len(t, errs, 1, "%s: one failure", kind) {
			var pe *decode.PathError
			assert.ErrorAs(t, errs[0], &pe, "%s", kind)
			t.Logf("%-17s %v", kind, errs[0])
		}
		n := 0
		for _, rec := range fl.Records(fault.FileSkipped) {
			if rec.Attrs[fault.KeyPath] == p {
				n++
			}
		}
		assert.Equal(t, 1, n, "%s: one file_skipped record", kind)
	}
	assert.Equal(t, len(bad), fails.count())
	fl.Check(t, fault.FileSkipped, fault.KeySource, pl.Node().ID(), len(bad), fault.KeyPath, fault.KeyErr)
	frame := r.g.Format().FrameSize()
	assert.InDelta(t, 44100, r.cap.samples, float64(frame))
	// No gap: every frame is full but the last.
	assert.LessOrEqual(t, len(r.cap.short), 1, "short frames at %v", r.cap.short)
	if len(r.cap.short) == 1 {
		assert.Equal(t, r.cap.frames-1, r.cap.short[0])
	}
	require.Len(t, r.cap.meta, 2)
	assert.Equal(t, good1, r.cap.meta[0].Metadata["filename"])
	assert.Equal(t, good2, r.cap.meta[1].Metadata["filename"])
	assert.Equal(t, []int{0, r.cap.meta[1].Pos, r.cap.samples}, r.cap.marks)
	assert.InDelta(t, 22050, r.cap.meta[1].Pos, float64(frame))
}

// TestPlaylistAllBad checks that a playlist of bad files gives up after
// MaxFail failures, that MkSafe then plays silence, and that a reload
// brings it back.
func TestPlaylistAllBad(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "later.wav")
	empty := writeFile(t, filepath.Join(dir, "empty.mp3"), nil)
	text := writeFile(t, filepath.Join(dir, "text.ogg"), []byte("hello"))
	var fails failLog
	pl, err := decode.PlaylistOf([]string{missing, empty, text}, &decode.PlaylistOptions{
		Synchronous: true, OnFail: fails.onFail, MaxFail: 7,
	})
	require.NoError(t, err)
	defer pl.Close()
	safe := onair.MkSafe(pl)
	r := newRig(t, safe, false)
	r.run(20)
	assert.Equal(t, 7, fails.count(), "gives up after MaxFail consecutive failures")
	assert.False(t, pl.Node().Ready())
	assert.Equal(t, 20*882, r.cap.samples, "the fallback keeps the stream going")
	assert.Equal(t, 0.0, rms(r.cap.audio[0]))

	// The file appears whole (made elsewhere, then renamed): the playlist
	// retries by itself after its pause, and could otherwise open it
	// while ffmpeg writes it.
	made := makeTone(t, t.TempDir(), tone{name: "later.wav", seconds: 1, codec: []string{"-c:a", "pcm_s16le"}})
	require.NoError(t, os.Rename(made, missing))
	pl.Reload()
	r.run(20)
	assert.True(t, pl.Node().Ready(), "ready again after a reload")
	assert.Greater(t, rms(r.cap.audio[0][20*882:]), 0.05, "plays the file that appeared")
	assert.Len(t, fails.errs[missing], 3, "the reloaded round starts with the file that appeared")
}

// filenames returns the filename of each track, in order.
func filenames(c *capture) []string {
	var l []string
	for _, m := range c.meta {
		l = append(l, filepath.Base(m.Metadata["filename"]))
	}
	return l
}

// TestPlaylistReload adds and removes files of a directory playlist.
func TestPlaylistReload(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"a.wav", "sub/b.wav"} {
		require.NoError(t, os.MkdirAll(filepath.Dir(filepath.Join(dir, n)), 0o755))
		makeTone(t, dir, tone{name: n, seconds: 0.1, codec: []string{"-c:a", "pcm_s16le"}})
	}
	writeFile(t, filepath.Join(dir, "cover.jpg"), []byte("not listed"))
	pl, err := decode.Playlist(dir, &decode.PlaylistOptions{Synchronous: true})
	require.NoError(t, err)
	defer pl.Close()
	assert.Equal(t, 2, pl.Len())
	r := newRig(t, pl, true)
	r.run(20)
	assert.Equal(t, []string{"a.wav", "b.wav", "a.wav", "b.wav"}, filenames(r.cap))

	require.NoError(t, os.Remove(filepath.Join(dir, "a.wav")))
	makeTone(t, dir, tone{name: "c.wav", seconds: 0.1, codec: []string{"-c:a", "pcm_s16le"}})
	pl.Reload()
	r.run(100)
	names := filenames(r.cap)
	// What was decoded ahead before the reload plays first, then the new
	// list (sorted by path): c, sub/b, c, sub/b...
	i := slices.Index(names, "c.wav")
	require.Positive(t, i, "c.wav is played: %v", names)
	assert.NotContains(t, names[i:], "a.wav", "removed file no longer played")
	for j := i; j+1 < len(names); j += 2 {
		assert.Equal(t, []string{"c.wav", "b.wav"}, names[j:j+2], "new round order: %v", names)
	}
	assert.Equal(t, 2, pl.Len())
	assert.Empty(t, r.cap.short, "no gap")
}

// TestPlaylistRandomModes checks that the random modes follow the seed.
func TestPlaylistRandomModes(t *testing.T) {
	dir := t.TempDir()
	var paths []string
	for _, n := range []string{"a.wav", "b.wav", "c.wav", "d.wav"} {
		paths = append(paths, makeTone(t, dir, tone{name: n, seconds: 0.06, codec: []string{"-c:a", "pcm_s16le"}}))
	}
	play := func(mode decode.Order, seed uint64) []string {
		pl, err := decode.PlaylistOf(paths, &decode.PlaylistOptions{Order: mode, Seed: seed, Synchronous: true})
		require.NoError(t, err)
		defer pl.Close()
		r := newRig(t, pl, true)
		r.run(3 * 24)
		return filenames(r.cap)
	}
	for _, mode := range []decode.Order{decode.RandomPick, decode.Shuffle} {
		a, b, c := play(mode, 42), play(mode, 42), play(mode, 7)
		require.GreaterOrEqual(t, len(a), 20)
		assert.Equal(t, a, b, "mode %d: same seed, same order", mode)
		assert.NotEqual(t, a, c, "mode %d: another seed, another order", mode)
		if mode == decode.Shuffle {
			for i := 0; i+4 <= len(a); i += 4 {
				assert.ElementsMatch(t, []string{"a.wav", "b.wav", "c.wav", "d.wav"}, a[i:i+4], "round %d is a permutation", i/4)
			}
		}
	}
	assert.Equal(t, []string{"a.wav", "b.wav", "c.wav", "d.wav", "a.wav"}, play(decode.InOrder, 1)[:5])
}

// TestPlaylistFormats reads M3U (with annotations) and PLS playlists.
func TestPlaylistFormats(t *testing.T) {
	dir := t.TempDir()
	makeTone(t, dir, tone{name: "x.wav", seconds: 1, codec: []string{"-c:a", "pcm_s16le"}})
	m3u := writeFile(t, filepath.Join(dir, "l.m3u8"), []byte("#EXTM3U\n#EXTINF:1,X\nannotate:title=\"Cut\",liq_cue_in=\"0.2\",liq_cue_out=\"0.7\":x.wav\n"))
	pls := writeFile(t, filepath.Join(dir, "l.pls"), []byte("[playlist]\nFile2=x.wav\nFile1="+filepath.Join(dir, "x.wav")+"\nNumberOfEntries=2\n"))
	pl, err := decode.Playlist(m3u, &decode.PlaylistOptions{Once: true, Synchronous: true})
	require.NoError(t, err)
	defer pl.Close()
	r := newRig(t, pl, true)
	r.run(40)
	assert.Equal(t, 22050, r.cap.samples, "cue points cut 0.2s to 0.7s")
	require.Len(t, r.cap.meta, 1)
	assert.Equal(t, "Cut", r.cap.meta[0].Metadata["title"])

	p2, err := decode.Playlist(pls, &decode.PlaylistOptions{Once: true})
	require.NoError(t, err)
	defer p2.Close()
	assert.Equal(t, 2, p2.Len())
	_, err = decode.Playlist(filepath.Join(dir, "x.wav"), nil)
	assert.ErrorIs(t, err, onair.ErrInvalidOption)
	_, err = decode.Playlist(filepath.Join(dir, "none.m3u"), nil)
	assert.ErrorIs(t, err, os.ErrNotExist)
}
