package decode_test

import (
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/onair-go/onair/decode"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestLocalFileCannotReachNetwork checks that a local file that is really
// an HLS playlist pointing at an HTTP server is refused instead of followed:
// opening local media must never make network requests.
func TestLocalFileCannotReachNetwork(t *testing.T) {
	dir := t.TempDir()
	seg := filepath.Join(dir, "seg.ts")
	out, err := exec.Command("ffmpeg", "-v", "error", "-f", "lavfi", "-i", "sine=d=1",
		"-c:a", "mp2", "-f", "mpegts", "-y", seg).CombinedOutput()
	require.NoError(t, err, string(out))
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		http.ServeFile(w, r, seg)
	}))
	defer srv.Close()

	p := filepath.Join(dir, "list.m3u8")
	body := "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:1\n#EXTINF:1.0,\n" + srv.URL + "/seg.ts\n#EXT-X-ENDLIST\n"
	require.NoError(t, os.WriteFile(p, []byte(body), 0o644))
	src, err := decode.File(p, nil)
	if err == nil {
		src.Close()
	}
	require.Error(t, err, "a playlist inside a local file must not be followed to the network")
	var pe *decode.PathError
	assert.ErrorAs(t, err, &pe)
	assert.Zero(t, hits.Load(), "no request reached the server")
}
