package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/internal/logtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// icyClient reads a mount with ICY metadata and keeps the audio bytes and
// the titles apart.
type icyClient struct {
	audio  bytes.Buffer
	titles []string
	err    error
}

var streamTitle = regexp.MustCompile(`StreamTitle='(.*?)';`)

func (c *icyClient) read(ctx context.Context, url string) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	req.Header.Set("Icy-MetaData", "1")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.err = err
		return
	}
	defer resp.Body.Close()
	metaint, err := strconv.Atoi(resp.Header.Get("icy-metaint"))
	if err != nil {
		c.err = err
		return
	}
	r := bufio.NewReader(resp.Body)
	for {
		if _, err := io.CopyN(&c.audio, r, int64(metaint)); err != nil {
			return // the server closed the stream at the end
		}
		n, err := r.ReadByte()
		if err != nil {
			return
		}
		block := make([]byte, int(n)*16)
		if _, err := io.ReadFull(r, block); err != nil {
			return
		}
		if m := streamTitle.FindSubmatch(block); m != nil {
			c.titles = append(c.titles, string(m[1]))
		}
	}
}

// TestRadio runs the station for 60 s of stream time on the free-running
// clock, with a listener on the MP3 mount and FFmpeg on an AAC mount, then
// checks the HLS output and what the listeners got.
func TestRadio(t *testing.T) {
	dir := t.TempDir()
	var out logtest.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	var wg sync.WaitGroup
	icy := &icyClient{}
	var ffOut []byte
	var ffErr error
	cfg := &config{
		Dir: dir, Addr: "127.0.0.1:0", Duration: 60 * time.Second, Clock: onair.FreeRunning,
		Segment: 2 * time.Second, Out: &out,
		Logger: slog.New(slog.NewTextHandler(&out, &slog.HandlerOptions{Level: slog.LevelWarn})),
		ready: func(base string) {
			wg.Add(2)
			go func() { defer wg.Done(); icy.read(ctx, base+"/radio.mp3") }()
			go func() {
				defer wg.Done()
				ffOut, ffErr = exec.CommandContext(ctx, "ffmpeg", "-nostdin", "-v", "warning", "-i", base+"/radio.aac", "-f", "null", "-").CombinedOutput()
			}()
		},
	}
	require.NoError(t, run(ctx, cfg))
	wg.Wait()
	log := out.String()
	t.Logf("station output:\n%s", log)
	assert.Contains(t, log, "now playing: onair demo band - ")
	assert.Regexp(t, `stopped after .* \(1m0.0\d*s of stream time, largest clock lag `, log)

	// The songs were analysed (loudness and cue points) before playing.
	cached, _ := filepath.Glob(filepath.Join(dir, "analysis", "*.json"))
	assert.NotEmpty(t, cached, "analysis cache")
	assert.NotContains(t, log, "analysis failed")

	// The MP3 listener got the stream with titles, and it decodes.
	require.NoError(t, icy.err)
	require.NotEmpty(t, icy.titles, "ICY titles")
	assert.True(t, strings.HasPrefix(icy.titles[len(icy.titles)-1], "onair demo band - "), "%q", icy.titles)
	mp3 := filepath.Join(dir, "listener.mp3")
	require.NoError(t, os.WriteFile(mp3, icy.audio.Bytes(), 0o644))
	// The listener joined a running stream at a frame boundary and left
	// at its end: at most the last frame may be cut.
	assert.Empty(t, decodeErrors(t, mp3, "error"), "the MP3 mount decodes")
	assert.Greater(t, icy.audio.Len(), 128_000/8*40, "most of the 60 s reached the listener")

	// FFmpeg read the AAC mount to its end without a warning: the mount
	// ends its stream cleanly when the station stops.
	require.NoError(t, ffErr, "%s", ffOut)
	assert.Empty(t, strings.TrimSpace(string(ffOut)))

	// HLS: a master with the two AAC variants, each ended.
	hlsDir := filepath.Join(dir, "hls")
	master, err := os.ReadFile(filepath.Join(hlsDir, "master.m3u8"))
	require.NoError(t, err)
	assert.Equal(t, 2, strings.Count(string(master), "#EXT-X-STREAM-INF"), "%s", master)
	assert.Equal(t, 2, strings.Count(string(master), `CODECS="mp4a.40.2"`), "%s", master)
	var bounds []string
	for _, v := range []string{"aac_high", "aac_low"} {
		pl, err := os.ReadFile(filepath.Join(hlsDir, v+".m3u8"))
		require.NoError(t, err)
		s := string(pl)
		assert.Contains(t, s, "#EXT-X-ENDLIST", v)
		target := regexp.MustCompile(`#EXT-X-TARGETDURATION:(\d+)`).FindStringSubmatch(s)
		require.NotNil(t, target, v)
		td, _ := strconv.Atoi(target[1])
		var durs []string
		for _, m := range regexp.MustCompile(`#EXTINF:([\d.]+)`).FindAllStringSubmatch(s, -1) {
			d, _ := strconv.ParseFloat(m[1], 64)
			assert.LessOrEqual(t, d, float64(td), "%s: EXTINF %v > target %d", v, d, td)
			durs = append(durs, m[1])
		}
		require.NotEmpty(t, durs, v)
		bounds = append(bounds, strings.Join(durs, ","))
		seq := regexp.MustCompile(`#EXT-X-MEDIA-SEQUENCE:(\d+)`).FindStringSubmatch(s)
		require.NotNil(t, seq, v)
		n, _ := strconv.Atoi(seq[1])
		assert.Positive(t, n, "%s: a sliding window after 60 s", v)
		assert.Empty(t, decodeErrors(t, filepath.Join(hlsDir, v+".m3u8"), "warning"), "variant %s decodes", v)
	}
	assert.Equal(t, bounds[0], bounds[1], "the variants are cut on one grid")
}

// Several stations in one process (-stations) each play to their own
// folder and print their closing line; they share one analysis cache.
func TestRunMany(t *testing.T) {
	dir := t.TempDir()
	var out logtest.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cfg := &config{
		Dir: dir, Duration: 5 * time.Second, Clock: onair.FreeRunning, Segment: time.Second, Out: &out,
		Logger: slog.New(slog.NewTextHandler(&out, &slog.HandlerOptions{Level: slog.LevelWarn})),
	}
	require.NoError(t, runMany(ctx, cfg, 2, 10*time.Millisecond))
	log := out.String()
	for _, name := range []string{"station  1", "station  2"} {
		assert.Regexp(t, name+`: stopped after .* \(5.0\d*s of stream time, largest clock lag `, log)
	}
	for _, s := range []string{"station-01", "station-02"} {
		assert.FileExists(t, filepath.Join(dir, s, "hls", "master.m3u8"))
		assert.NoDirExists(t, filepath.Join(dir, s, "analysis"), "a station's own analysis cache")
	}
	entries, _ := filepath.Glob(filepath.Join(dir, "analysis", "*.json"))
	assert.NotEmpty(t, entries, "the shared analysis cache")
	assert.NotContains(t, log, "now playing", "only the closing lines are printed")
}

// decodeErrors decodes path with ffmpeg at a log level and returns what
// it printed.
func decodeErrors(t *testing.T, path, level string) string {
	t.Helper()
	out, err := exec.Command("ffmpeg", "-nostdin", "-v", level, "-i", path, "-f", "null", "-").CombinedOutput()
	require.NoError(t, err, "%s", out)
	return strings.TrimSpace(string(out))
}
