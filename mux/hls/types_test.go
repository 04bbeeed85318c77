package hls_test

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/mux"
	"github.com/onair-go/onair/mux/hls"
	"github.com/onair-go/onair/onairtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestEventAndVOD checks the two playlist types that keep every segment:
// EVENT playlists grow while the output runs, VOD playlists appear once,
// at the end; both end with ENDLIST, delete nothing and decode.
func TestEventAndVOD(t *testing.T) {
	for _, typ := range []hls.PlaylistType{hls.Event, hls.VOD} {
		t.Run(typ.String(), func(t *testing.T) {
			dir := t.TempDir()
			rec := &recorder{}
			out, err := hls.New(renditions(t, onair.Sine(440, nil)), dir, &hls.Options{
				SegmentDuration: 2 * time.Second, Window: 3, Type: typ, OnFile: rec.onFile,
				Variants: []hls.Variant{
					{Name: "aac", Tracks: mux.Only("audio_aac_low")},
					{Name: "mp3", Tracks: mux.Only("audio_mp3"), Container: hls.FMP4},
				},
			})
			require.NoError(t, err)
			run(t, onair.Format{}, 750, out) // 15 s: 8 segments
			writes := 0
			for _, e := range rec.all() {
				assert.NotEqual(t, hls.Deleted, e.Op, "%s deleted", e.Name)
				if e.Name == "aac.m3u8" {
					writes++
				}
			}
			p := readPlaylist(t, filepath.Join(dir, "aac.m3u8"))
			assert.Equal(t, typ.String(), p.tags["#EXT-X-PLAYLIST-TYPE"])
			assert.Equal(t, "0", p.tags["#EXT-X-MEDIA-SEQUENCE"])
			assert.True(t, p.endlist)
			require.Len(t, p.uris, 8, "every segment is listed")
			assert.Equal(t, "aac_0.ts", p.uris[0])
			if typ == hls.VOD {
				assert.Equal(t, 1, writes, "a VOD playlist is written once")
			} else {
				assert.Equal(t, len(p.uris)+1, writes, "an EVENT playlist is written after each segment, then with ENDLIST")
			}
			url := serve(t, out)
			decodesEach(t, url, "aac", "mp3")
			pr := ffprobe(t, url+"/mp3.m3u8", false)
			assert.InDelta(t, 15, seconds(t, pr.Format.Duration), 0.1, "the whole stream")
		})
	}
}

// TestResume stops an output with a state file and starts a new one on
// the same directory: numbering goes on, the earlier segments stay
// listed, a discontinuity separates the runs, and the whole decodes.
func TestResume(t *testing.T) {
	dir := t.TempDir()
	opts := &hls.Options{
		SegmentDuration: 2 * time.Second, Window: 4, StateFile: "hls-state.json",
		Variants: []hls.Variant{
			{Name: "aac", Tracks: mux.Only("audio_aac_low")},
			{Name: "fmp4", Tracks: mux.Only("audio_aac_high"), Container: hls.FMP4},
		},
	}
	first, err := hls.New(renditions(t, onair.Sine(440, nil)), dir, opts)
	require.NoError(t, err)
	run(t, onair.Format{}, 300, first) // 6 s: 3 segments
	p1 := readPlaylist(t, filepath.Join(dir, "aac.m3u8"))
	require.Len(t, p1.uris, 3)
	assert.True(t, p1.endlist)
	_, err = os.Stat(filepath.Join(dir, "hls-state.json"))
	require.NoError(t, err, "state saved")

	second, err := hls.New(renditions(t, onair.Sine(660, nil)), dir, opts)
	require.NoError(t, err)
	run(t, onair.Format{}, 300, second)
	for _, name := range []string{"aac", "fmp4"} {
		p := readPlaylist(t, filepath.Join(dir, name+".m3u8"))
		assert.True(t, p.endlist, name)
		require.Len(t, p.uris, 4, "%s: the window holds both runs", name)
		assert.Equal(t, "2", p.tags["#EXT-X-MEDIA-SEQUENCE"], "%s: 6 segments, window 4", name)
		assert.Equal(t, []int{1}, p.discs, "%s: one discontinuity, before the second run's first segment", name)
		assert.True(t, strings.HasSuffix(p.uris[1], "_3."+ext(name)), "%s: the second run goes on at 3: %v", name, p.uris)
		_, err := os.Stat(filepath.Join(dir, name+"_0."+ext(name)))
		assert.NoError(t, err, "%s: a segment of the first run that left the window stays for the overhead", name)
		if name == "fmp4" {
			assert.Len(t, p.maps, 1, "the same streams: the first run's initialization section is kept")
		}
	}
	url := serve(t, second)
	// The timeline goes on: the second run starts 0.1 s after the first
	// one's last packet.
	p := readPlaylist(t, filepath.Join(dir, "aac.m3u8"))
	last := ffprobe(t, url+"/"+p.uris[0], true)
	next := ffprobe(t, url+"/"+p.uris[1], false)
	lp := last.Packets[len(last.Packets)-1]
	end := seconds(t, lp.PTSTime) + seconds(t, lp.DurTime)
	assert.InDelta(t, end+0.1, seconds(t, next.Streams[0].StartTime), 0.03, "timestamps go on after the restart")
	for _, name := range []string{"aac", "fmp4"} {
		p := readPlaylist(t, filepath.Join(dir, name+".m3u8"))
		sum := 0.0
		for _, d := range p.extinf {
			sum += d
		}
		pr := ffprobe(t, url+"/"+name+".m3u8", false)
		assert.InDelta(t, sum, seconds(t, pr.Format.Duration), 0.1, "%s: both runs", name)
		assert.Empty(t, ffmpegWarnings(t, url+"/"+name+".m3u8"), name)
	}

	// A corrupt state file is refused, naming it.
	require.NoError(t, os.WriteFile(filepath.Join(dir, "hls-state.json"), []byte("{not json"), 0o644))
	_, err = hls.New(onair.Sine(440, nil), dir, opts)
	require.ErrorIs(t, err, hls.ErrState)
	assert.Contains(t, err.Error(), "hls-state.json")
}

