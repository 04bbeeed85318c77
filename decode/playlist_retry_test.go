package decode_test

import (
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/decode"
	"github.com/onair-go/onair/internal/logtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestPlaylistRetriesByItself: a playlist whose entries all fail (the
// music server is not up yet) pauses after MaxFail failures, tries again
// by itself with a capped backoff (1s, 2s, then 3s: RetryDelay doubled up
// to MaxRetryDelay), each pause logged with its cause, and plays as soon
// as an entry is readable, without a reload. Fake time (synctest) makes
// the schedule exact.
func TestPlaylistRetriesByItself(t *testing.T) {
	dir := t.TempDir()
	readyA := makeTone(t, dir, tone{name: "ready-a.wav", seconds: 1, codec: []string{"-c:a", "pcm_s16le"}})
	readyB := makeTone(t, dir, tone{name: "ready-b.wav", seconds: 1, codec: []string{"-c:a", "pcm_s16le"}})
	music := filepath.Join(dir, "nas")
	a, b := filepath.Join(music, "a.wav"), filepath.Join(music, "b.wav")

	synctest.Test(t, func(t *testing.T) {
		var mu sync.Mutex
		var at []time.Duration // when each entry failed, since the start
		start := time.Now()
		var logs logtest.Buffer
		pl, err := decode.PlaylistOf([]string{a, b}, &decode.PlaylistOptions{
			Synchronous: true, MaxFail: 2, RetryDelay: time.Second, MaxRetryDelay: 3 * time.Second,
			Logger: slog.New(slog.NewTextHandler(&logs, nil)),
			OnFail: func(path string, err error) {
				assert.ErrorIs(t, err, fs.ErrNotExist)
				mu.Lock()
				at = append(at, time.Since(start))
				mu.Unlock()
			},
		})
		require.NoError(t, err)
		defer pl.Close()
		safe := onair.MkSafe(pl)
		r := newRig(t, safe, false)
		r.run(5)
		assert.False(t, pl.Node().Ready(), "every entry fails")

		// Four rounds of failures at 0, 1, 3 and 6 s: the delay doubles
		// from RetryDelay and stays at MaxRetryDelay.
		for _, d := range []time.Duration{time.Second, 2 * time.Second, 3 * time.Second} {
			time.Sleep(d)
			synctest.Wait()
			r.run(1)
		}
		mu.Lock()
		assert.Equal(t, []time.Duration{0, 0, time.Second, time.Second, 3 * time.Second, 3 * time.Second, 6 * time.Second, 6 * time.Second}, at,
			"each round tries MaxFail entries, after a backoff capped at MaxRetryDelay")
		mu.Unlock()
		assert.False(t, pl.Node().Ready())
		assert.Equal(t, 4, strings.Count(logs.String(), "every entry failed: trying again later"), "%s", logs.String())
		assert.Contains(t, logs.String(), "too many consecutive failures: last: decode: open "+b, "the pause is logged with its cause")
		assert.Contains(t, logs.String(), "in=3s")

		// The server comes back: the next retry, 3 s later, plays.
		require.NoError(t, os.MkdirAll(music, 0o755))
		require.NoError(t, os.Rename(readyA, a))
		require.NoError(t, os.Rename(readyB, b))
		time.Sleep(3 * time.Second)
		synctest.Wait()
		before := r.cap.samples
		r.run(20)
		assert.True(t, pl.Node().Ready(), "ready again by itself, without a reload")
		require.Len(t, r.cap.audio, 2)
		assert.Greater(t, rms(r.cap.audio[0][before:]), 0.05, "plays the entries that came back")
		mu.Lock()
		assert.Len(t, at, 8, "no failure once the entries are readable")
		mu.Unlock()
		assert.Contains(t, logs.String(), "trying again")
	})
}

// TestPlaylistRetryOptions checks the validation of the retry options.
func TestPlaylistRetryOptions(t *testing.T) {
	_, err := decode.PlaylistOf([]string{"x.mp3"}, &decode.PlaylistOptions{RetryDelay: -time.Second})
	assert.ErrorIs(t, err, onair.ErrInvalidOption)
	_, err = decode.PlaylistOf([]string{"x.mp3"}, &decode.PlaylistOptions{MaxRetryDelay: -time.Second})
	assert.ErrorIs(t, err, onair.ErrInvalidOption)
}
