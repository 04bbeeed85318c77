package hls_test

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/onair-go/onair"
	"github.com/onair-go/onair/fault"
	"github.com/onair-go/onair/internal/faulttest"
	"github.com/onair-go/onair/internal/logtest"
	"github.com/onair-go/onair/internal/peertest"
	"github.com/onair-go/onair/mux"
	"github.com/onair-go/onair/mux/hls"
	"github.com/onair-go/onair/onairtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// s3Storage returns an S3 storage on w's bucket under prefix.
func s3Storage(t *testing.T, w *peertest.SeaweedFS, endpoint, prefix string, timeout time.Duration) *hls.S3 {
	t.Helper()
	st, err := hls.NewS3(context.Background(), &hls.S3Options{
		Endpoint: endpoint, Bucket: w.Bucket, Prefix: prefix,
		AccessKeyID: w.AccessKey, SecretAccessKey: w.SecretKey, Timeout: timeout,
	})
	require.NoError(t, err)
	return st
}

// bucketChecker checks, from OnFile, that every playlist stored in the
// bucket names only segments already stored, and that a deleted segment
// is named by no stored playlist.
type bucketChecker struct {
	t      *testing.T
	c      *minio.Client
	bucket string
	prefix string

	mu       sync.Mutex
	problems []string
	checked  int
}

func (b *bucketChecker) get(name string) (string, error) {
	obj, err := b.c.GetObject(context.Background(), b.bucket, b.prefix+name, minio.GetObjectOptions{})
	if err != nil {
		return "", err
	}
	defer obj.Close()
	data, err := io.ReadAll(obj)
	return string(data), err
}

func (b *bucketChecker) onFile(ev hls.FileEvent) {
	var problems []string
	switch {
	case ev.Op != hls.Deleted && strings.HasSuffix(ev.Name, ".m3u8"):
		pl, err := b.get(ev.Name)
		if unreachable(err) {
			break // the server is down (TestS3ServerDown): nothing to check
		}
		if err != nil {
			problems = append(problems, ev.Name+": "+err.Error())
			break
		}
		for _, line := range strings.Split(pl, "\n") {
			uri := strings.TrimSpace(line)
			if strings.HasPrefix(uri, "#EXT-X-MAP:URI=") {
				uri = strings.Trim(strings.TrimPrefix(uri, "#EXT-X-MAP:URI="), `"`)
			}
			if uri == "" || strings.HasPrefix(uri, "#") {
				continue
			}
			if _, err := b.c.StatObject(context.Background(), b.bucket, b.prefix+uri, minio.StatObjectOptions{}); err != nil && !unreachable(err) {
				problems = append(problems, ev.Name+" names "+uri+" which is not stored: "+err.Error())
			}
		}
	case ev.Op == hls.Deleted:
		for _, p := range []string{"aac.m3u8", "fmp4.m3u8"} {
			pl, err := b.get(p)
			if err == nil && strings.Contains(pl, ev.Name+"\n") {
				problems = append(problems, "deleted "+ev.Name+" while "+p+" names it")
			}
		}
	}
	b.mu.Lock()
	b.problems = append(b.problems, problems...)
	b.checked++
	b.mu.Unlock()
}

// unreachable reports whether err is a failure to reach the server (it
// was killed on purpose), not an answer of the server about the object.
func unreachable(err error) bool {
	return err != nil && minio.ToErrorResponse(err).Code == ""
}

var s3Variants = []hls.Variant{
	{Name: "aac", Tracks: mux.Only("audio_aac_low")},
	{Name: "fmp4", Tracks: mux.Only("audio_aac_high"), Container: hls.FMP4},
}

