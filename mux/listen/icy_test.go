package listen_test

import (
	"testing"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/mux/listen"
	"github.com/onair-go/onair/onairtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// change is a title change the mount reported, at a stream offset.
type change struct {
	off   int64
	title string
}

// titleRun streams a sine as MP3 under a manual clock for ticks ticks,
// inserting metadata before the ticks named in meta, to one listener with
// ICY metadata every metaint bytes and one without, both connected before
// the first byte. It returns the title changes the mount reported through
// OnMetadata, the stream size, and both listeners' data.
func titleRun(t *testing.T, metaint, ticks int, meta map[int]onair.Metadata) ([]change, int64, *client, *client) {
	t.Helper()
	enc, sine := mp3Source(t)
	srv := newServer(t, nil)
	ev := newEvents()
	var changes []change
	cur := ""
	m, err := srv.Mount("/radio.mp3", enc, ev.hook(&listen.MountOptions{
		MetaInterval: metaint,
		OnMetadata: func(md onair.Metadata, off int64) { // on the clock goroutine: this one
			if s := md.Song(); s != "" && s != cur {
				cur = s
				changes = append(changes, change{off, s})
			}
		},
	}))
	require.NoError(t, err)
	url := serve(t, srv) + "/radio.mp3"
	_, clk := onairtest.StartGraph(t, nil, m)
	icy := dial(t, url, map[string]string{"Icy-MetaData": "1"}, false)
	plain := dial(t, url, nil, false)
	assert.Equal(t, metaint, icy.metaint, "icy-metaint")
	assert.Empty(t, plain.resp.Header.Get("icy-metaint"), "no ICY for a client that did not ask")
	ev.waitConnect(t)
	ev.waitConnect(t)
	for i := range ticks {
		if md, ok := meta[i]; ok {
			sine.InsertMetadata(md, false)
		}
		clk.Tick()
	}
	total := m.Stats().Bytes
	icy.waitBytes(t, total)
	plain.waitBytes(t, total)
	assert.Equal(t, cur, m.Title())
	return changes, total, icy, plain
}

// TestICYTitlesAtStreamPositions: each title change appears in the first
// metadata block at or after the byte offset where the muxer reached the
// metadata (the bytes written before OnMetadata fired), every block in
// between is empty, and the audio between blocks is the stream itself.
func TestICYTitlesAtStreamPositions(t *testing.T) {
	const metaint = 1000
	meta := map[int]onair.Metadata{
		0:   {"artist": "A", "title": "One"},
		37:  {"title": "Two"},
		80:  {"artist": "B", "title": "Thrée"},
		81:  {"artist": "B", "title": "Thrée"}, // the same title: no change
		120: {"comment": "no title"},           // keeps the title
		150: {"title": "It's Four';"},
	}
	changes, total, icy, plain := titleRun(t, metaint, 250, meta)
	require.Equal(t, []string{"A - One", "Two", "B - Thrée", "It's Four';"}, titlesOf(changes))
	audio, blocks := icy.data()
	raw, _ := plain.data()
	require.Equal(t, raw[:total], audio[:total], "the ICY listener's audio is the stream")
	require.Greater(t, total, int64(40*metaint))

	// The blocks the listener must have seen: one every metaint bytes,
	// announcing the title in force at its offset when it changed.
	var want []block
	last := -1
	for at := metaint; int64(at) < total; at += metaint {
		i := 0
		for i+1 < len(changes) && changes[i+1].off <= int64(at) {
			i++
		}
		if changes[0].off > int64(at) {
			i = -2 // no title yet (not the case here: the first is at 0)
		}
		if i == last {
			want = append(want, block{at: at, empty: true})
			continue
		}
		last = i
		want = append(want, block{at: at, title: icyEscaped(changes[i].title)})
	}
	require.GreaterOrEqual(t, len(blocks), len(want))
	assert.Equal(t, want, blocks[:len(want)])
	t.Logf("stream %d bytes, %d blocks, changes %v", total, len(blocks), changes)
	assert.Equal(t, int64(0), changes[0].off, "the first title is at the start")
	for _, c := range changes[1:] {
		assert.NotZero(t, c.off%metaint, "offset %d is not on a block: the check above is the 'first block after' case", c.off)
	}
}

// TestICYTitleOnTheBlockBoundary makes a title change fall exactly on a
// block: with MetaInterval set to the change's offset (measured in a first
// run; the encoder is deterministic), the first block, after exactly the
// bytes the muxer wrote before OnMetadata fired, announces the new title,
// not the one before.
func TestICYTitleOnTheBlockBoundary(t *testing.T) {
	meta := map[int]onair.Metadata{0: {"title": "Before"}, 30: {"title": "After"}}
	changes, _, _, _ := titleRun(t, 1000, 40, meta)
	require.Len(t, changes, 2)
	off := changes[1].off
	changes2, _, icy, _ := titleRun(t, int(off), 80, meta)
	require.Equal(t, changes, changes2, "deterministic offsets")
	_, blocks := icy.data()
	require.NotEmpty(t, blocks)
	assert.Equal(t, block{at: int(off), title: "After"}, blocks[0])
}

func titlesOf(cs []change) []string {
	var l []string
	for _, c := range cs {
		l = append(l, c.title)
	}
	return l
}

// icyEscaped is how a title is written in a block: the quote before a
// semicolon becomes a typographic apostrophe.
func icyEscaped(s string) string {
	out := []rune{}
	r := []rune(s)
	for i, c := range r {
		if c == '\'' && i+1 < len(r) && r[i+1] == ';' {
			c = '\u2019'
		}
		out = append(out, c)
	}
	return string(out)
}
