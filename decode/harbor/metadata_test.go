package harbor

import (
	"io"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/onair-go/onair"
)

// TestMetadataRequests covers the metadata updates of real clients.
func TestMetadataRequests(t *testing.T) {
	fh := startFake(t, Options{})
	get := func(t *testing.T, query string, auth bool) (int, string) {
		req, err := http.NewRequest(http.MethodGet, "http://"+fh.addr+"/admin/metadata?"+query, nil)
		require.NoError(t, err)
		if auth {
			req.SetBasicAuth("source", "hackme")
		}
		resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return resp.StatusCode, string(body)
	}
	code, body := get(t, "mode=updinfo&mount=/live&song=Too%20early", true)
	assert.Equal(t, 400, code)
	assert.Contains(t, body, "<message>Source does not exist</message><return>0</return>")

	fh.startSource(t)
	fh.sink.wait(t, "Play", func(f *fakeSink) bool { return f.playing == 1 })
	for _, tc := range []struct {
		name, query string
		want        onair.Metadata
	}{
		{"song (ffmpeg, curl)", "mode=updinfo&mount=/live&song=Artist%20-%20Song", onair.Metadata{"title": "Artist - Song"}},
		{"libshout: URL-encoded mount, artist and title", "mode=updinfo&mount=%2flive&charset=UTF%2d8&artist=Gen%20Artist&title=Track%201", onair.Metadata{"artist": "Gen Artist", "title": "Track 1"}},
		{"liquidsoap: all three", "mode=updinfo&mount=/live&charset=UTF-8&title=T&artist=A&song=A%20%2D%20T", onair.Metadata{"artist": "A", "title": "T"}},
		{"mount without slash, Latin-1", "mode=updinfo&mount=live&charset=ISO-8859-1&song=" + url.QueryEscape("Caf\xe9"), onair.Metadata{"title": "Café"}},
		{"undeclared Latin-1", "mode=updinfo&mount=/live&song=" + url.QueryEscape("Na\xefve"), onair.Metadata{"title": "Naïve"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fh.sink.mu.Lock()
			before := len(fh.sink.meta)
			fh.sink.mu.Unlock()
			code, _ := get(t, tc.query, false)
			assert.Equal(t, 401, code, "the first try without credentials is challenged")
			code, body := get(t, tc.query, true)
			require.Equal(t, 200, code, body)
			assert.Equal(t, "<?xml version=\"1.0\"?>\n<iceresponse><message>Metadata update successful</message><return>1</return></iceresponse>\n", body)
			// An update that arrives while the stream is still being taken
			// is applied when it starts: wait for it.
			fh.sink.wait(t, "the metadata", func(f *fakeSink) bool { return len(f.meta) > before })
			fh.sink.mu.Lock()
			assert.Equal(t, tc.want, fh.sink.meta[len(fh.sink.meta)-1])
			fh.sink.mu.Unlock()
		})
	}
	for _, tc := range []struct {
		name, query string
		code        int
		msg         string
	}{
		{"unknown mount", "mode=updinfo&mount=/nope&song=x", 400, "Source does not exist"},
		{"no mount", "mode=updinfo&song=x", 400, "Missing parameter: mount"},
		{"other mode", "mode=stats&mount=/live", 400, "Unsupported mode"},
		{"no metadata", "mode=updinfo&mount=/live", 400, "No metadata"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, body := get(t, tc.query, true)
			assert.Equal(t, tc.code, code)
			assert.Contains(t, body, tc.msg)
			assert.Contains(t, body, "<return>0</return>")
		})
	}
	t.Run("repeated", func(t *testing.T) {
		// GStreamer repeats its title: the same update twice in a row
		// inserts it once.
		for range 2 {
			code, body := get(t, "mode=updinfo&mount=/live&song=Again", true)
			require.Equal(t, 200, code, body)
		}
	})
	fh.sink.mu.Lock()
	assert.Len(t, fh.sink.meta, 6, "refused and repeated updates insert nothing")
	fh.sink.mu.Unlock()
}

// A metadata update that arrives while the source client's stream is
// being taken (its request is in, the stream not accepted yet: Liquidsoap
// sends both at once) is kept and applied when the stream starts, instead
// of being refused and lost.
func TestMetadataBeforeStreamStarts(t *testing.T) {
	fh := startFake(t, Options{})
	m := fh.m
	m.mu.Lock()
	m.client = &Client{Mount: "/live"} // connecting: not accepted yet
	m.mu.Unlock()
	req, err := http.NewRequest(http.MethodGet, "http://"+fh.addr+"/admin/metadata?mode=updinfo&mount=/live&song=Early%20Bird", nil)
	require.NoError(t, err)
	req.SetBasicAuth("source", "hackme")
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, 200, resp.StatusCode)
	fh.sink.mu.Lock()
	require.Empty(t, fh.sink.meta, "not applied before the stream")
	fh.sink.mu.Unlock()
	m.accept()
	fh.sink.mu.Lock()
	defer fh.sink.mu.Unlock()
	require.Len(t, fh.sink.meta, 1)
	assert.Equal(t, onair.Metadata{"title": "Early Bird"}, fh.sink.meta[0])
}