// TestS3Live streams 20 s of a sine as HLS (MPEG-TS and fMP4 variants, a
// live window, a state file) into a SeaweedFS bucket, checks the order of
// the uploads from OnFile, the objects' headers and the deletions, and
// plays the stream back from the bucket with FFmpeg through ENDLIST.
func TestS3Live(t *testing.T) {
	w := peertest.StartSeaweedFS(t)
	st := s3Storage(t, w, w.Endpoint, "live/radio", 0)
	chk := &bucketChecker{t: t, c: w.Client, bucket: w.Bucket, prefix: "live/radio/"}
	out, err := hls.NewWithStorage(renditions(t, onair.Sine(440, nil)), st, &hls.Options{
		SegmentDuration: time.Second, Window: 3, Overhead: 2, StateFile: "state.json",
		Variants: s3Variants, OnFile: chk.onFile, Queue: 64,
	})
	require.NoError(t, err)
	assert.Empty(t, out.Dir(), "no directory")
	run(t, onair.Format{}, 1000, out)

	s := out.Stats()
	assert.Zero(t, s.Errors, "no storage error")
	assert.Zero(t, s.Dropped, "no round dropped")
	assert.Equal(t, int64(2*20), s.Segments, "20 rounds of 2 variants")
	assert.Empty(t, chk.problems, "upload order")
	assert.Positive(t, chk.checked)

	// What is left: the playlists, the state, the window plus the
	// overhead of each variant and the fMP4 initialization section.
	var keys []string
	for o := range w.Client.ListObjects(context.Background(), w.Bucket, minio.ListObjectsOptions{Prefix: "live/radio/", Recursive: true}) {
		require.NoError(t, o.Err)
		keys = append(keys, strings.TrimPrefix(o.Key, "live/radio/"))
	}
	assert.ElementsMatch(t, []string{"master.m3u8", "aac.m3u8", "fmp4.m3u8", "state.json",
		"aac_15.ts", "aac_16.ts", "aac_17.ts", "aac_18.ts", "aac_19.ts",
		"fmp4_15.m4s", "fmp4_16.m4s", "fmp4_17.m4s", "fmp4_18.m4s", "fmp4_19.m4s", "fmp4_init0.mp4"}, keys)

	head := func(name string) minio.ObjectInfo {
		oi, err := w.Client.StatObject(context.Background(), w.Bucket, "live/radio/"+name, minio.StatObjectOptions{})
		require.NoError(t, err, name)
		return oi
	}
	for name, want := range map[string][2]string{
		"master.m3u8":    {"application/vnd.apple.mpegurl", "public, max-age=1"},
		"aac.m3u8":       {"application/vnd.apple.mpegurl", "public, max-age=1"},
		"aac_19.ts":      {"video/mp2t", "public, max-age=31536000, immutable"},
		"fmp4_19.m4s":    {"audio/mp4", "public, max-age=31536000, immutable"},
		"fmp4_init0.mp4": {"audio/mp4", "public, max-age=31536000, immutable"},
		"state.json":     {"application/json", "no-store"},
	} {
		oi := head(name)
		assert.Equal(t, want[0], oi.ContentType, "%s Content-Type", name)
		assert.Equal(t, want[1], oi.Metadata.Get("Cache-Control"), "%s Cache-Control", name)
	}

	// Played back from the bucket (through a signing read-only front, as
	// a CDN reads a private bucket).
	base := w.ReadProxy() + "/live/radio/"
	for _, v := range s3Variants {
		p := ffprobe(t, base+v.Name+".m3u8", true)
		require.Len(t, p.Streams, 1, v.Name)
		assert.Equal(t, "aac", p.Streams[0].CodecName)
		rate, err := strconv.ParseFloat(p.Streams[0].SampleRate, 64)
		require.NoError(t, err)
		assert.InDelta(t, 3.0, float64(len(p.Packets))*1024/rate, 0.05, "%s: the window's 3 s, through ENDLIST", v.Name)
		checkMonotonic(t, v.Name, p)
	}
	assert.Empty(t, ffmpegWarnings(t, base+"master.m3u8"), "master decodes without a message")
	pl, err := chk.get("aac.m3u8")
	require.NoError(t, err)
	assert.True(t, parse(t, pl).endlist, "ENDLIST in the bucket's playlist")

	// A second run resumes from the state file in the bucket.
	out2, err := hls.NewWithStorage(renditions(t, onair.Sine(440, nil)), st, &hls.Options{
		SegmentDuration: time.Second, Window: 3, Overhead: 2, StateFile: "state.json", Variants: s3Variants, Queue: 64,
	})
	require.NoError(t, err)
	run(t, onair.Format{}, 100, out2)
	pl, err = chk.get("aac.m3u8")
	require.NoError(t, err)
	p := parse(t, pl)
	require.Contains(t, p.uris, "aac_20.ts", "numbering goes on: %v", p.uris)
	assert.Equal(t, []int{slices.Index(p.uris, "aac_20.ts")}, p.discs, "the resumed run starts with a discontinuity")
}

// checkMonotonic checks that packet timestamps never go back (ffprobe
// gives the AAC frames of one PES the same time).
func checkMonotonic(t *testing.T, name string, p *probe) {
	t.Helper()
	last := -1.0
	for i, pk := range p.Packets {
		v, err := strconv.ParseFloat(pk.PTSTime, 64)
		require.NoError(t, err)
		assert.GreaterOrEqual(t, v, last, "%s: packet %d's pts %v after %v", name, i, v, last)
		last = v
	}
}

