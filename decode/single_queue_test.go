package decode_test

import (
	"path/filepath"
	"sync"
	"testing"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/decode"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSingleLoops checks that Single is infallible and loops its file
// without a gap, one track per loop.
func TestSingleLoops(t *testing.T) {
	path := makeTone(t, t.TempDir(), tone{name: "loop.mp3", seconds: 0.3, codec: []string{"-c:a", "libmp3lame"}, tags: map[string]string{"title": "Jingle"}})
	s, err := decode.Single(path, &decode.SingleOptions{Synchronous: true})
	require.NoError(t, err)
	defer s.Close()
	assert.False(t, s.Node().Fallible())
	r := newRig(t, s, false) // an infallible output accepts it
	r.run(50)
	assert.Equal(t, 50*882, r.cap.samples)
	assert.Empty(t, r.cap.short)
	require.GreaterOrEqual(t, len(r.cap.meta), 3)
	for i, m := range r.cap.meta {
		assert.Equal(t, "Jingle", m.Metadata["title"])
		assert.InDelta(t, i*13230, m.Pos, 882, "loop %d starts after 0.3s", i)
	}

	_, err = decode.Single(filepath.Join(t.TempDir(), "none.mp3"), nil)
	assert.Error(t, err, "a file that does not decode is refused")
}

// TestQueue pushes files from another goroutine while the graph runs.
func TestQueue(t *testing.T) {
	dir := t.TempDir()
	a := makeTone(t, dir, tone{name: "a.ogg", seconds: 0.2, codec: []string{"-c:a", "libvorbis"}})
	b := makeTone(t, dir, tone{name: "b.m4a", seconds: 0.2, codec: []string{"-c:a", "aac"}})
	var fails failLog
	q, err := decode.Queue(&decode.QueueOptions{Synchronous: true, OnFail: fails.onFail})
	require.NoError(t, err)
	defer q.Close()
	assert.True(t, q.Node().Fallible())
	r := newRig(t, onair.MkSafe(q), false)
	r.run(5)
	assert.False(t, q.Node().Ready(), "empty queue is unready")
	assert.Equal(t, 0, q.Len())

	var wg sync.WaitGroup
	wg.Go(func() {
		q.Push(a)
		q.Push(filepath.Join(dir, "missing.mp3"))
		q.Push(b)
	})
	wg.Wait()
	// The queue's helper goroutine may already have taken "a" to open it.
	assert.Contains(t, []int{2, 3}, q.Len(), "the pushes are counted")
	r.run(1)
	assert.Equal(t, 1, q.Len(), "a started, the missing file was skipped")
	r.run(30)
	assert.Equal(t, 0, q.Len())
	assert.Equal(t, 1, fails.count())
	names := filenames(r.cap)
	assert.Equal(t, []string{"a.ogg", "b.m4a"}, names)
	assert.False(t, q.Node().Ready(), "unready once drained")
}

// TestQueuePushMetadata: the metadata pushed with a request is the
// track's, over the file's tags of the same name; the other tags stay,
// and a plain Push keeps the file's own.
func TestQueuePushMetadata(t *testing.T) {
	dir := t.TempDir()
	a := makeTone(t, dir, tone{name: "a.ogg", seconds: 0.2, codec: []string{"-c:a", "libvorbis"},
		tags: map[string]string{"title": "File title", "artist": "File artist"}})
	q, err := decode.Queue(&decode.QueueOptions{Synchronous: true})
	require.NoError(t, err)
	defer q.Close()
	r := newRig(t, onair.MkSafe(q), false)
	pushed := onair.Metadata{"title": "Pushed title", "requested_by": "operator"}
	q.PushMetadata(a, pushed)
	pushed["title"] = "changed after the push"
	q.Push(a)
	r.run(30)
	require.Len(t, r.cap.meta, 2, "one track per request")
	m := r.cap.meta[0].Metadata
	assert.Equal(t, "Pushed title", m["title"], "the pushed title wins")
	assert.Equal(t, "operator", m["requested_by"])
	assert.Equal(t, "File artist", m["artist"], "the file's other tags stay")
	assert.Equal(t, "File title", r.cap.meta[1].Metadata["title"], "a plain push has the file's tags")
}
