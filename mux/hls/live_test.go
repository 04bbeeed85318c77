package hls_test

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/mux"
	"github.com/onair-go/onair/mux/hls"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// recorder keeps every file event and, for playlists, the content
// written, in order. OnFile runs on the writer goroutine.
type recorder struct {
	mu     sync.Mutex
	events []event
}

type event struct {
	hls.FileEvent
	content string // playlists: what was written
}

func (r *recorder) onFile(ev hls.FileEvent) {
	e := event{FileEvent: ev}
	if ev.Op != hls.Deleted && strings.HasSuffix(ev.Name, ".m3u8") {
		b, err := os.ReadFile(ev.Path)
		e.content = string(b)
		if err != nil {
			e.content = "read error: " + err.Error()
		}
	}
	r.mu.Lock()
	r.events = append(r.events, e)
	r.mu.Unlock()
}

func (r *recorder) all() []event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.events)
}

var audioVariants = []hls.Variant{
	{Name: "aac_low", Tracks: mux.Only("audio_aac_low")},
	{Name: "aac_high", Tracks: mux.Only("audio_aac_high")},
	{Name: "mp3", Tracks: mux.Only("audio_mp3")},
	{Name: "aac_fmp4", Tracks: mux.Only("audio_aac_high"), Container: hls.FMP4},
}

// TestLive runs 30 s of a sine through three shared encoders into four
// variants (three MPEG-TS, one fMP4) with 2 s segments and a window of 5,
// and reads the result back over HTTP.
func TestLive(t *testing.T) {
	dir := t.TempDir()
	rec := &recorder{}
	out, err := hls.New(renditions(t, onair.Sine(440, nil)), dir, &hls.Options{
		SegmentDuration: 2 * time.Second, Window: 5, Overhead: 3,
		Variants: audioVariants, OnFile: rec.onFile,
	})
	require.NoError(t, err)
	start := time.Now()
	run(t, onair.Format{}, 1500, out)
	t.Logf("30 s of stream, 3 encoders, 4 variants: %v; %+v", time.Since(start), out.Stats())
	url := serve(t, out)

	finals := map[string]*playlist{}
	for _, v := range audioVariants {
		p := readPlaylist(t, filepath.Join(dir, v.Name+".m3u8"))
		finals[v.Name] = p
		assert.True(t, p.endlist, "%s: ENDLIST after close", v.Name)
		assert.Equal(t, "2", p.tags["#EXT-X-TARGETDURATION"])
		_, typed := p.tags["#EXT-X-PLAYLIST-TYPE"]
		assert.False(t, typed, "a live playlist has no type")
		require.Len(t, p.uris, 5, "%s: window", v.Name)
		for _, d := range p.extinf {
			assert.LessOrEqual(t, int(math.Round(d)), 2, "%s: EXTINF %v rounds to at most TARGETDURATION", v.Name, d)
		}
		assert.Empty(t, ffmpegWarnings(t, url+"/"+v.Name+".m3u8"), "%s decodes without a message", v.Name)
	}
	assert.Empty(t, ffmpegWarnings(t, url+"/master.m3u8"), "master (every variant) decodes")

	// One grid: the same EXTINF list and the same sequence numbers in
	// every variant.
	for _, v := range audioVariants[1:] {
		assert.Equal(t, finals["aac_low"].extinf, finals[v.Name].extinf, "%s has aac_low's EXTINF list", v.Name)
		assert.Equal(t, finals["aac_low"].tags["#EXT-X-MEDIA-SEQUENCE"], finals[v.Name].tags["#EXT-X-MEDIA-SEQUENCE"])
	}
	assert.Equal(t, []float64{2, 2, 2, 2}, finals["aac_low"].extinf[:4], "segments follow the 2 s grid")
	checkStartTimes(t, url, finals)

	checkSliding(t, dir, rec.all(), "aac_low", 5, 3)
	checkMaster(t, url, dir, finals)
}

// checkStartTimes checks, with ffprobe, that segment n of every variant
// starts at the same time: exactly for the variants copying AAC (the same
// packets), within one MP3 frame for MP3, with no drift.
func checkStartTimes(t *testing.T, url string, finals map[string]*playlist) {
	t.Helper()
	starts := map[string][]float64{}
	for name, p := range finals {
		for i, uri := range p.uris {
			if strings.HasSuffix(uri, ".m4s") {
				continue // probed through the playlist below
			}
			pr := ffprobe(t, url+"/"+uri, false)
			require.Len(t, pr.Streams, 1, uri)
			s, err := strconv.ParseFloat(pr.Streams[0].StartTime, 64)
			require.NoError(t, err)
			starts[name] = append(starts[name], s)
			if i > 0 {
				assert.InDelta(t, p.extinf[i-1], s-starts[name][i-1], 1152.0/44100, "%s: segment %d starts one EXTINF after the previous one", name, i)
			}
		}
	}
	assert.Equal(t, starts["aac_low"], starts["aac_high"], "AAC variants start their segments at the same times")
	for i := range starts["aac_low"] {
		assert.InDelta(t, starts["aac_low"][i], starts["mp3"][i], 1152.0/44100, "segment %d: MP3 starts within one MP3 frame of AAC", i)
	}
	fm := ffprobe(t, url+"/aac_fmp4.m3u8", false)
	ts := ffprobe(t, url+"/aac_high.m3u8", false)
	assert.InDelta(t, seconds(t, ts.Format.StartTime), seconds(t, fm.Format.StartTime), 0.001, "fMP4 and MPEG-TS variants share the timeline")
	t.Logf("segment start times: aac %v, mp3 %v", starts["aac_low"], starts["mp3"])
}

