package peertest_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"testing"

	"github.com/minio/minio-go/v7"
	"github.com/onair-go/onair/internal/peertest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSeaweedFS: the bucket takes signed writes, refuses anonymous reads,
// keeps its data across Kill and Start, and the read proxy serves it.
func TestSeaweedFS(t *testing.T) {
	w := peertest.StartSeaweedFS(t)
	ctx := context.Background()
	_, err := w.Client.PutObject(ctx, w.Bucket, "a/b.txt", bytes.NewReader([]byte("hello")), 5,
		minio.PutObjectOptions{ContentType: "text/plain", CacheControl: "max-age=1"})
	require.NoError(t, err)
	resp, err := http.Get(w.Endpoint + "/" + w.Bucket + "/a/b.txt")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusForbidden, resp.StatusCode, "anonymous read refused")

	w.Kill()
	w.Start()
	resp, err = http.Get(w.ReadProxy() + "/a/b.txt")
	require.NoError(t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	assert.Equal(t, "hello", string(b), "kept across a restart, served by the proxy")
	assert.Equal(t, "text/plain", resp.Header.Get("Content-Type"))
	assert.Equal(t, "max-age=1", resp.Header.Get("Cache-Control"))
}
