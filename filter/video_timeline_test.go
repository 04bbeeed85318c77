package filter_test

import (
	"testing"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/filter"
	"github.com/onair-go/onair/onairtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// timeline plays src for 100 ticks with a new titled track every 13
// ticks (inserted into still) and returns the marks and metadata received
// and the positions of the pictures.
func timeline(t *testing.T, still *filter.Still, src onair.Source) (marks []int, meta []onair.MetadataAt, pics []int) {
	t.Helper()
	pos := 0
	out := onair.Sink(src, func(f *onair.Frame) error {
		for _, m := range f.Marks() {
			marks = append(marks, pos+m)
		}
		for _, m := range f.Metadata() {
			meta = append(meta, onair.MetadataAt{Pos: pos + m.Pos, Metadata: m.Metadata})
		}
		if tr := f.Track(onair.MainVideo); tr != nil {
			for _, p := range tr.Pictures {
				pics = append(pics, pos+p.Pos)
			}
		}
		pos += f.Len()
		return nil
	}, &onair.OutputOptions{Fallible: true})
	_, clock := onairtest.StartGraph(t, &onairtest.Options{Format: small}, out)
	for n := 1; n <= 100; n++ {
		if n%13 == 0 {
			still.Node().InsertMetadata(onair.Metadata{"title": string(rune('A' + n/13))}, true)
		}
		clock.Tick()
	}
	return marks, meta, pics
}

// TestVideoKeepsTimeline: the video operator keeps the track marks, the
// metadata and one picture per picture slot where its source has them,
// whether its filter keeps, drops or adds pictures, and with
// FlushAtTracks.
func TestVideoKeepsTimeline(t *testing.T) {
	s := colour(t, "black")
	wantMarks, wantMeta, wantPics := timeline(t, s, s)
	require.NotEmpty(t, wantMarks)
	for _, tc := range []struct {
		desc  string
		flush bool
	}{
		{"hflip", false},
		{"fps=5", false},        // drops four pictures in five: the last is repeated
		{"fps=50", false},       // doubles them: the extra ones are dropped
		{"tmix=frames=3", true}, // keeps a history, restarted at each track
	} {
		t.Run(tc.desc, func(t *testing.T) {
			s := colour(t, "black")
			v, err := filter.NewVideo(s, tc.desc, &filter.Options{Format: &small, FlushAtTracks: tc.flush})
			require.NoError(t, err)
			defer v.Close()
			marks, meta, pics := timeline(t, s, v)
			assert.Equal(t, wantMarks, marks)
			assert.Equal(t, wantMeta, meta)
			assert.Equal(t, wantPics, pics)
		})
	}
}
