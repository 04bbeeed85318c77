package onair_test

import (
	"maps"
	"testing"

	"github.com/onair-go/onair"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMapMetadata(t *testing.T) {
	h := newOpsHarness(t)
	s := h.src(opsScript{id: 1, tracks: []int{12}})
	var seen []string
	s.OnMetadata(func(m onair.Metadata) { seen = append(seen, m["title"]) })
	mapped := opsMust[*onair.Node](t)(onair.MapMetadata(s, func(m onair.Metadata) onair.Metadata {
		if m["title"] == "s1-1" {
			return nil // removed
		}
		n := maps.Clone(m)
		n["artist"] = "onair"
		return n
	}, nil))
	out := h.run(mapped, 4, false)
	require.Len(t, out.meta, 3)
	for i, want := range []string{"s1-0", "s1-2", "s1-3"} {
		assert.Equal(t, want, out.meta[i].m["title"])
		assert.Equal(t, "onair", out.meta[i].m["artist"])
	}
	assert.Equal(t, []int{0, 24, 36}, []int{out.meta[0].pos, out.meta[1].pos, out.meta[2].pos})
	assert.Equal(t, []int{0, 12, 24, 36}, out.marks, "marks pass through")
	assert.Equal(t, []string{"s1-0", "s1-1", "s1-2", "s1-3"}, seen, "the source's own metadata is untouched")
	assertNoClicks(t, out)
	_, err := onair.MapMetadata(s, nil, nil)
	require.ErrorIs(t, err, onair.ErrInvalidOption)
}

func TestMetadataSong(t *testing.T) {
	for _, tc := range []struct {
		m    onair.Metadata
		want string
	}{
		{onair.Metadata{"artist": "A", "title": "T"}, "A - T"},
		{onair.Metadata{"Artist": "A", "TITLE": "T"}, "A - T"},
		{onair.Metadata{"title": "T"}, "T"},
		{onair.Metadata{"artist": "A"}, "A"},
		{onair.Metadata{"song": "S", "album": "X"}, "S"},
		{onair.Metadata{"album": "X"}, ""},
		{nil, ""},
	} {
		assert.Equal(t, tc.want, tc.m.Song(), "%v", tc.m)
	}
	assert.Equal(t, "v", onair.Metadata{"KEY": "v"}.Get("key"))
	assert.Equal(t, "exact", onair.Metadata{"Key": "other", "key": "exact"}.Get("key"))
}
