package hls_test

import (
	"context"
	"math"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/minio/minio-go/v7"
	"github.com/onair-go/onair"
	"github.com/onair-go/onair/encode"
	"github.com/onair-go/onair/internal/peertest"
	"github.com/onair-go/onair/mux"
	"github.com/onair-go/onair/mux/hls"
	"github.com/onair-go/onair/onairtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestHLSJSFromS3 plays, with hls.js in headless Chromium, HLS streams
// that outputs wrote to a SeaweedFS bucket, straight from the S3
// endpoint (a public-read prefix with a CORS rule for the page's origin):
//   - vod: a finished stream (ENDLIST at the first load) in three
//     variants played at once: AAC in MPEG-TS, AAC in fMP4, and H.264 +
//     AAC in MPEG-TS;
//   - live: a stream the page starts on while it is produced, which plays
//     on as segments arrive, through ENDLIST;
//   - foreign origin: a page of an origin the CORS rule does not name
//     gets a fatal manifest error, not a silent stall;
//   - missing segment: the vod stream without its third segment stops
//     there with a fatal error that names the segment.
//
// Each playback of vod and live must load every segment without an
// hls.js error (stalls of a loaded machine aside), end (the media element's
// ended event) at the end of the stream, and decode the stream's tone at
// its level (an AnalyserNode on the element), and the pictures for video.
// The last two subtests play the vod subtest's stream.
func TestHLSJSFromS3(t *testing.T) {
	page := openHLSPage(t)
	w := peertest.StartSeaweedFS(t)
	publicRead(t, w, "hlsjs", page.origin)
	base := w.Endpoint + "/" + w.Bucket + "/hlsjs/"

	if !t.Run("vod", func(t *testing.T) { testHLSJSVOD(t, w, page, base+"vod/") }) {
		t.FailNow() // the others play its stream
	}
	t.Run("live", func(t *testing.T) { testHLSJSLive(t, w, page, base+"live/") })
	t.Run("foreign origin", func(t *testing.T) {
		url := base + "vod/aac.m3u8"
		assert.Equal(t, page.origin, preflight(t, url, page.origin), "the rule allows the page")
		other := hlsPageServer(t)
		assert.Empty(t, preflight(t, url, other), "the rule is in force: another origin is refused")
		require.NoError(t, chromedp.Do(page.ctx, chromedp.Navigate(other+"/")))
		page.play(t, "foreign", url, false)
		r := page.wait(t, "foreign")
		t.Logf("foreign: %s", r)
		assert.False(t, r.Ended)
		assert.True(t, strings.HasPrefix(r.Fatal, "networkError: manifestLoadError"), "a fatal manifest error: %s", r)
	})
	t.Run("missing segment", func(t *testing.T) {
		// The finished stream copied without its third segment (under
		// new names: the browser has the segments cached, immutable).
		for _, name := range []string{"aac.m3u8", "aac_0.ts", "aac_1.ts", "aac_3.ts"} {
			_, err := w.Client.CopyObject(context.Background(),
				minio.CopyDestOptions{Bucket: w.Bucket, Object: "hlsjs/gap/" + name},
				minio.CopySrcOptions{Bucket: w.Bucket, Object: "hlsjs/vod/" + name})
			require.NoError(t, err)
		}
		require.NoError(t, chromedp.Do(page.ctx, chromedp.Navigate(page.origin+"/")))
		// One quick retry instead of hls.js's default six with backoff
		// (half a minute), for the test's time.
		page.play(t, "missing", base+"gap/aac.m3u8", false, `{fragLoadPolicy: {default: {
			maxTimeToFirstByteMs: 10000, maxLoadTimeMs: 20000,
			timeoutRetry: {maxNumRetry: 1, retryDelayMs: 100, maxRetryDelayMs: 100},
			errorRetry: {maxNumRetry: 1, retryDelayMs: 100, maxRetryDelayMs: 100}}}}`)
		r := page.wait(t, "missing")
		t.Logf("missing: %s", r)
		assert.False(t, r.Ended, "no end past a missing segment")
		assert.Equal(t, []int{0, 1}, r.Frags, "the segments before the gap loaded")
		assert.Equal(t, "networkError: fragLoadError "+base+"gap/aac_2.ts", r.Fatal, "a fatal error names the missing segment")
	})
}

// testHLSJSVOD writes 4 s of avSource (440 Hz at 0.3, and pictures) as
// three variants of 1 s segments, then plays the three at once.
func testHLSJSVOD(t *testing.T, w *peertest.SeaweedFS, page *hlsPage, base string) {
	format := onair.Format{Video: &onair.VideoFormat{Width: 160, Height: 120, FrameRate: onair.Rational{Num: 25, Den: 1}}}
	src := avSource(160, 120)
	vid, err := encode.Video(src, &encode.VideoOptions{GOP: 25, Threads: 1})
	require.NoError(t, err)
	aud, err := encode.Audio(src, &encode.AudioOptions{BitRate: 96000})
	require.NoError(t, err)
	multi, err := onair.Multitrack([]onair.TrackSpec{{Name: "video", Source: vid}, {Name: "audio_aac", Source: aud, Track: "audio"}}, nil)
	require.NoError(t, err)
	audio := []mux.Track{mux.CopyTrack("audio_aac"), mux.DropTrack("video")}
	variants := []hls.Variant{
		{Name: "aac", Tracks: audio},
		{Name: "fmp4", Tracks: audio, Container: hls.FMP4},
		{Name: "av", Tracks: []mux.Track{mux.CopyTrack("video"), mux.CopyTrack("audio_aac")}},
	}
	st := s3Storage(t, w, w.Endpoint, "hlsjs/vod", 0)
	out, err := hls.NewWithStorage(multi, st, &hls.Options{SegmentDuration: time.Second, Window: 10, Variants: variants, Queue: 64})
	require.NoError(t, err)
	run(t, format, 200, out) // 4 s
	require.Zero(t, out.Stats().Errors)

	// Anonymous reads only, of the public prefix only.
	assert.Equal(t, http.StatusOK, anonymous(t, http.MethodGet, base+"aac.m3u8"))
	assert.Equal(t, http.StatusForbidden, anonymous(t, http.MethodPut, base+"aac.m3u8"), "no anonymous write")
	_, err = w.Client.PutObject(context.Background(), w.Bucket, "private.txt", strings.NewReader("x"), 1, minio.PutObjectOptions{})
	require.NoError(t, err)
	assert.Equal(t, http.StatusForbidden, anonymous(t, http.MethodGet, w.Endpoint+"/"+w.Bucket+"/private.txt"), "no anonymous read outside the prefix")

	for _, v := range variants {
		page.play(t, v.Name, base+v.Name+".m3u8", v.Name == "av")
	}
	for _, v := range variants {
		r := page.wait(t, v.Name)
		pl := bucketPlaylist(t, w, "hlsjs/vod/"+v.Name+".m3u8")
		require.True(t, pl.endlist)
		assert.NotContains(t, r.Live, true, "%s: a finished stream", v.Name)
		total := 0.0
		for _, d := range pl.extinf {
			total += d
		}
		checkPlayed(t, v.Name, r, pl, total, time.Second, 440, 0.3/math.Sqrt2)
		if v.Name == "av" {
			assert.Equal(t, [2]int{160, 120}, [2]int{r.VideoWidth, r.VideoHeight}, "the pictures' size")
			assert.GreaterOrEqual(t, r.VideoFrames, 75, "4 s of 25 fps pictures decoded (%d dropped)", r.DroppedFrames)
		}
	}
}

// testHLSJSLive produces 8 s of a 660 Hz tone as a live playlist of 1 s
// segments (a window of 4), starting the page once the bucket's playlist
// lists two segments and then producing in step with the player, a few seconds
// ahead of it, as a live encoder is; then the graph closes (ENDLIST).
func testHLSJSLive(t *testing.T, w *peertest.SeaweedFS, page *hlsPage, base string) {
	const freq, amp, ticks, lead = 660, 0.5, 400, 4 * time.Second
	enc, err := encode.Audio(onair.Sine(freq, &onair.GenOptions{Amplitude: amp}), &encode.AudioOptions{BitRate: 96000})
	require.NoError(t, err)
	multi, err := onair.Multitrack([]onair.TrackSpec{{Name: "audio_aac", Source: enc, Track: "audio"}}, nil)
	require.NoError(t, err)
	var playlists atomic.Int64
	out, err := hls.NewWithStorage(multi, s3Storage(t, w, w.Endpoint, "hlsjs/live", 0), &hls.Options{
		SegmentDuration: time.Second, Window: 4, Overhead: 2, Queue: 64,
		Variants: []hls.Variant{{Name: "aac", Tracks: mux.Only("audio_aac")}},
		OnFile: func(ev hls.FileEvent) {
			if ev.Name == "aac.m3u8" && ev.Op != hls.Deleted {
				playlists.Add(1)
			}
		},
	})
	require.NoError(t, err)
	g, clk := onairtest.StartGraph(t, nil, out)
	tick := 20 * time.Millisecond
	produced := 0
	produce := func(until time.Duration) {
		for produced < ticks && time.Duration(produced)*tick < until {
			clk.Tick()
			produced++
		}
	}
	produce(lead)
	deadline := time.Now().Add(time.Minute)
	for playlists.Load() < 2 {
		require.True(t, time.Now().Before(deadline), "the playlist never reached the bucket: %+v", out.Stats())
		time.Sleep(20 * time.Millisecond)
	}
	stored := int(out.Stats().Segments)
	page.play(t, "live", base+"aac.m3u8", false)
	for produced < ticks {
		r := page.run(t, "live")
		require.Empty(t, r.Fatal, "live: %s", r)
		require.True(t, time.Now().Before(deadline), "live: the player did not advance: %s", r)
		produce(time.Duration(r.CurrentTime*float64(time.Second)) + lead)
		time.Sleep(50 * time.Millisecond)
	}
	require.NoError(t, g.Close())
	require.Zero(t, out.Stats().Errors)

	r := page.wait(t, "live")
	pl := bucketPlaylist(t, w, "hlsjs/live/aac.m3u8")
	require.True(t, pl.endlist)
	require.NotEmpty(t, r.Live)
	assert.True(t, r.Live[0], "live: the first playlist loaded was live")
	assert.False(t, r.Live[len(r.Live)-1], "live: the last one had ENDLIST")
	assert.Greater(t, slices.Max(r.Frags), stored+2, "live: segments made after the page started were played (%d stored then)", stored)
	checkPlayed(t, "live", r, pl, (ticks * tick).Seconds(), time.Second, freq, amp/math.Sqrt2)
}
