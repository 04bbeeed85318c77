package hls_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/asticode/go-astiav"
	"github.com/onair-go/onair"
	"github.com/onair-go/onair/encode"
	"github.com/onair-go/onair/mux/hls"
	"github.com/onair-go/onair/onairtest"
	"github.com/stretchr/testify/require"
)

func TestMain(m *testing.M) {
	for _, bin := range []string{"ffmpeg", "ffprobe"} {
		if _, err := exec.LookPath(bin); err != nil {
			fmt.Fprintf(os.Stderr, "%s (FFmpeg 7.1) is not on PATH: run eval \"$(scripts/ffmpeg.sh env)\" first (make test does)\n", bin)
			os.Exit(1)
		}
	}
	astiav.SetLogLevel(astiav.LogLevelError)
	os.Exit(m.Run())
}

// renditions is seed 000's graph: src encoded once each to AAC 48k, AAC
// 192k and MP3 128k, combined in one multitrack source.
func renditions(t testing.TB, src onair.Source) onair.Source {
	t.Helper()
	enc := func(codec string, rate int64) *encode.Shared {
		s, err := encode.Audio(src, &encode.AudioOptions{Codec: codec, BitRate: rate})
		require.NoError(t, err)
		return s
	}
	multi, err := onair.Multitrack([]onair.TrackSpec{
		{Name: "audio_aac_low", Source: enc("aac", 48000), Track: "audio"},
		{Name: "audio_aac_high", Source: enc("aac", 192000), Track: "audio"},
		{Name: "audio_mp3", Source: enc("libmp3lame", 128000), Track: "audio"},
	}, nil)
	require.NoError(t, err)
	return multi
}

// run builds a graph on a manual clock with the outputs, ticks it, and
// closes it.
func run(t *testing.T, format onair.Format, ticks int, outputs ...onair.Source) {
	t.Helper()
	g, clk := onairtest.StartGraph(t, &onairtest.Options{Format: format}, outputs...)
	for range ticks {
		clk.Tick()
	}
	require.NoError(t, g.Close())
}

// serve serves an output's directory on 127.0.0.1.
func serve(t *testing.T, o *hls.Output) string {
	srv := httptest.NewServer(o.Handler())
	t.Cleanup(srv.Close)
	return srv.URL
}

// ffmpegWarnings decodes url with ffmpeg at log level warning and returns
// what it printed (empty when the stream decodes cleanly).
func ffmpegWarnings(t *testing.T, url string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "ffmpeg", "-nostdin", "-hide_banner", "-v", "warning", "-i", url, "-map", "0", "-f", "null", "-")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "ffmpeg %s: %s", url, out)
	return string(out)
}

// probe is ffprobe's view of an input.
type probe struct {
	Streams []struct {
		CodecName  string `json:"codec_name"`
		CodecType  string `json:"codec_type"`
		Profile    string `json:"profile"`
		Level      int    `json:"level"`
		Width      int    `json:"width"`
		Height     int    `json:"height"`
		SampleRate string `json:"sample_rate"`
		StartTime  string `json:"start_time"`
	} `json:"streams"`
	Packets []struct {
		PTSTime string `json:"pts_time"`
		DurTime string `json:"duration_time"`
	} `json:"packets"`
	Format struct {
		Duration  string `json:"duration"`
		StartTime string `json:"start_time"`
	} `json:"format"`
}

func ffprobe(t *testing.T, url string, packets bool) *probe {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	args := []string{"-v", "error", "-show_streams", "-show_format", "-of", "json"}
	if packets {
		args = append(args, "-show_packets")
	}
	cmd := exec.CommandContext(ctx, "ffprobe", append(args, url)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, "ffprobe %s: %s", url, stderr.String())
	var p probe
	require.NoError(t, json.Unmarshal(out, &p))
	return &p
}

// playlist is a parsed media or master playlist.
type playlist struct {
	tags    map[string]string // first value of each tag
	extinf  []float64
	uris    []string
	discs   []int    // indexes of segments preceded by EXT-X-DISCONTINUITY
	maps    []string // EXT-X-MAP URIs
	streams []string // EXT-X-STREAM-INF attribute lists
	endlist bool
	raw     string
}

func parse(t *testing.T, data string) *playlist {
	t.Helper()
	p := &playlist{tags: map[string]string{}, raw: data}
	sc := bufio.NewScanner(strings.NewReader(data))
	first := true
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if first {
			require.Equal(t, "#EXTM3U", line, "first line")
			first = false
			continue
		}
		switch {
		case line == "":
		case line == "#EXT-X-ENDLIST":
			p.endlist = true
		case line == "#EXT-X-DISCONTINUITY":
			p.discs = append(p.discs, len(p.uris))
		case strings.HasPrefix(line, "#EXTINF:"):
			v, _, _ := strings.Cut(strings.TrimPrefix(line, "#EXTINF:"), ",")
			d, err := strconv.ParseFloat(v, 64)
			require.NoError(t, err, line)
			p.extinf = append(p.extinf, d)
		case strings.HasPrefix(line, "#EXT-X-MAP:URI="):
			p.maps = append(p.maps, strings.Trim(strings.TrimPrefix(line, "#EXT-X-MAP:URI="), `"`))
		case strings.HasPrefix(line, "#EXT-X-STREAM-INF:"):
			p.streams = append(p.streams, strings.TrimPrefix(line, "#EXT-X-STREAM-INF:"))
		case strings.HasPrefix(line, "#"):
			k, v, _ := strings.Cut(line, ":")
			if _, ok := p.tags[k]; !ok {
				p.tags[k] = v
			}
		default:
			p.uris = append(p.uris, line)
		}
	}
	return p
}

func readPlaylist(t *testing.T, path string) *playlist {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return parse(t, string(b))
}
