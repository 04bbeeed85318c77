package decode_test

import (
	"context"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/decode"
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