func ext(variant string) string {
	if variant == "fmp4" {
		return "m4s"
	}
	return "ts"
}

// TestQueueFull blocks the writer (a stuck OnFile): the clock keeps
// running, rounds are dropped and counted, and once the writer catches up
// the segments after the gap start with a discontinuity.
func TestQueueFull(t *testing.T) {
	dir := t.TempDir()
	release := make(chan struct{})
	out, err := hls.New(renditions(t, onair.Sine(440, nil)), dir, &hls.Options{
		SegmentDuration: time.Second, Window: 20, Queue: 2,
		Variants: []hls.Variant{{Name: "aac", Tracks: mux.Only("audio_aac_low")}},
		OnFile: func(ev hls.FileEvent) {
			if ev.Name == "aac_0.ts" {
				<-release
			}
		},
	})
	require.NoError(t, err)
	g, clk := onairtest.StartGraph(t, nil, out)
	for range 500 { // 10 s while the writer is stuck on the first segment
		clk.Tick()
	}
	st := out.Stats()
	// 9 rounds were made; at most 3 fit (one taken by the writer, two
	// queued).
	assert.GreaterOrEqual(t, st.Dropped, int64(9-3), "rounds past the queue are dropped")
	close(release)
	for range 250 {
		clk.Tick()
	}
	require.NoError(t, g.Close())
	p := readPlaylist(t, filepath.Join(dir, "aac.m3u8"))
	require.NotEmpty(t, p.discs, "a discontinuity after the dropped segments")
	assert.Equal(t, len(p.uris), int(out.Stats().Segments))
	assert.Equal(t, int64(0), out.Stats().Errors)
	url := serve(t, out)
	assert.Empty(t, ffmpegWarnings(t, url+"/aac.m3u8"))
	t.Logf("stats %+v, discontinuities before %v of %d segments", out.Stats(), p.discs, len(p.uris))
}

