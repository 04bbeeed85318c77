package harbor_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/onairtest"
)

// streamLen is how long each client streams.
const streamLen = 3 * time.Second

// clientWait bounds a client's run (start-up, streaming, exit).
const clientWait = 45 * time.Second

// checkStream checks what the graph got from a client that streamed the
// 440 Hz tone of media for d: one whole track (track marks at its start
// and end) of d, at the tone's level and pitch. The duration may differ
// by the MP3 encoder's delay and padding.
func checkStream(t *testing.T, r *rig, d time.Duration) *onairtest.Capture {
	t.Helper()
	return checkStreamTol(t, r, d, 150*time.Millisecond)
}

func checkStreamTol(t *testing.T, r *rig, d, tol time.Duration) *onairtest.Capture {
	t.Helper()
	c := r.rec.Capture()
	require.NotZero(t, c.Len(), "no live audio reached the graph")
	assert.InDelta(t, d.Seconds(), c.Duration().Seconds(), tol.Seconds(), "duration of the live audio")
	start, end := liveBlock(c)
	require.Greater(t, end-start, 44100/2, "the live audio is silent")
	// The pitch and level of the middle (the encoder's priming and
	// padding are not the tone).
	rms, freq := tone(c.Audio[0][start+4410 : end-4410])
	// lavfi's sine is at 1/8 (RMS 0.088), mono: -3 dB on each channel of
	// the stereo graph.
	assert.InDelta(t, 0.0625, rms, 0.015, "level of the tone")
	assert.InDelta(t, 440, freq, 5, "pitch of the tone")
	assert.Less(t, start, 44100/10, "the tone starts at the start of the track")
	assert.Greater(t, end, c.Len()-44100/10, "the tone lasts to the end of the track")
	require.NotEmpty(t, c.Marks)
	assert.Equal(t, 0, c.Marks[0], "a track mark starts the stream")
	assert.Equal(t, c.Len(), c.Marks[len(c.Marks)-1], "a track mark ends it at the disconnect")
	if l, ok := r.latency(); ok {
		t.Logf("connect-to-ready %v (prebuffer %v), %v of audio", l.Round(time.Millisecond), prebuffer, c.Duration())
	}
	return c
}

// metaAt returns the position of the first metadata whose key is value.
func metaAt(c *onairtest.Capture, key, value string) (int, bool) {
	for _, m := range c.Metadata {
		if m.Metadata[key] == value {
			return m.Pos, true
		}
	}
	return 0, false
}

func requireMeta(t *testing.T, c *onairtest.Capture, key, value string) int {
	t.Helper()
	pos, ok := metaAt(c, key, value)
	require.True(t, ok, "no metadata %s=%q in %v", key, value, c.Metadata)
	return pos
}

// updinfo sends a metadata update as source clients do.
func updinfo(t *testing.T, port string, q url.Values) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, "http://127.0.0.1:"+port+"/admin/metadata?"+q.Encode(), nil)
	require.NoError(t, err)
	req.SetBasicAuth("source", password)
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	require.Equal(t, http.StatusOK, resp.StatusCode, string(body))
}

// TestFFmpegPut streams with FFmpeg's icecast:// (PUT, Expect:
// 100-continue, an ID3 tag at the start of the MP3), updates the title
// mid-stream, and sends bad clients at the harbor meanwhile: the live
// audio still arrives whole.
func TestFFmpegPut(t *testing.T) {
	t.Parallel()
	r := newRig(t, rigOptions{mount: "/live.mp3"})
	ff := start(t, "ffmpeg", "-nostdin", "-v", "error", "-re", "-f", "lavfi", "-i",
		"sine=frequency=440:sample_rate=44100:duration="+seconds(streamLen),
		"-c:a", "libmp3lame", "-b:a", "128k", "-metadata", "title=FFmpeg Tag",
		"-content_type", "audio/mpeg", "-ice_name", "FFmpeg test",
		"-f", "mp3", "icecast://source:"+password+"@127.0.0.1:"+r.port+"/live.mp3")
	cl := r.waitConnect(clientWait)
	assert.Equal(t, "PUT", cl.Method)
	assert.Equal(t, "FFmpeg test", cl.Header.Get("Ice-Name"))
	r.waitReady(clientWait)
	updinfo(t, r.port, url.Values{"mode": {"updinfo"}, "mount": {"/live.mp3"}, "song": {"Admin Song"}})
	badClients(t, r)
	ff.wait(t, clientWait)
	require.NoError(t, r.waitDisconnect(clientWait))
	c := checkStream(t, r, streamLen)
	assert.Equal(t, 0, requireMeta(t, c, "title", "FFmpeg Tag"), "the ID3 tag's title comes with the track")
	assert.Greater(t, requireMeta(t, c, "title", "Admin Song"), 0, "the update comes at the decode position")
}

