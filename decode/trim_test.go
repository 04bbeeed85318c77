package decode_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/onair-go/onair/decode"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// pcmWAV returns a stereo 44.1 kHz 16-bit WAV file of vals on both
// channels.
func pcmWAV(vals []int16) []byte {
	var b bytes.Buffer
	le := binary.LittleEndian
	b.WriteString("RIFF")
	_ = binary.Write(&b, le, uint32(36+len(vals)*4))
	b.WriteString("WAVEfmt ")
	for _, v := range []any{uint32(16), uint16(1), uint16(2), uint32(44100), uint32(44100 * 4), uint16(4), uint16(16)} {
		_ = binary.Write(&b, le, v)
	}
	b.WriteString("data")
	_ = binary.Write(&b, le, uint32(len(vals)*4))
	for _, v := range vals {
		_ = binary.Write(&b, le, []int16{v, v})
	}
	return b.Bytes()
}

// edged describes a track: quiet samples, sound, quiet samples.
type edged struct {
	lead, sound, tail int
	quiet             int16 // the value of the quiet samples (under -60 dBFS: |v| < 33)
	hole              int   // quiet samples inside the sound, at its middle
}

// sound is the value of sound sample i: never under -60 dBFS.
func sound(i int) int16 { return int16(4000 + (i%97)*13) }

func (e edged) samples() (all, want []int16) {
	for range e.lead {
		all = append(all, e.quiet)
	}
	for i := range e.sound {
		v := sound(i)
		if e.hole > 0 && i >= e.sound/2 && i < e.sound/2+e.hole {
			v = -e.quiet
		}
		all = append(all, v)
		want = append(want, v)
	}
	for range e.tail {
		all = append(all, e.quiet)
	}
	return all, want
}

func TestTrimSilenceCutsTheEdgesOfTracks(t *testing.T) {
	dir := t.TempDir()
	tracks := []edged{
		{lead: 5000, sound: 20000, tail: 7000, hole: 3000},    // both edges cut, the hole kept
		{lead: 100, sound: 30000, tail: 44100 * 3, quiet: 20}, // a tail longer than 2 s is kept
		{sound: 10000, tail: 88200, quiet: -32},               // a tail of exactly 2 s is cut
	}
	var paths []string
	var want []int16
	var marks []int
	for i, tr := range tracks {
		all, w := tr.samples()
		if i == 1 {
			w = all[tr.lead:]
		}
		marks = append(marks, len(want))
		want = append(want, w...)
		paths = append(paths, writeFile(t, filepath.Join(dir, string(rune('a'+i))+".wav"), pcmWAV(all)))
	}
	src, err := decode.PlaylistOf(paths, &decode.PlaylistOptions{Once: true, Synchronous: true, TrimSilence: true})
	require.NoError(t, err)
	defer src.Close()
	r := newRig(t, src, true)
	r.runUntilDone(src, 1000)

	assert.Equal(t, marks, r.cap.marks[:len(marks)])
	require.Len(t, r.cap.audio[0], len(want))
	for i, v := range want {
		if got := r.cap.audio[0][i]; got != float32(v)/32768 {
			t.Fatalf("sample %d: %v, want %v", i, got*32768, v)
		}
	}
}

func TestTrimSilenceOffPlaysTheFileAsIs(t *testing.T) {
	dir := t.TempDir()
	all, _ := edged{lead: 5000, sound: 20000, tail: 7000}.samples()
	src, err := decode.PlaylistOf([]string{writeFile(t, filepath.Join(dir, "a.wav"), pcmWAV(all))},
		&decode.PlaylistOptions{Once: true, Synchronous: true})
	require.NoError(t, err)
	defer src.Close()
	r := newRig(t, src, true)
	r.runUntilDone(src, 1000)
	assert.Len(t, r.cap.audio[0], len(all))
}

