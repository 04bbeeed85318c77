package icecast

import (
	"bytes"
	"log/slog"
	"testing"

	"github.com/onair-go/onair"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func data(b byte, n int) []byte { return bytes.Repeat([]byte{b}, n) }

// drain pops every chunk and returns their first bytes and metadata titles.
func drain(q *queue) (firsts []byte, titles []string) {
	for {
		c, ok := q.pop()
		if !ok {
			return
		}
		if len(c.data) > 0 {
			firsts = append(firsts, c.data[0])
		} else {
			firsts = append(firsts, 0)
		}
		titles = append(titles, c.meta["title"])
	}
}

func TestQueueOverflowDropsOldestButHead(t *testing.T) {
	q := newQueue(100, slog.New(slog.DiscardHandler), "test")
	q.setGeneration(1)
	require.True(t, q.push(1, chunk{data: data('H', 30), head: true}))
	require.True(t, q.push(1, chunk{data: data('a', 30), meta: onair.Metadata{"title": "one"}}))
	require.True(t, q.push(1, chunk{data: data('b', 30)}))
	n, dropped, _ := q.counts()
	assert.Equal(t, 90, n)
	assert.Zero(t, dropped)
	// 120 bytes: 'a' goes (not the head), its title moves to 'b'.
	require.True(t, q.push(1, chunk{data: data('c', 30)}))
	n, dropped, _ = q.counts()
	assert.Equal(t, 90, n)
	assert.Equal(t, int64(30), dropped)
	// A chunk bigger than the bound: everything older but the head goes,
	// the new chunk stays even though the bound is passed.
	require.True(t, q.push(1, chunk{data: data('d', 150), meta: onair.Metadata{"title": "two"}}))
	n, dropped, _ = q.counts()
	assert.Equal(t, 180, n)
	assert.Equal(t, int64(90), dropped)
	firsts, titles := drain(q)
	assert.Equal(t, []byte{'H', 'd'}, firsts)
	assert.Equal(t, []string{"", "two"}, titles, "the newer title wins over the carried one")
}

func TestQueueCarriesMetadataOfDroppedChunks(t *testing.T) {
	q := newQueue(50, slog.New(slog.DiscardHandler), "test")
	q.setGeneration(3)
	q.push(3, chunk{data: data('a', 30), meta: onair.Metadata{"title": "kept"}})
	q.push(3, chunk{data: data('b', 30)})
	firsts, titles := drain(q)
	assert.Equal(t, []byte{'b'}, firsts)
	assert.Equal(t, []string{"kept"}, titles, "a title is never lost with its chunk")
}

func TestQueueGenerations(t *testing.T) {
	q := newQueue(1000, slog.New(slog.DiscardHandler), "test")
	assert.False(t, q.push(0, chunk{data: data('x', 10)}), "no connection: nothing is queued")
	q.setGeneration(1)
	assert.False(t, q.push(2, chunk{data: data('x', 10)}), "a chunk of another connection")
	assert.True(t, q.push(1, chunk{data: data('y', 10)}))
	assert.Equal(t, uint64(1), q.generation())
	q.setGeneration(0) // disconnected: the queue is emptied
	n, dropped, discarded := q.counts()
	assert.Zero(t, n)
	assert.Zero(t, dropped)
	assert.Equal(t, int64(30), discarded)
	_, ok := q.pop()
	assert.False(t, ok)
}

func TestQueueDropQueued(t *testing.T) {
	q := newQueue(1000, slog.New(slog.DiscardHandler), "test")
	q.setGeneration(1)
	q.push(1, chunk{data: data('H', 10), head: true})
	q.push(1, chunk{data: data('a', 10), meta: onair.Metadata{"title": "late"}})
	q.push(1, chunk{data: data('b', 10)})
	q.dropQueued()
	firsts, titles := drain(q)
	assert.Equal(t, []byte{'H', 0}, firsts)
	assert.Equal(t, []string{"", "late"}, titles)
	_, dropped, _ := q.counts()
	assert.Equal(t, int64(20), dropped)
}

func TestQueueRecyclesBuffers(t *testing.T) {
	q := newQueue(1000, slog.New(slog.DiscardHandler), "test")
	q.setGeneration(1)
	b := append(q.buffer(), "abc"...)
	q.push(1, chunk{data: b})
	c, _ := q.pop()
	q.recycle(c.data)
	allocs := testing.AllocsPerRun(100, func() {
		b := append(q.buffer(), "abc"...)
		q.push(1, chunk{data: b})
		c, _ := q.pop()
		q.recycle(c.data)
	})
	assert.Zero(t, allocs, "a steady push/pop cycle does not allocate")
}