// checkSliding checks the history of a live variant's playlist through
// the file events: the media sequence goes up by one per segment once the
// window is full, segments are deleted overhead segments after they left
// the playlist and never while a written playlist still lists them, and
// the files are gone from the directory.
func checkSliding(t *testing.T, dir string, events []event, name string, window, overhead int) {
	t.Helper()
	var listed []string // what the last written playlist lists
	var seqs []int
	var ended []bool
	deleted := map[string]bool{}
	created := map[string]bool{}
	for _, e := range events {
		switch {
		case e.Name == name+".m3u8":
			p := parse(t, e.content)
			for _, u := range p.uris {
				assert.True(t, created[u], "%s listed after it was reported created", u)
				assert.False(t, deleted[u], "%s listed after it was deleted", u)
			}
			listed = p.uris
			seq, err := strconv.Atoi(p.tags["#EXT-X-MEDIA-SEQUENCE"])
			require.NoError(t, err)
			seqs = append(seqs, seq)
			ended = append(ended, p.endlist)
		case strings.HasPrefix(e.Name, name+"_"):
			switch e.Op {
			case hls.Created:
				created[e.Name] = true
			case hls.Deleted:
				assert.NotContains(t, listed, e.Name, "deleted while listed")
				deleted[e.Name] = true
				_, err := os.Stat(e.Path)
				assert.True(t, os.IsNotExist(err), "%s is gone", e.Name)
			}
		}
	}
	require.NotEmpty(t, seqs)
	for i := 1; i < len(seqs); i++ {
		switch {
		case ended[i]:
			assert.Equal(t, seqs[i-1], seqs[i], "the final playlist only adds ENDLIST")
		case i < window:
			assert.Equal(t, 0, seqs[i], "the window fills first")
		default:
			assert.Equal(t, seqs[i-1]+1, seqs[i], "media sequence goes up by one per segment (update %d)", i)
		}
	}
	total := len(created)
	last := seqs[len(seqs)-1]
	assert.Equal(t, total-window, last, "media sequence of the last playlist")
	for i := range total {
		seg := fmt.Sprintf("%s_%d.ts", name, i)
		_, err := os.Stat(filepath.Join(dir, seg))
		gone := i < last-overhead
		assert.Equal(t, gone, deleted[seg], "%s deleted", seg)
		assert.Equal(t, gone, os.IsNotExist(err), "%s on disk", seg)
	}
	t.Logf("%s: %d segments, %d deleted, media sequence %v", name, total, len(deleted), seqs)
}

// checkMaster checks the master playlist: one entry per variant, CODECS
// matching what ffprobe finds in the variant's stream, BANDWIDTH above
// every segment's bit rate.
func checkMaster(t *testing.T, url, dir string, finals map[string]*playlist) {
	t.Helper()
	m := readPlaylist(t, filepath.Join(dir, "master.m3u8"))
	require.Len(t, m.uris, len(audioVariants))
	for i, v := range audioVariants {
		assert.Equal(t, v.Name+".m3u8", m.uris[i])
		attrs := attributes(m.streams[i])
		pr := ffprobe(t, url+"/"+m.uris[i], false)
		require.Len(t, pr.Streams, 1)
		assert.Equal(t, rfc6381(t, pr.Streams[0].CodecName, pr.Streams[0].Profile, 0), attrs["CODECS"], "%s: CODECS", v.Name)
		bw, err := strconv.ParseInt(attrs["BANDWIDTH"], 10, 64)
		require.NoError(t, err)
		p := finals[v.Name]
		for j, uri := range p.uris {
			fi, err := os.Stat(filepath.Join(dir, uri))
			require.NoError(t, err)
			if p.extinf[j] >= 1 {
				assert.LessOrEqual(t, float64(fi.Size())*8/p.extinf[j], float64(bw), "%s: %s fits in BANDWIDTH", v.Name, uri)
			}
		}
		t.Logf("%s: %s", v.Name, m.streams[i])
	}
}

func seconds(t *testing.T, s string) float64 {
	t.Helper()
	f, err := strconv.ParseFloat(s, 64)
	require.NoError(t, err, "a time in seconds")
	return f
}

// attributes parses an attribute list (A=1,B="x,y").
func attributes(s string) map[string]string {
	m := map[string]string{}
	for s != "" {
		k, rest, _ := strings.Cut(s, "=")
		var v string
		if strings.HasPrefix(rest, `"`) {
			end := strings.Index(rest[1:], `"`)
			v, rest = rest[1:end+1], rest[end+2:]
		} else {
			v, rest, _ = strings.Cut(rest, ",")
			rest = "," + rest
		}
		m[k] = v
		s = strings.TrimPrefix(rest, ",")
	}
	return m
}

// rfc6381 is the codecs string expected for what ffprobe reports.
func rfc6381(t *testing.T, codec, profile string, level int) string {
	t.Helper()
	switch {
	case codec == "aac" && profile == "LC":
		return "mp4a.40.2"
	case codec == "aac" && profile == "HE-AAC":
		return "mp4a.40.5"
	case codec == "mp3":
		return "mp4a.40.34"
	case codec == "opus":
		return "opus"
	case codec == "flac":
		return "fLaC"
	case codec == "h264":
		idc := map[string]string{"Constrained Baseline": "42c0", "Baseline": "4200", "Main": "4d00", "High": "6400"}[profile]
		require.NotEmpty(t, idc, "H.264 profile %q", profile)
		return fmt.Sprintf("avc1.%s%02x", idc, level)
	}
	t.Fatalf("no expected CODECS for %s %s", codec, profile)
	return ""
}