// badClients hits the harbor with clients it must refuse while r's mount
// streams, and checks each answer.
func badClients(t *testing.T, r *rig) {
	t.Helper()
	addr := "127.0.0.1:" + r.port
	auth := "Authorization: Basic c291cmNlOmhhY2ttZQ==\r\n" // source:hackme
	for _, bc := range []struct{ name, raw, status string }{
		{"busy", "PUT " + r.m.Path() + " HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n" + auth + "\r\n", "403"},
		{"wrong password", "SOURCE " + r.m.Path() + " HTTP/1.0\r\nAuthorization: Basic c291cmNlOm5vcGU=\r\n\r\n", "401"},
		{"garbage", "\x00\x01\x02 garbage \xff\r\n\r\n", "400"},
		{"oversized headers", "SOURCE " + r.m.Path() + " HTTP/1.0\r\nX: " + strings.Repeat("x", 16<<10) + "\r\n\r\n", "431"},
	} {
		c, err := net.DialTimeout("tcp", addr, 5*time.Second)
		require.NoError(t, err)
		require.NoError(t, c.SetDeadline(time.Now().Add(10*time.Second)))
		_, err = io.WriteString(c, bc.raw)
		require.NoError(t, err, bc.name)
		line, err := bufio.NewReader(c).ReadString('\n')
		require.NoError(t, err, bc.name)
		assert.Contains(t, line, " "+bc.status+" ", bc.name)
		c.Close()
	}
}

// TestFFmpegLegacySource streams with FFmpeg's legacy SOURCE method
// (HTTP/1.1, no Expect).
func TestFFmpegLegacySource(t *testing.T) {
	t.Parallel()
	r := newRig(t, rigOptions{mount: "/legacy"})
	ff := start(t, "ffmpeg", "-nostdin", "-v", "error", "-re", "-f", "lavfi", "-i",
		"sine=frequency=440:sample_rate=44100:duration="+seconds(streamLen),
		"-c:a", "libmp3lame", "-b:a", "128k", "-content_type", "audio/mpeg", "-legacy_icecast", "1",
		"-f", "mp3", "icecast://source:"+password+"@127.0.0.1:"+r.port+"/legacy")
	cl := r.waitConnect(clientWait)
	assert.Equal(t, "SOURCE", cl.Method)
	ff.wait(t, clientWait)
	require.NoError(t, r.waitDisconnect(clientWait))
	// FFmpeg never reads the harbor's "200 OK" to SOURCE, so its socket
	// closes with unread data: a reset, which may discard the last bytes
	// it sent before they were read.
	checkStreamTol(t, r, streamLen, 300*time.Millisecond)
}

// TestCurl sends an MP3 file with curl: PUT (Content-Length), SOURCE,
// SOURCE over HTTP/1.0, PUT from a pipe (chunked), and the wrong
// Content-Type (what VLC announces).
func TestCurl(t *testing.T) {
	t.Parallel()
	file := media(t, "tone.mp3", streamLen, "-c:a", "libmp3lame", "-b:a", "128k", "-metadata", "title=Curl Tag")
	for _, tc := range []struct {
		name, method string
		args         []string
		pipe         bool
	}{
		{"PUT", "PUT", []string{"-H", "Content-Type: audio/mpeg"}, false},
		{"SOURCE", "SOURCE", []string{"-X", "SOURCE", "-H", "Expect:", "-H", "Content-Type: audio/mpeg"}, false},
		{"SOURCE HTTP/1.0", "SOURCE", []string{"--http1.0", "-X", "SOURCE", "-H", "Content-Type: audio/mpeg"}, false},
		{"PUT chunked from a pipe", "PUT", []string{"-H", "Content-Type: audio/mpeg"}, true},
		{"wrong Content-Type", "PUT", []string{"-H", "Content-Type: application/ogg"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := newRig(t, rigOptions{mount: "/curl"})
			args := append([]string{"-sS", "--fail", "--limit-rate", "32k", "-u", "source:" + password}, tc.args...)
			var p *proc
			if tc.pipe {
				f, err := os.Open(file)
				require.NoError(t, err)
				defer f.Close()
				p = startIn(t, struct{ io.Reader }{f}, "curl", append(args, "-T", "-", "http://127.0.0.1:"+r.port+"/curl")...)
			} else {
				p = start(t, "curl", append(args, "-T", file, "http://127.0.0.1:"+r.port+"/curl")...)
			}
			cl := r.waitConnect(clientWait)
			assert.Equal(t, tc.method, cl.Method)
			p.wait(t, clientWait)
			require.NoError(t, r.waitDisconnect(clientWait))
			c := checkStream(t, r, streamLen)
			requireMeta(t, c, "title", "Curl Tag")
		})
	}
}

