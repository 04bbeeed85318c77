package hls_test

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/mux"
	"github.com/onair-go/onair/mux/hls"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestHandler serves a finished output and checks MIME types, CORS,
// caching, methods, byte ranges and that nothing but the output's files
// can be reached.
func TestHandler(t *testing.T) {
	dir := t.TempDir()
	out, err := hls.New(renditions(t, onair.Sine(440, nil)), dir, &hls.Options{
		SegmentDuration: time.Second, Window: 3, StateFile: "state.json",
		Variants: []hls.Variant{
			{Name: "ts", Tracks: mux.Only("audio_aac_low")},
			{Name: "mp4", Tracks: mux.Only("audio_aac_high"), Container: hls.FMP4},
		},
	})
	require.NoError(t, err)
	run(t, onair.Format{}, 250, out)
	// Something outside the output's files, in and out of the directory.
	require.NoError(t, os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("private"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(filepath.Dir(dir), "secret.m3u8"), []byte("#EXTM3U"), 0o644))
	require.NoError(t, os.Symlink(filepath.Join(filepath.Dir(dir), "secret.m3u8"), filepath.Join(dir, "ts_999.ts")))
	base := serve(t, out)
	mp4 := readPlaylist(t, filepath.Join(dir, "mp4.m3u8"))
	ts := readPlaylist(t, filepath.Join(dir, "ts.m3u8"))
	require.NotEmpty(t, mp4.maps)

	for _, c := range []struct {
		path, mime string
		playlist   bool
	}{
		{"/master.m3u8", "application/vnd.apple.mpegurl", true},
		{"/ts.m3u8", "application/vnd.apple.mpegurl", true},
		{"/" + ts.uris[0], "video/mp2t", false},
		{"/" + mp4.uris[0], "audio/mp4", false},
		{"/" + mp4.maps[0], "audio/mp4", false},
	} {
		resp := get(t, http.MethodGet, base+c.path, nil)
		body, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode, c.path)
		assert.Equal(t, c.mime, resp.Header.Get("Content-Type"), c.path)
		assert.Equal(t, "*", resp.Header.Get("Access-Control-Allow-Origin"), c.path)
		cache := resp.Header.Get("Cache-Control")
		if c.playlist {
			assert.Equal(t, "no-cache", cache, c.path)
			assert.True(t, strings.HasPrefix(string(body), "#EXTM3U\n"), c.path)
		} else {
			assert.Contains(t, cache, "max-age=", c.path)
			want, err := os.ReadFile(filepath.Join(dir, strings.TrimPrefix(c.path, "/")))
			require.NoError(t, err)
			assert.Equal(t, want, body, "%s: the file's bytes", c.path)
		}
	}

	// Byte ranges and HEAD.
	resp := get(t, http.MethodGet, base+"/"+ts.uris[0], map[string]string{"Range": "bytes=0-187"})
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, http.StatusPartialContent, resp.StatusCode)
	require.Len(t, b, 188)
	assert.Equal(t, byte(0x47), b[0], "an MPEG-TS packet")
	resp = get(t, http.MethodHead, base+"/master.m3u8", nil)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.NotEmpty(t, resp.Header.Get("Content-Length"))

	// CORS preflight and other methods.
	resp = get(t, http.MethodOptions, base+"/master.m3u8", map[string]string{
		"Origin": "http://player.example", "Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "range"})
	resp.Body.Close()
	assert.Equal(t, http.StatusNoContent, resp.StatusCode)
	assert.Equal(t, "*", resp.Header.Get("Access-Control-Allow-Origin"))
	assert.Contains(t, resp.Header.Get("Access-Control-Allow-Methods"), "GET")
	assert.Contains(t, resp.Header.Get("Access-Control-Allow-Headers"), "Range")
	resp = get(t, http.MethodPost, base+"/master.m3u8", nil)
	resp.Body.Close()
	assert.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode)

	// Nothing else: other files, the state, temporary names, traversal,
	// a symlink out of the directory.
	for _, p := range []string{
		"/notes.txt", "/state.json", "/.ts.m3u8.tmp", "/ts_0.ts.tmp", "/other.m3u8", "/ts_x.ts", "/ts_1.m4s.", "/",
		"/ts_999.ts", "/sub/ts.m3u8", "/../secret.m3u8", "/%2e%2e/secret.m3u8", "/..%2fsecret.m3u8", "/ts_init1.mp4",
	} {
		assert.Equal(t, http.StatusNotFound, rawGet(t, base, p), p)
	}
}

func get(t *testing.T, method, url string, headers map[string]string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	require.NoError(t, err)
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	return resp
}

// rawGet sends a request line as given (no client-side cleaning of the
// path) and returns the status code.
func rawGet(t *testing.T, base, path string) int {
	t.Helper()
	conn, err := net.DialTimeout("tcp", strings.TrimPrefix(base, "http://"), 5*time.Second)
	require.NoError(t, err)
	defer conn.Close()
	require.NoError(t, conn.SetDeadline(time.Now().Add(10*time.Second)))
	_, err = io.WriteString(conn, "GET "+path+" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
	require.NoError(t, err)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	require.NoError(t, err)
	resp.Body.Close()
	return resp.StatusCode
}