// A silent file is an empty track once trimmed: the playlist skips it as a
// bad entry, so that it puts no dead air on the stream.
func TestTrimSilenceSkipsASilentFile(t *testing.T) {
	dir := t.TempDir()
	a, wa := edged{sound: 5000}.samples()
	quiet, _ := edged{lead: 44100 * 5, quiet: 3}.samples()
	paths := []string{
		writeFile(t, filepath.Join(dir, "a.wav"), pcmWAV(a)),
		writeFile(t, filepath.Join(dir, "quiet.wav"), pcmWAV(quiet)),
		writeFile(t, filepath.Join(dir, "b.wav"), pcmWAV(a)),
	}
	var fails failLog
	src, err := decode.PlaylistOf(paths, &decode.PlaylistOptions{Once: true, Synchronous: true, TrimSilence: true, OnFail: fails.onFail})
	require.NoError(t, err)
	defer src.Close()
	r := newRig(t, src, true)
	r.runUntilDone(src, 1000)
	assert.Len(t, r.cap.audio[0], 2*len(wa))
	assert.Equal(t, []int{0, len(wa)}, r.cap.marks[:2])
	require.Equal(t, 1, fails.count())
	require.Len(t, fails.errs[paths[1]], 1)
	assert.True(t, errors.Is(fails.errs[paths[1]][0], decode.ErrEmpty), "%v", fails.errs[paths[1]][0])
}

// A seek counts from the first sound, and the track goes on from there
// as it is. Remaining counts without the leading silence; the trailing
// one counts until the decoder has read it.
func TestTrimSilenceSeek(t *testing.T) {
	dir := t.TempDir()
	all, want := edged{lead: 3000, sound: 44100 * 2, tail: 1000}.samples()
	src, err := decode.File(writeFile(t, filepath.Join(dir, "a.wav"), pcmWAV(all)), &decode.FileOptions{Synchronous: true, TrimSilence: true})
	require.NoError(t, err)
	defer src.Close()
	r := newRig(t, src, true)
	r.run(10)
	assert.Equal(t, len(want)+1000-10*882, src.Node().Remaining())
	require.NoError(t, src.Seek(time.Second))
	r.run(100)
	got := r.cap.audio[0]
	require.Len(t, got, 10*882+44100)
	assert.Equal(t, 10*882+44100, r.cap.marks[len(r.cap.marks)-1], "the track ends at the last sound")
	for i, v := range want[44100:] {
		if g := got[10*882+i]; g != float32(v)/32768 {
			t.Fatalf("sample %d after the seek: %v, want %v", i, g*32768, v)
		}
	}
}

// An MP3 whose head was overwritten has lost the header that gave its
// encoder delay and padding: it decodes with about 40 ms of silence at
// its start and 17 ms at its end. Two of them back to back put 57 ms of
// dead air between them, unless trimmed.
func TestTrimSilenceDamagedMP3(t *testing.T) {
	dir := t.TempDir()
	var paths []string
	for _, name := range []string{"a.mp3", "b.mp3"} {
		p := makeTone(t, dir, tone{name: name, seconds: 5, codec: []string{"-c:a", "libmp3lame", "-b:a", "128k"}})
		f, err := os.OpenFile(p, os.O_WRONLY, 0)
		require.NoError(t, err)
		_, err = f.WriteAt(make([]byte, 64<<10), 0)
		require.NoError(t, err)
		require.NoError(t, f.Close())
		paths = append(paths, p)
	}
	longest := func(trim bool) (int, int) {
		src, err := decode.PlaylistOf(paths, &decode.PlaylistOptions{Once: true, Synchronous: true, TrimSilence: trim})
		require.NoError(t, err)
		defer src.Close()
		r := newRig(t, src, true)
		r.runUntilDone(src, 1000)
		run, worst := 0, 0
		for _, v := range r.cap.audio[0] {
			if v < 0.001 && v > -0.001 {
				run++
				worst = max(worst, run)
			} else {
				run = 0
			}
		}
		return worst, len(r.cap.marks)
	}
	worst, marks := longest(false)
	assert.Greater(t, worst, 1500, "the damaged files' own silence")
	assert.Equal(t, 3, marks)
	worst, marks = longest(true)
	assert.Less(t, worst, 44, "under 1 ms: the ripple of the first decoded frames")
	assert.Equal(t, 3, marks, "two tracks, then the end")
}
