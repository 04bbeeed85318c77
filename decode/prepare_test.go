package decode_test

import (
	"context"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/decode"
	"github.com/onair-go/onair/internal/logtest"
)

// Prepare's metadata reaches each track, its cue points trim it, and the
// entry's own annotations win over it.
func TestPlaylistPrepare(t *testing.T) {
	dir := t.TempDir()
	a := makeTone(t, dir, tone{name: "a.wav", seconds: 2})
	b := makeTone(t, dir, tone{name: "b.wav", seconds: 2})
	var mu sync.Mutex
	var asked []string
	prepare := func(ctx context.Context, path string) onair.Metadata {
		mu.Lock()
		asked = append(asked, filepath.Base(path))
		mu.Unlock()
		return onair.Metadata{"liq_cue_in": "0.5", "liq_cue_out": "1.5", "title": "prepared"}
	}
	pl, err := decode.PlaylistOf([]string{a, `annotate:title="mine":` + b}, &decode.PlaylistOptions{
		Once: true, Synchronous: true, Prepare: prepare,
	})
	require.NoError(t, err)
	defer pl.Close()
	r := newRig(t, pl, true)
	r.runUntilDone(pl, 200)
	assert.Equal(t, []string{"a.wav", "b.wav"}, asked)
	// Each track is cut to [0.5 s, 1.5 s).
	assert.Equal(t, 2*44100, r.cap.samples)
	assert.Equal(t, []int{0, 44100, 88200}, r.cap.marks) // the last mark ends the list
	var titles []string
	for _, m := range r.cap.meta {
		titles = append(titles, m.Metadata["title"])
	}
	assert.Equal(t, []string{"prepared", "mine"}, titles)
}

// A slow Prepare is cancelled when the source goes to sleep, so that the
// clock goroutine does not wait for it.
func TestPlaylistPrepareCancelled(t *testing.T) {
	dir := t.TempDir()
	a := makeTone(t, dir, tone{name: "a.wav", seconds: 2})
	started := make(chan struct{})
	var once sync.Once
	pl, err := decode.PlaylistOf([]string{a}, &decode.PlaylistOptions{
		Prepare: func(ctx context.Context, path string) onair.Metadata {
			once.Do(func() { close(started) })
			<-ctx.Done()
			return nil
		},
	})
	require.NoError(t, err)
	r := newRig(t, pl, true)
	r.run(1)
	<-started
	// Closing the graph puts the playlist to sleep: it must return.
	require.NoError(t, r.g.Close())
	require.NoError(t, pl.Close())
}

// A decoder that does not keep up (here the second file's Prepare hangs)
// gives short frames once the catch-up wait runs out; the source says so
// once per episode, not once per frame.
func TestPlaylistDecoderLate(t *testing.T) {
	dir := t.TempDir()
	a := makeTone(t, dir, tone{name: "a.wav", seconds: 1})
	b := makeTone(t, dir, tone{name: "b.wav", seconds: 1})
	release := make(chan struct{})
	logs := &logtest.Handler{}
	pl, err := decode.PlaylistOf([]string{a, b}, &decode.PlaylistOptions{
		Once: true, Buffer: 100 * time.Millisecond, Logger: slog.New(logs),
		Prepare: func(ctx context.Context, path string) onair.Metadata {
			if filepath.Base(path) == "b.wav" {
				select {
				case <-release:
				case <-ctx.Done():
				}
			}
			return nil
		},
	})
	require.NoError(t, err)
	defer pl.Close()
	r := newRig(t, pl, true)
	for range 100 {
		if r.cap.samples >= 44100 {
			break
		}
		r.run(1)
	}
	require.Equal(t, 44100, r.cap.samples, "the first file plays whole")
	r.run(3) // three short frames: the second file is not decoded
	assert.Equal(t, 44100, r.cap.samples)
	assert.Len(t, logs.Find("decoder late"), 1, "one warning for the episode")
	close(release)
	for range 200 {
		if r.cap.samples >= 2*44100 {
			break
		}
		r.run(1)
	}
	assert.Equal(t, 2*44100, r.cap.samples, "the second file plays once decoded")
	assert.Len(t, logs.Find("decoder late"), 1)
}
