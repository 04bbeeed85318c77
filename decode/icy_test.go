package decode

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/onair-go/onair"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var icyCases = []struct {
	name string
	raw  string
	want onair.Metadata
}{
	{"artist and title", "StreamTitle='Artist A - Song One';", onair.Metadata{"artist": "Artist A", "title": "Song One"}},
	{"title only", "StreamTitle='Just a Title';StreamUrl='http://radio.example/';", onair.Metadata{"title": "Just a Title", "url": "http://radio.example/"}},
	{"quotes inside", "StreamTitle='Rock 'n' Roll - It's Late';", onair.Metadata{"artist": "Rock 'n' Roll", "title": "It's Late"}},
	{"padding", "StreamTitle='Padded';\x00\x00\x00\x00\x00", onair.Metadata{"title": "Padded"}},
	{"latin-1", "StreamTitle='Caf\xe9 - D\xe9j\xe0 vu';", onair.Metadata{"artist": "Café", "title": "Déjà vu"}},
	{"utf-8", "StreamTitle='Café - Déjà vu';", onair.Metadata{"artist": "Café", "title": "Déjà vu"}},
	{"dash at the edges", "StreamTitle=' - Intro';", onair.Metadata{"title": " - Intro"}},
	{"no terminator", "StreamTitle='Cut'", onair.Metadata{"title": "Cut"}},
	{"empty title", "StreamTitle='';", onair.Metadata{}},
	{"garbage", "not metadata at all", onair.Metadata{}},
}

func TestParseICY(t *testing.T) {
	for _, tc := range icyCases {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, parseICY(tc.raw))
		})
	}
}

// icyBody interleaves audio and metadata blocks every metaint bytes.
func icyBody(audio []byte, metaint int, blocks map[int]string) []byte {
	var b bytes.Buffer
	for k := 1; len(audio) > 0; k++ {
		n := min(metaint, len(audio))
		b.Write(audio[:n])
		audio = audio[n:]
		if n < metaint {
			break
		}
		text := blocks[k]
		l := (len(text) + 15) / 16
		b.WriteByte(byte(l))
		b.WriteString(text)
		b.Write(make([]byte, l*16-len(text)))
	}
	return b.Bytes()
}

// TestICYReader takes the metadata blocks out of a body and keeps each
// title change at its audio byte position; repeated blocks are dropped.
func TestICYReader(t *testing.T) {
	audio := make([]byte, 10000)
	for i := range audio {
		audio[i] = byte(i)
	}
	body := icyBody(audio, 1000, map[int]string{
		2: "StreamTitle='A - B';", 3: "StreamTitle='A - B';", 7: "StreamTitle='C';",
	})
	r := newICYReader(iotestHalf{bytes.NewReader(body)}, 1000)
	got, err := io.ReadAll(r)
	require.NoError(t, err)
	assert.Equal(t, audio, got, "audio bytes, without the metadata")
	assert.Empty(t, r.metaUpTo(1999))
	assert.Equal(t, []onair.Metadata{{"artist": "A", "title": "B"}}, r.metaUpTo(2000))
	assert.Equal(t, []onair.Metadata{{"title": "C"}}, r.metaUpTo(1<<40))

	// A body cut inside a metadata block is an error, not an end.
	r = newICYReader(bytes.NewReader(body[:2000+1+5]), 1000)
	_, err = io.ReadAll(r)
	assert.ErrorIs(t, err, errICY)
	assert.ErrorIs(t, err, io.ErrUnexpectedEOF)
}

// iotestHalf reads at most half of what is asked (at least one byte).
type iotestHalf struct{ r io.Reader }

func (h iotestHalf) Read(p []byte) (int, error) { return h.r.Read(p[:(len(p)+1)/2]) }

// FuzzICYReader feeds arbitrary bodies: the reader never panics, never
// returns more audio than the body holds, and keeps its metadata in
// position order.
func FuzzICYReader(f *testing.F) {
	for _, tc := range icyCases {
		f.Add(icyBody(make([]byte, 64), 16, map[int]string{1: tc.raw}), uint16(16))
	}
	f.Fuzz(func(t *testing.T, body []byte, metaint uint16) {
		if metaint == 0 {
			return
		}
		r := newICYReader(bytes.NewReader(body), int(metaint))
		got, err := io.ReadAll(r)
		if err != nil && !errors.Is(err, errICY) {
			t.Fatalf("unexpected error %v", err)
		}
		if len(got) > len(body) {
			t.Fatalf("%d audio bytes out of a %d-byte body", len(got), len(body))
		}
		last := int64(-1)
		for _, p := range r.pending {
			if p.pos < last || p.pos > int64(len(got)) {
				t.Fatalf("metadata at %d after %d (audio %d)", p.pos, last, len(got))
			}
			last = p.pos
		}
	})
}