// TestS3Rejected checks the errors NewS3 gives at start: wrong secret,
// unknown key, missing bucket, nobody listening.
func TestS3Rejected(t *testing.T) {
	w := peertest.StartSeaweedFS(t)
	ctx := context.Background()
	base := hls.S3Options{Endpoint: w.Endpoint, Bucket: w.Bucket, AccessKeyID: w.AccessKey, SecretAccessKey: w.SecretKey, Timeout: 2 * time.Second}

	o := base
	o.SecretAccessKey = "wrong"
	_, err := hls.NewS3(ctx, &o)
	assert.ErrorIs(t, err, hls.ErrS3Credentials, "wrong secret")
	o = base
	o.AccessKeyID = "nobody"
	_, err = hls.NewS3(ctx, &o)
	assert.ErrorIs(t, err, hls.ErrS3Credentials, "unknown key")
	o = base
	o.Bucket = "missing"
	_, err = hls.NewS3(ctx, &o)
	assert.ErrorIs(t, err, hls.ErrS3Bucket, "missing bucket")
	o = base
	o.Endpoint = "http://127.0.0.1:" + strconv.Itoa(peertest.FreePort(t))
	_, err = hls.NewS3(ctx, &o)
	assert.ErrorIs(t, err, hls.ErrS3Unavailable, "nobody listening")
	o = base
	o.Endpoint = "ftp://127.0.0.1"
	_, err = hls.NewS3(ctx, &o)
	assert.ErrorIs(t, err, hls.ErrOption, "not http")
	_, err = hls.NewS3(ctx, &hls.S3Options{Endpoint: w.Endpoint})
	assert.ErrorIs(t, err, hls.ErrOption, "no bucket")

	// The environment variables stand in for the options.
	t.Setenv("AWS_ENDPOINT_URL", w.Endpoint)
	t.Setenv("AWS_ACCESS_KEY_ID", w.AccessKey)
	t.Setenv("AWS_SECRET_ACCESS_KEY", w.SecretKey)
	t.Setenv("AWS_REGION", "us-east-1")
	st, err := hls.NewS3(ctx, &hls.S3Options{Bucket: w.Bucket})
	require.NoError(t, err, "from the environment")
	require.NoError(t, st.Put(ctx, "env.txt", []byte("x"), hls.Meta{ContentType: "text/plain"}))
	b, err := st.Get(ctx, "env.txt")
	require.NoError(t, err)
	assert.Equal(t, "x", string(b))
	_, err = st.Get(ctx, "nothing.txt")
	assert.True(t, errors.Is(err, fs.ErrNotExist), "a missing object is fs.ErrNotExist: %v", err)
	require.NoError(t, st.Delete(ctx, "env.txt"))
	require.NoError(t, st.Delete(ctx, "env.txt"), "deleting a missing object")

	// Credentials revoked while running: a clear error at once, not a
	// retry loop (one request reaches the server).
	var puts atomic.Int64
	ep := faultProxy(t, w.Endpoint, func(r *http.Request) bool {
		if r.Method == http.MethodPut {
			puts.Add(1)
		}
		return false
	})
	st, err = hls.NewS3(ctx, &hls.S3Options{Endpoint: ep, Bucket: w.Bucket, AccessKeyID: w.AccessKey, SecretAccessKey: "revoked", SkipCheck: true, Timeout: time.Minute})
	require.NoError(t, err)
	err = st.Put(ctx, "x.ts", []byte("x"), hls.Meta{})
	assert.ErrorIs(t, err, hls.ErrS3Credentials)
	assert.Equal(t, int64(1), puts.Load(), "not retried")
}

