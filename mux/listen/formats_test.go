package listen_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/encode"
	"github.com/onair-go/onair/mux/listen"
	"github.com/onair-go/onair/onairtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestLateListenerFormats: for AAC in ADTS and in MPEG-TS, a listener
// that joins a running stream starts on a unit FFmpeg can start on (an
// ADTS frame, a TS packet with the program tables) and decodes without a
// warning.
func TestLateListenerFormats(t *testing.T) {
	for _, c := range []struct{ path, format, ctype string }{
		{"/radio.aac", "aac", "audio/aac"},
		{"/radio.ts", "mpegts", "video/mp2t"},
	} {
		t.Run(c.format, func(t *testing.T) {
			enc, err := encode.Audio(onair.Sine(440, nil), &encode.AudioOptions{Codec: "aac", BitRate: 128000})
			require.NoError(t, err)
			srv := newServer(t, nil)
			ev := newEvents()
			m, err := srv.Mount(c.path, enc, ev.hook(&listen.MountOptions{BurstSize: 8 << 10}))
			require.NoError(t, err)
			url := serve(t, srv) + c.path
			_, clk := onairtest.StartGraph(t, nil, m)
			ref := dial(t, url, nil, false)
			ev.waitConnect(t)
			for range 150 {
				clk.Tick()
			}
			before := m.Stats().Bytes
			late := dial(t, url, nil, false)
			ev.waitConnect(t)
			assert.Equal(t, c.ctype, late.resp.Header.Get("Content-Type"))
			for range 100 {
				clk.Tick()
			}
			total := m.Stats().Bytes
			ref.waitBytes(t, total)
			late.waitBytes(t, 2048)
			full, _ := ref.data()
			got, _ := late.data()
			start := int64(bytes.Index(full, got[:2048]))
			require.GreaterOrEqual(t, start, before-8<<10, "within the burst, or after")
			if c.format == "mpegts" {
				assert.Equal(t, []byte{0x47, 0x40, 0x00}, full[start:start+3], "starts with a PAT packet")
			} else {
				assert.Equal(t, byte(0xFF), full[start], "starts with an ADTS header")
			}
			late.waitBytes(t, total-start)
			got, _ = late.data()
			assert.Equal(t, full[start:total], got[:total-start])
			assert.Empty(t, decodeErrors(t, "warning", c.format, got))
		})
	}
}

// TestHTTP2: through HTTP/2 (a TLS server of the caller's, where the
// connection cannot be hijacked) the stream goes through the
// ResponseWriter, with the same headers and ICY metadata.
func TestHTTP2(t *testing.T) {
	enc, sine := mp3Source(t)
	srv := newServer(t, nil)
	ev := newEvents()
	m, err := srv.Mount("/radio.mp3", enc, ev.hook(&listen.MountOptions{MetaInterval: 1000}))
	require.NoError(t, err)
	hs := httptest.NewUnstartedServer(srv)
	hs.EnableHTTP2 = true
	hs.StartTLS()
	t.Cleanup(hs.Close)
	t.Cleanup(func() { require.NoError(t, srv.Close()) })
	_, clk := onairtest.StartGraph(t, nil, m)

	req, _ := http.NewRequest(http.MethodGet, hs.URL+"/radio.mp3", nil)
	req.Header.Set("Icy-MetaData", "1")
	resp, err := hs.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	assert.Equal(t, "HTTP/2.0", resp.Proto)
	assert.Equal(t, "audio/mpeg", resp.Header.Get("Content-Type"))
	assert.Equal(t, "1000", resp.Header.Get("icy-metaint"))
	ev.waitConnect(t)
	sine.InsertMetadata(onair.Metadata{"title": "Over h2"}, false)
	for range 20 {
		clk.Tick()
	}
	body := make([]byte, 1000+1+2*16)
	_, err = io.ReadFull(resp.Body, body)
	require.NoError(t, err)
	assert.Equal(t, "ID3", string(body[:3]))
	assert.Equal(t, byte(2), body[1000])
	assert.Equal(t, "StreamTitle='Over h2';", string(bytes.TrimRight(body[1001:], "\x00")))
	require.NoError(t, srv.Close())
	d := ev.waitDisconnect(t)
	assert.ErrorIs(t, d.err, listen.ErrServerClosed)
}
