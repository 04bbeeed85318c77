package decode_test

import (
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/asticode/go-astiav"
	"github.com/onair-go/onair"
	"github.com/onair-go/onair/decode"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMain(m *testing.M) {
	astiav.SetLogLevel(astiav.LogLevelQuiet)
	os.Exit(m.Run())
}

var formatCases = []tone{
	{name: "mp3-44k-stereo.mp3", rate: 44100, channels: 2, codec: []string{"-c:a", "libmp3lame", "-b:a", "128k"}},
	{name: "mp3-22k-mono.mp3", rate: 22050, channels: 1, codec: []string{"-c:a", "libmp3lame", "-b:a", "64k"}},
	{name: "mp3-48k-stereo.mp3", rate: 48000, channels: 2, codec: []string{"-c:a", "libmp3lame"}},
	{name: "aac-48k-stereo.m4a", rate: 48000, channels: 2, codec: []string{"-c:a", "aac", "-b:a", "128k"}},
	{name: "aac-44k-5.1.m4a", rate: 44100, channels: 6, codec: []string{"-c:a", "aac"}},
	{name: "aac-22k-mono.m4a", rate: 22050, channels: 1, codec: []string{"-c:a", "aac"}},
	{name: "vorbis-44k-stereo.ogg", rate: 44100, channels: 2, codec: []string{"-c:a", "libvorbis"}},
	{name: "vorbis-22k-mono.ogg", rate: 22050, channels: 1, codec: []string{"-c:a", "libvorbis"}},
	{name: "vorbis-48k-5.1.ogg", rate: 48000, channels: 6, codec: []string{"-c:a", "libvorbis"}},
	{name: "opus-48k-stereo.opus", rate: 48000, channels: 2, codec: []string{"-c:a", "libopus", "-f", "ogg"}},
	{name: "opus-48k-mono.ogg", rate: 48000, channels: 1, codec: []string{"-c:a", "libopus"}},
	{name: "opus-48k-5.1.ogg", rate: 48000, channels: 6, codec: []string{"-c:a", "libopus"}},
	{name: "flac-44k-stereo.flac", rate: 44100, channels: 2, codec: []string{"-c:a", "flac"}},
	{name: "flac-48k-5.1.flac", rate: 48000, channels: 6, codec: []string{"-c:a", "flac"}},
	{name: "flac-22k-mono.flac", rate: 22050, channels: 1, codec: []string{"-c:a", "flac"}},
	{name: "wav-44k-stereo.wav", rate: 44100, channels: 2, codec: []string{"-c:a", "pcm_s16le"}},
	{name: "wav-48k-5.1.wav", rate: 48000, channels: 6, codec: []string{"-c:a", "pcm_s24le"}},
	{name: "wav-22k-mono.wav", rate: 22050, channels: 1, codec: []string{"-c:a", "pcm_f32le"}},
}

// TestFileFormats decodes each format to the graph format (44.1 kHz
// stereo) and checks duration, tags, track marks and content.
func TestFileFormats(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range formatCases {
		t.Run(tc.name, func(t *testing.T) {
			tc.tags = map[string]string{"title": "Title " + tc.name, "artist": "Gen Artist"}
			path := makeTone(t, dir, tc)
			src, err := decode.File(path, &decode.FileOptions{Synchronous: true})
			require.NoError(t, err)
			defer src.Close()
			assert.InDelta(t, 2.0, src.Duration().Seconds(), 0.1, "duration from the headers")

			r := newRig(t, src, true)
			r.run(2*50 + 20)
			frame := r.g.Format().FrameSize()
			want := 2 * 44100
			assert.InDelta(t, want, r.cap.samples, float64(frame), "decoded length within one frame")
			require.NotEmpty(t, r.cap.marks)
			assert.Equal(t, 0, r.cap.marks[0], "track mark at the start")
			assert.Equal(t, r.cap.samples, r.cap.marks[len(r.cap.marks)-1], "track mark at the end")
			require.NotEmpty(t, r.cap.meta)
			m := r.cap.meta[0]
			assert.Equal(t, 0, m.Pos)
			assert.Equal(t, "Title "+tc.name, m.Metadata["title"])
			assert.Equal(t, "Gen Artist", m.Metadata["artist"])
			assert.Equal(t, path, m.Metadata["filename"])
			// Every channel carries the tone.
			for ch, a := range r.cap.audio {
				assert.Greater(t, rms(a[frame:len(a)-frame]), 0.05, "channel %d is not silent", ch)
			}
		})
	}
}

func rms(a []float32) float64 {
	var s float64
	for _, v := range a {
		s += float64(v) * float64(v)
	}
	if len(a) == 0 {
		return 0
	}
	return math.Sqrt(s / float64(len(a)))
}

// TestFileRemaining checks Remaining and Elapsed against the duration.
func TestFileRemaining(t *testing.T) {
	path := makeTone(t, t.TempDir(), tone{name: "a.flac", seconds: 1, codec: []string{"-c:a", "flac"}})
	src, err := decode.File(path, &decode.FileOptions{Synchronous: true})
	require.NoError(t, err)
	defer src.Close()
	var rem []int
	clk := onair.NewClock("test", &onair.ClockOptions{Kind: onair.Manual})
	g, err := onair.NewGraph(&onair.GraphOptions{Clock: clk})
	require.NoError(t, err)
	out := onair.Sink(src, func(f *onair.Frame) error {
		rem = append(rem, src.Node().Remaining())
		return nil
	}, &onair.OutputOptions{Fallible: true})
	require.NoError(t, g.Add(out))
	require.NoError(t, g.Start())
	defer g.Close()
	for range 10 {
		clk.Tick()
	}
	require.Len(t, rem, 10)
	for i, r := range rem {
		assert.Equal(t, 44100-(i+1)*882, r, "remaining after tick %d", i+1)
	}
	assert.Equal(t, 9*882, src.Node().Elapsed())
}

// TestFileSeekAndCue checks cue points from tags, seeking and the
// errors of File.
func TestFileSeekAndCue(t *testing.T) {
	dir := t.TempDir()
	path := makeTone(t, dir, tone{name: "cue.flac", seconds: 3, codec: []string{"-c:a", "flac"},
		tags: map[string]string{decode.CueInKey: "0.5", decode.CueOutKey: "2.5"}})
	src, err := decode.File(path, &decode.FileOptions{Synchronous: true})
	require.NoError(t, err)
	defer src.Close()
	assert.Equal(t, 2*time.Second, src.Duration())
	r := newRig(t, src, true)
	r.run(10)
	assert.Equal(t, 2*44100-10*882, src.Node().Remaining())
	require.NoError(t, src.Seek(1500*time.Millisecond))
	r.run(50)
	// 10 frames, then the last 0.5s after the seek.
	assert.Equal(t, 10*882+22050, r.cap.samples)
	assert.Equal(t, r.cap.samples, r.cap.marks[len(r.cap.marks)-1])
	assert.Error(t, src.Seek(-time.Second))

	_, err = decode.File(filepath.Join(dir, "none.mp3"), nil)
	assert.ErrorIs(t, err, fs.ErrNotExist)
	_, err = decode.File(writeFile(t, filepath.Join(dir, "x.mp3"), []byte("junk")), nil)
	var pe *decode.PathError
	assert.ErrorAs(t, err, &pe)
	require.NoError(t, src.Close())
	require.NoError(t, src.Close(), "Close is idempotent")
}
