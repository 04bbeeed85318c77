package listen_test

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strings"
	"testing"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/encode"
	"github.com/onair-go/onair/mux/listen"
	"github.com/onair-go/onair/onairtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestOggTitlesInBand: on an Ogg mount each title starts a new chained
// logical stream whose Vorbis comment header holds it; a listener joining
// later gets the current logical stream's header pages first, then pages
// of the live stream, and decodes cleanly with the current title.
func TestOggTitlesInBand(t *testing.T) {
	sine := onair.Sine(440, &onair.GenOptions{Amplitude: 0.3})
	enc, err := encode.Audio(sine, &encode.AudioOptions{Codec: "libvorbis", BitRate: 128000, Track: "audio_vorbis"})
	require.NoError(t, err)
	srv := newServer(t, nil)
	ev := newEvents()
	// A sine makes few Vorbis bytes (3 KB/s): a small burst makes the late
	// listener start inside the second logical stream.
	const burst = 4096
	m, err := srv.Mount("/radio.ogg", enc, ev.hook(&listen.MountOptions{BurstSize: burst}))
	require.NoError(t, err)
	url := serve(t, srv) + "/radio.ogg"
	_, clk := onairtest.StartGraph(t, nil, m)

	a := dial(t, url, map[string]string{"Icy-MetaData": "1"}, false)
	ev.waitConnect(t)
	assert.Equal(t, "audio/ogg", a.resp.Header.Get("Content-Type"))
	assert.Empty(t, a.resp.Header.Get("icy-metaint"), "Ogg carries titles in band")
	for i := range 400 {
		switch i {
		case 0:
			sine.InsertMetadata(onair.Metadata{"artist": "A", "title": "One"}, false)
		case 100:
			sine.InsertMetadata(onair.Metadata{"artist": "B", "title": "Twö"}, false)
		}
		clk.Tick()
	}
	written := m.Stats().Bytes
	a.waitBytes(t, written)
	full, _ := a.data()
	full = full[:written]
	chains := oggChains(t, full)
	var titles []string
	for _, c := range chains {
		if len(titles) == 0 || titles[len(titles)-1] != c.title() {
			titles = append(titles, c.title())
		}
	}
	assert.Equal(t, []string{"A - One", "B - Twö"}, titles, "chains %v", chains)
	assert.Equal(t, "B - Twö", m.Title())
	assert.Empty(t, oggDecodeErrors(t, full))

	last := chains[len(chains)-1]
	hdr := last.headerEnd - last.off
	b := dial(t, url, nil, false)
	ev.waitConnect(t)
	for i := 0; b.len() < hdr+1024; i++ { // the next page may be needed
		require.Less(t, i, 500, "the late listener got %d bytes", b.len())
		clk.Tick()
		a.waitBytes(t, m.Stats().Bytes)
	}
	got, _ := b.data()
	full, _ = a.data()
	written = m.Stats().Bytes
	bc := oggChains(t, got[:hdr])
	require.NotEmpty(t, bc)
	t.Logf("A: %v (last header %d..%d), %d bytes; B: %v", chains, last.off, last.headerEnd, written, bc)
	assert.Equal(t, 0, bc[0].off, "starts with the header pages of a logical stream")
	assert.Equal(t, "B - Twö", bc[0].title())
	assert.Equal(t, full[last.off:last.headerEnd], got[:hdr], "the current logical stream's header pages")
	start := bytes.Index(full, got[hdr:hdr+1024])
	require.Greater(t, start, last.headerEnd, "then pages of the same logical stream, from the burst")
	assert.LessOrEqual(t, written-int64(start), int64(burst+8192), "burst, or the next page")
	b.waitBytes(t, int64(hdr)+written-int64(start))
	got, _ = b.data()
	assert.Empty(t, oggDecodeErrors(t, got), "the late listener's stream decodes")
}

// oggChain is one logical stream of an Ogg stream.
type oggChain struct {
	off, headerEnd int               // offsets of its first page and first data page
	comments       map[string]string // Vorbis comments, keys in upper case
}

func (c oggChain) title() string {
	return onair.Metadata{"artist": c.comments["ARTIST"], "title": c.comments["TITLE"]}.Song()
}

func (c oggChain) String() string { return fmt.Sprintf("@%d %q", c.off, c.title()) }

// oggChains parses the pages of data (complete pages only) into logical
// streams, with their Vorbis comments.
func oggChains(t *testing.T, data []byte) []oggChain {
	t.Helper()
	var (
		chains []oggChain
		pkt    []byte
		npkt   int
	)
	for i := 0; i+27 <= len(data); {
		require.Equal(t, "OggS", string(data[i:i+4]), "page at %d", i)
		flags, nseg := data[i+5], int(data[i+26])
		if i+27+nseg > len(data) {
			break
		}
		granule := int64(binary.LittleEndian.Uint64(data[i+6:]))
		segs := data[i+27 : i+27+nseg]
		size := 27 + nseg
		for _, s := range segs {
			size += int(s)
		}
		if i+size > len(data) {
			break
		}
		if flags&2 != 0 {
			chains = append(chains, oggChain{off: i, comments: map[string]string{}})
			pkt, npkt = nil, 0
		}
		c := &chains[len(chains)-1]
		if c.headerEnd == 0 && granule != 0 && granule != -1 {
			c.headerEnd = i
		}
		body := data[i+27+nseg : i+size]
		for _, s := range segs {
			pkt = append(pkt, body[:s]...)
			body = body[s:]
			if s < 255 {
				if npkt == 1 {
					parseVorbisComment(t, pkt, c.comments)
				}
				pkt = nil
				npkt++
			}
		}
		i += size
	}
	return chains
}

func parseVorbisComment(t *testing.T, p []byte, into map[string]string) {
	t.Helper()
	require.True(t, bytes.HasPrefix(p, []byte("\x03vorbis")), "second packet is the comment header")
	p = p[7:]
	n := int(binary.LittleEndian.Uint32(p))
	p = p[4+n:]
	count := int(binary.LittleEndian.Uint32(p))
	p = p[4:]
	for range count {
		n := int(binary.LittleEndian.Uint32(p))
		k, v, _ := strings.Cut(string(p[4:4+n]), "=")
		into[strings.ToUpper(k)] = v
		p = p[4+n:]
	}
}

// oggDecodeErrors is decodeErrors for chained Ogg: FFmpeg warns about the
// timestamps of each new chained stream (they start again from 0) and
// its null muxer reports the first packet of a chain as non-monotonic
// (the demuxer gives it the previous DTS). Neither is a decoding error.
func oggDecodeErrors(t *testing.T, data []byte) []string {
	t.Helper()
	var errs []string
	for _, l := range strings.Split(decodeErrors(t, "error", "ogg", data), "\n") {
		if l != "" && !strings.Contains(l, "non monotonically increasing dts") {
			errs = append(errs, l)
		}
	}
	return errs
}