// faultProxy sits between the output and SeaweedFS: it answers 503 to the
// requests fail picks and forwards the others (the Host header kept, so
// the signatures hold).
func faultProxy(t *testing.T, target string, fail func(r *http.Request) bool) string {
	u, err := url.Parse(target)
	require.NoError(t, err)
	rp := httputil.NewSingleHostReverseProxy(u)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if fail(r) {
			_, _ = io.Copy(io.Discard, r.Body)
			http.Error(w, "<Error><Code>ServiceUnavailable</Code><Message>injected</Message></Error>", http.StatusServiceUnavailable)
			return
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestS3Transient5xx: two of every three PUTs answered 503; the retries
// store every file, in order.
func TestS3Transient5xx(t *testing.T) {
	w := peertest.StartSeaweedFS(t)
	var n atomic.Int64
	ep := faultProxy(t, w.Endpoint, func(r *http.Request) bool { return r.Method == http.MethodPut && n.Add(1)%3 != 0 })
	st := s3Storage(t, w, ep, "flaky", 0)
	chk := &bucketChecker{t: t, c: w.Client, bucket: w.Bucket, prefix: "flaky/"}
	out, err := hls.NewWithStorage(renditions(t, onair.Sine(440, nil)), st, &hls.Options{
		SegmentDuration: time.Second, Window: 3, Variants: s3Variants[:1], OnFile: chk.onFile, Queue: 64,
	})
	require.NoError(t, err)
	run(t, onair.Format{}, 300, out)
	assert.Zero(t, out.Stats().Errors, "every 503 retried")
	assert.Equal(t, int64(6), out.Stats().Segments)
	assert.Empty(t, chk.problems)
	assert.Greater(t, n.Load(), int64(2*6), "503s were injected")
	pl, err := chk.get("aac.m3u8")
	require.NoError(t, err)
	assert.True(t, parse(t, pl).endlist)
}

// TestS3ServerDown kills SeaweedFS mid-stream: the clock goes on (the
// manual clock's Tick returns), rounds that cannot be stored are dropped
// and logged, and when the server is back the stream goes on after a
// discontinuity and plays through ENDLIST.
func TestS3ServerDown(t *testing.T) {
	w := peertest.StartSeaweedFS(t)
	logs := &logtest.Handler{}
	st, err := hls.NewS3(context.Background(), &hls.S3Options{
		Endpoint: w.Endpoint, Bucket: w.Bucket, Prefix: "down", Timeout: time.Second,
		AccessKeyID: w.AccessKey, SecretAccessKey: w.SecretKey, Logger: slog.New(logs),
	})
	require.NoError(t, err)
	chk := &bucketChecker{t: t, c: w.Client, bucket: w.Bucket, prefix: "down/"}
	fl := faulttest.New()
	fl.Next = logs
	out, err := hls.NewWithStorage(renditions(t, onair.Sine(440, nil)), st, &hls.Options{
		SegmentDuration: time.Second, Window: 5, Variants: s3Variants[:1], OnFile: chk.onFile,
		Queue: 2, Logger: fl.Logger(),
	})
	require.NoError(t, err)
	g, clk := onairtest.StartGraph(t, nil, out)
	tickUntil := func(what string, cond func(hls.Stats) bool) {
		t.Helper()
		deadline := time.Now().Add(2 * time.Minute)
		for !cond(out.Stats()) {
			require.True(t, time.Now().Before(deadline), "%s: %+v", what, out.Stats())
			clk.Tick()
		}
	}
	tickUntil("3 rounds stored", func(s hls.Stats) bool { return s.Segments >= 3 })
	w.Kill()
	tickUntil("a round failed and one dropped", func(s hls.Stats) bool { return s.Errors >= 1 && s.Dropped >= 1 })
	before := out.Stats().Segments
	w.Start()
	tickUntil("3 more rounds stored", func(s hls.Stats) bool { return s.Segments >= before+3 })
	require.NoError(t, g.Close())

	assert.Empty(t, chk.problems, "upload order")
	assert.Positive(t, len(logs.Find("segments dropped")), "drops are logged")
	assert.Positive(t, len(logs.Find("writing segment failed")), "failed uploads are logged")
	assert.Positive(t, len(logs.Find("retrying")), "retries are logged")
	// Each dropped round and each storage error is one record, counted once.
	fl.Check(t, fault.SegmentDropped, fault.KeyOutput, out.Node().ID(), int(out.Stats().Dropped))
	fl.Check(t, fault.StorageError, fault.KeyOutput, out.Node().ID(), int(out.Stats().Errors), fault.KeyPath, fault.KeyErr)
	pl, err := chk.get("aac.m3u8")
	require.NoError(t, err)
	p := parse(t, pl)
	assert.True(t, p.endlist)
	assert.NotEmpty(t, p.discs, "the lost rounds are a discontinuity:\n%s", pl)
	base := w.ReadProxy() + "/down/"
	pr := ffprobe(t, base+"aac.m3u8", true)
	require.Len(t, pr.Streams, 1)
	assert.NotEmpty(t, pr.Packets)
	checkMonotonic(t, "aac", pr)
}