// TestEzstream streams with ezstream (libshout): OPTIONS with Upgrade:
// TLS first, the unauthenticated probe, then the stream; the title from
// the file's tags arrives as artist and title in a metadata update on the
// URL-encoded mount (%2fez%2emp3).
func TestEzstream(t *testing.T) {
	t.Parallel()
	file := media(t, "track.mp3", streamLen, "-c:a", "libmp3lame", "-b:a", "128k",
		"-metadata", "title=Track 1", "-metadata", "artist=Gen Artist")
	r := newRig(t, rigOptions{mount: "/ez.mp3"})
	cfg := filepath.Join(t.TempDir(), "ezstream.xml")
	require.NoError(t, os.WriteFile(cfg, []byte(fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8"?>
<ezstream>
  <servers><server><hostname>127.0.0.1</hostname><port>%s</port><password>%s</password><tls>May</tls></server></servers>
  <streams><stream><mountpoint>/ez.mp3</mountpoint><format>MP3</format></stream></streams>
  <intakes><intake><type>file</type><filename>%s</filename><stream_once>1</stream_once></intake></intakes>
</ezstream>
`, r.port, password, file)), 0o600))
	ez := start(t, "ezstream", "-c", cfg)
	cl := r.waitConnect(clientWait)
	assert.Contains(t, cl.UserAgent, "libshout")
	ez.wait(t, clientWait)
	require.NoError(t, r.waitDisconnect(clientWait))
	c := checkStream(t, r, streamLen)
	pos := requireMeta(t, c, "title", "Track 1")
	assert.Equal(t, "Gen Artist", metadataAt(c, pos)["artist"])
	log := r.log.String()
	assert.Contains(t, log, "protocol upgrade refused", "libshout asked for TLS first")
	assert.Contains(t, log, "authentication required", "libshout probed without credentials first")
}

func metadataAt(c *onairtest.Capture, pos int) onair.Metadata {
	for _, m := range c.Metadata {
		if m.Pos == pos && m.Metadata["artist"] != "" {
			return m.Metadata
		}
	}
	return nil
}

// TestOggfwd streams Ogg Vorbis from oggfwd (libshout); the title is
// in-band, in the Vorbis comments.
func TestOggfwd(t *testing.T) {
	t.Parallel()
	file := media(t, "tone.ogg", streamLen, "-c:a", "libvorbis", "-metadata", "title=Ogg Title")
	r := newRig(t, rigOptions{mount: "/ogg"})
	f, err := os.Open(file)
	require.NoError(t, err)
	defer f.Close()
	p := startIn(t, struct{ io.Reader }{f}, "oggfwd", "-n", "oggfwd test", "127.0.0.1", r.port, password, "/ogg")
	cl := r.waitConnect(clientWait)
	assert.Equal(t, "application/ogg", cl.ContentType)
	p.wait(t, clientWait)
	require.NoError(t, r.waitDisconnect(clientWait))
	c := checkStream(t, r, streamLen)
	assert.Equal(t, 0, requireMeta(t, c, "title", "Ogg Title"))
}

// TestGStreamer streams with GStreamer's shout2send (libshout), which
// sends its title as song ("artist - title"), repeatedly.
func TestGStreamer(t *testing.T) {
	t.Parallel()
	r := newRig(t, rigOptions{mount: "/gst.mp3"})
	buffers := int(streamLen.Seconds() * 44100 / 1024)
	p := start(t, "gst-launch-1.0", "-q",
		"audiotestsrc", "wave=sine", "freq=440", "volume=0.125", fmt.Sprintf("num-buffers=%d", buffers), "samplesperbuffer=1024",
		"!", "audio/x-raw,rate=44100,channels=1",
		"!", "audioconvert", "!", "lamemp3enc", "target=bitrate", "bitrate=128", "cbr=true",
		"!", "taginject", "tags=title=GstTitle,artist=GstArtist",
		"!", "shout2send", "ip=127.0.0.1", "port="+r.port, "password="+password, "mount=/gst.mp3")
	cl := r.waitConnect(clientWait)
	assert.Contains(t, cl.UserAgent, "GStreamer")
	p.wait(t, clientWait)
	require.NoError(t, r.waitDisconnect(clientWait))
	c := checkStream(t, r, time.Duration(buffers)*time.Second*1024/44100)
	requireMeta(t, c, "title", "GstArtist - GstTitle")
}

// TestLiquidsoap streams with Liquidsoap's output.icecast (SOURCE over
// HTTP/1.0, metadata with title, artist and song).
func TestLiquidsoap(t *testing.T) {
	t.Parallel()
	file := media(t, "track.mp3", streamLen, "-c:a", "libmp3lame", "-b:a", "128k",
		"-metadata", "title=LS Title", "-metadata", "artist=LS Artist")
	r := newRig(t, rigOptions{mount: "/ls.mp3"})
	script := filepath.Join(t.TempDir(), "peer.liq")
	require.NoError(t, os.WriteFile(script, []byte(fmt.Sprintf(`
settings.init.allow_root.set(true)
settings.log.stdout.set(true)
settings.log.file.set(false)
s = once(single(%q))
output.icecast(%%mp3(bitrate=128, samplerate=44100, stereo=true), host="127.0.0.1", port=%s,
  password=%q, mount="ls.mp3", fallible=true, on_stop=shutdown, s)
`, file, r.port, password)), 0o600))
	p := start(t, "liquidsoap", script)
	cl := r.waitConnect(clientWait)
	assert.Equal(t, "HTTP/1.0", cl.Proto)
	assert.Equal(t, "SOURCE", cl.Method)
	p.wait(t, clientWait)
	require.NoError(t, r.waitDisconnect(clientWait))
	c := checkStream(t, r, streamLen)
	pos := requireMeta(t, c, "title", "LS Title")
	assert.Equal(t, "LS Artist", metadataAt(c, pos)["artist"])
}
