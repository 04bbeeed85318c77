package decode_test

import (
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/onair-go/onair/decode"
	"github.com/onair-go/onair/internal/logtest"
)

// A file written over in place while it plays (a sync tool copying another
// file onto it) ends its track with ErrRewritten: the new bytes, an MP3,
// are never decoded as the WAV's PCM, which is full-scale noise.
func TestPlaylistFileRewrittenWhilePlaying(t *testing.T) {
	dir := t.TempDir()
	a := makeTone(t, dir, tone{name: "a.wav", seconds: 5})
	other := readFile(t, makeTone(t, t.TempDir(), tone{name: "b.mp3", seconds: 5, codec: mp3Codec}))
	logs := &logtest.Handler{}
	pl, err := decode.PlaylistOf([]string{a}, &decode.PlaylistOptions{
		Once: true, Buffer: 100 * time.Millisecond, Logger: slog.New(logs),
	})
	require.NoError(t, err)
	defer pl.Close()
	r := newRig(t, pl, true)
	r.run(25) // half a second
	require.Equal(t, 25*882, r.cap.samples)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "a.wav"), other, 0o644))
	r.runUntilDone(pl, 400)

	assert.Less(t, r.cap.samples, 5*44100, "the track ends early")
	worst := 0.0
	for ch := range r.cap.audio {
		a := r.cap.audio[ch]
		for i := 1; i < len(a); i++ {
			worst = max(worst, math.Abs(float64(a[i]-a[i-1])))
		}
	}
	// A 440 Hz sine at 1/8 of full scale steps by at most 0.008.
	assert.Less(t, worst, 0.02, "no noise: the largest step between samples")
	rec := logs.Wait(t, deadline(t), "decoding stopped early")
	assert.Contains(t, logtest.Attr(rec, "err").String(), decode.ErrRewritten.Error())
}
