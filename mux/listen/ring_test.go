package listen

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// seq returns n bytes counting from the stream offset off.
func seq(off, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(off + i)
	}
	return b
}

func closed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// TestRingReadWrapAndLag: reads across the wrap point return the stream's
// bytes; a reader at the end waits and is woken by the next append; a
// reader further back than the buffer is told it lagged.
func TestRingReadWrapAndLag(t *testing.T) {
	r := newRing(100)
	p := make([]byte, 64)
	n, wait, lagged := r.read(p, 0)
	require.Zero(t, n)
	require.False(t, lagged)
	require.False(t, closed(wait))
	r.append(seq(0, 70), nil)
	require.True(t, closed(wait), "woken by the append")
	r.append(seq(70, 70), nil) // 140 written: 40..139 held
	n, _, lagged = r.read(p, 39)
	assert.True(t, lagged)
	assert.Zero(t, n)
	n, _, lagged = r.read(p, 40)
	require.False(t, lagged)
	assert.Equal(t, seq(40, 64), p[:n], "across the wrap")
	n, _, _ = r.read(p, 130)
	assert.Equal(t, seq(130, 10), p[:n])
	r.append(seq(140, 250), nil) // more than the buffer at once
	n, _, lagged = r.read(p, 290)
	require.False(t, lagged)
	assert.Equal(t, seq(290, 64), p[:n])
	assert.Equal(t, int64(390), r.written.Load())
}

// TestRingStartAndPrune: a listener starts at the first start point at
// or after its target, with the header of the Ogg stream it is in; start
// points, headers and titles older than the buffer are forgotten, except
// the title in force.
func TestRingStartAndPrune(t *testing.T) {
	r := newRing(1000)
	hdr1, hdr2 := []byte("h1"), []byte("h2")
	r.append(seq(0, 500), []event{
		{off: 0, bos: true}, {off: 0, header: hdr1}, {off: 100}, {off: 300, bos: true}, {off: 300, header: hdr2}, {off: 400},
	})
	off, pre, _, ok := r.start(50)
	require.True(t, ok)
	assert.Equal(t, int64(100), off)
	assert.Equal(t, hdr1, pre)
	off, pre, _, _ = r.start(101)
	assert.Equal(t, int64(300), off, "a stream start needs no header")
	assert.Nil(t, pre)
	off, pre, _, _ = r.start(301)
	assert.Equal(t, int64(400), off)
	assert.Equal(t, hdr2, pre)
	_, _, wait, ok := r.start(401)
	assert.False(t, ok, "no start point yet")
	assert.True(t, r.setTitle("one"))
	assert.False(t, r.setTitle("one"), "no change")
	r.append(seq(500, 200), []event{{off: 600}})
	assert.True(t, closed(wait))
	off, _, _, _ = r.start(401)
	assert.Equal(t, int64(600), off)

	assert.True(t, r.setTitle("two")) // at 700
	r.append(seq(700, 850), []event{{off: 1200}})
	// 1550 written: 550.. held. Start points before it and the first
	// header are gone; hdr2 stays (in force at 600), "one" stays.
	assert.Equal(t, []event{{off: 600}, {off: 1200}}, r.syncs)
	require.Len(t, r.headers, 1)
	assert.Equal(t, hdr2, r.headers[0].header)
	require.Len(t, r.titles, 2)
	assert.Equal(t, "one", r.titles[0].text)
	t1, _, ok := r.titleAt(600)
	require.True(t, ok)
	assert.Equal(t, "one", t1.text)
	t2, _, _ := r.titleAt(700)
	assert.Equal(t, "two", t2.text)
	assert.Greater(t, t2.seq, t1.seq)
	assert.True(t, bytes.HasPrefix(t2.block[1:], []byte("StreamTitle='two';")))
	_, wait, ok = r.titleAt(1550)
	assert.False(t, ok, "a title may still come at the end of the stream")
	r.append(seq(1550, 1), nil)
	assert.True(t, closed(wait))
	_, _, ok = r.titleAt(1550)
	assert.True(t, ok)
}

// TestRingEnd: the end of the stream wakes the waiting readers; a reader
// still gets every byte before it, then a nil wait channel at the end
// (read, titleAt), as does a new listener with no start point left.
func TestRingEnd(t *testing.T) {
	r := newRing(100)
	r.append(seq(0, 30), []event{{off: 0}})
	p := make([]byte, 64)
	_, wait, _ := r.read(p, 30)
	_, twait, ok := r.titleAt(30)
	require.False(t, ok)
	_, _, swait, ok := r.start(10)
	require.False(t, ok, "no start point after 10")
	require.NotNil(t, wait)
	assert.False(t, r.isEnded())

	r.end()
	assert.True(t, r.isEnded())
	assert.True(t, closed(wait), "a waiting reader is woken")
	assert.True(t, closed(twait))
	assert.True(t, closed(swait))
	n, wait, lagged := r.read(p, 20)
	require.False(t, lagged)
	assert.Equal(t, seq(20, 10), p[:n], "the bytes before the end")
	assert.Nil(t, wait)
	n, wait, lagged = r.read(p, 30)
	assert.Zero(t, n)
	assert.Nil(t, wait, "the end: nothing to wait for")
	assert.False(t, lagged)
	_, twait, ok = r.titleAt(30)
	assert.False(t, ok)
	assert.Nil(t, twait)
	_, _, swait, ok = r.start(10)
	assert.False(t, ok)
	assert.Nil(t, swait, "no start point will come")
	off, _, _, ok := r.start(0)
	assert.True(t, ok, "a start point before the end is still served")
	assert.Zero(t, off)
}

func TestICYBlock(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"", "StreamTitle='';"},
		{"Artist - Title", "StreamTitle='Artist - Title';"},
		{"Don't Stop", "StreamTitle='Don't Stop';"},
		{"a';b", "StreamTitle='a\u2019;b';"},
		{"tab\there\x00nul", "StreamTitle='tab here nul';"},
		{"bad \xff utf8", "StreamTitle='bad \uFFFD utf8';"},
		{"Ünïcödé ☂", "StreamTitle='Ünïcödé ☂';"},
	} {
		b := icyBlock(c.in)
		require.Equal(t, 1+int(b[0])*16, len(b), c.in)
		assert.Equal(t, c.want, string(bytes.TrimRight(b[1:], "\x00")), c.in)
		assert.Less(t, len(c.want)+1, len(b)+16, "padded to the next 16 bytes only")
	}
	long := icyBlock(string(bytes.Repeat([]byte("é"), 5000)))
	assert.Equal(t, byte(255), long[0])
	assert.Equal(t, 1+255*16, len(long))
	body := string(bytes.TrimRight(long[1:], "\x00"))
	assert.True(t, bytes.HasSuffix([]byte(body), []byte("é';")), "cut on a character boundary")
}