// TestFallibleRestart runs the output on a source that fails for 3 s: the
// segments before end there, the next ones start with a discontinuity.
func TestFallibleRestart(t *testing.T) {
	dir := t.TempDir()
	tick := 0
	sine := onair.Sine(440, nil)
	gap := onair.NewNode(&gappy{src: sine, tick: &tick}, &onair.NodeOptions{ID: "gappy", Children: []onair.Source{sine}, Fallible: true})
	out, err := hls.New(renditions(t, gap), dir, &hls.Options{
		SegmentDuration: 2 * time.Second, Window: 10, Fallible: true,
		Variants: []hls.Variant{{Name: "aac", Tracks: mux.Only("audio_aac_low")}, {Name: "mp3", Tracks: mux.Only("audio_mp3")}},
	})
	require.NoError(t, err)
	g, clk := onairtest.StartGraph(t, nil, out)
	for tick = range 750 { // 15 s, off from 5 s to 8 s
		clk.Tick()
	}
	require.NoError(t, g.Close())
	for _, name := range []string{"aac", "mp3"} {
		p := readPlaylist(t, filepath.Join(dir, name+".m3u8"))
		require.Len(t, p.discs, 1, "%s: one discontinuity", name)
		d := p.discs[0]
		assert.Equal(t, 3, d, "%s: 2 s, 2 s, then the 1 s before the failure", name)
		assert.InDelta(t, 1.0, p.extinf[d-1], 0.1, "%s: the segment cut by the failure", name)
		for _, e := range p.extinf {
			assert.LessOrEqual(t, math.Round(e), 2.0)
		}
	}
	a := readPlaylist(t, filepath.Join(dir, "aac.m3u8"))
	m := readPlaylist(t, filepath.Join(dir, "mp3.m3u8"))
	assert.Equal(t, a.extinf, m.extinf, "one grid after the restart too")
	url := serve(t, out)
	decodesEach(t, url, "aac", "mp3")
}

// decodesEach decodes each variant's playlist over HTTP. (Not the master
// as a whole: FFmpeg 7.1's HLS demuxer returns the first packet of an
// audio-only MPEG-TS playlist twice when the playlist starts at the
// stream's first segment, and with several variants the ffmpeg program
// then reports non-monotonic timestamps; FFmpeg's own hls muxer output
// gets the same message.)
func decodesEach(t *testing.T, url string, variants ...string) {
	t.Helper()
	for _, v := range variants {
		assert.Empty(t, ffmpegWarnings(t, url+"/"+v+".m3u8"), "%s decodes without a message", v)
	}
}

// gappy passes its source through except from tick 250 to 399, when it
// is not ready.
type gappy struct {
	src  onair.Source
	tick *int
}

func (g *gappy) Ready() bool { return (*g.tick < 250 || *g.tick >= 400) && g.src.Node().Ready() }

func (g *gappy) Generate(f *onair.Frame) error {
	n := g.src.Node()
	in := n.Peek()
	k := f.Append(in, 0, in.Len())
	n.Consume(k)
	return nil
}

// TestOptionsErrors checks that invalid options are refused with
// ErrOption, naming the problem.
func TestOptionsErrors(t *testing.T) {
	v := []hls.Variant{{Name: "a", Tracks: mux.Only("audio_aac_low")}}
	for _, c := range []struct {
		name string
		opts *hls.Options
		want string
	}{
		{"nil", nil, "Variants is required"},
		{"no variant", &hls.Options{}, "no variant"},
		{"bad name", &hls.Options{Variants: []hls.Variant{{Name: "../x", Tracks: mux.Only("audio_mp3")}}}, `variant name "../x"`},
		{"twice", &hls.Options{Variants: append(v, v...)}, `"a" given twice`},
		{"no copy", &hls.Options{Variants: []hls.Variant{{Name: "a"}}}, "copies no track"},
		{"window", &hls.Options{Variants: v, Window: 2}, "window of 2 segments"},
		{"short", &hls.Options{Variants: v, SegmentDuration: time.Millisecond}, "segment duration"},
		{"master", &hls.Options{Variants: v, Master: "sub/m.m3u8"}, "master playlist name"},
		{"master is a variant", &hls.Options{Variants: v, Master: "a.m3u8"}, "overwrite the master"},
		{"state", &hls.Options{Variants: v, StateFile: "a.ts"}, "state file name"},
		{"codecs", &hls.Options{Variants: []hls.Variant{{Name: "a", Tracks: mux.Only("audio_mp3"), Codecs: `x"y`}}}, "quote"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := hls.New(onair.Sine(440, nil), t.TempDir(), c.opts)
			require.Error(t, err)
			assert.True(t, errors.Is(err, hls.ErrOption), "wraps ErrOption: %v", err)
			assert.ErrorIs(t, err, onair.ErrInvalidOption, "the root sentinel matches too")
			assert.Contains(t, err.Error(), c.want)
		})
	}
}
