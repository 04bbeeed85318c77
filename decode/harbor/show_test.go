package harbor_test

import (
	"bufio"
	"io"
	"net"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/decode/harbor"
	"github.com/onair-go/onair/onairtest"
)

// TestShowCutsInAndReturns is the live show of examples/live: a Fallback
// (not track-sensitive) cuts from the playlist into the DJ's stream as
// soon as it is prebuffered, and goes back to the playlist when the DJ
// leaves, at the end of the DJ's track and at the start of a new playlist
// track (the playlist is skipped when a DJ who was on air leaves, while
// the rest of the DJ's audio still plays). Two DJs in a row.
func TestShowCutsInAndReturns(t *testing.T) {
	t.Parallel()
	var playlist *onair.Node
	var show *onair.Switcher
	var mount *harbor.Mount
	r := newRig(t, rigOptions{
		mount: "/show",
		idle:  true,
		build: func(m *harbor.Mount) onair.Source {
			// A silent playlist of 1 s tracks: the live audio is what is
			// not silent in the output.
			playlist = onair.Blank(&onair.GenOptions{ID: "playlist", Duration: time.Second, Metadata: onair.Metadata{"title": "playlist"}})
			var err error
			mount = m
			show, err = onair.Fallback([]onair.Source{m, playlist}, &onair.SwitchOptions{Immediate: true})
			require.NoError(t, err)
			return show
		},
		onDisconnect: func() {
			if show.Selected() == onair.Source(mount) {
				playlist.Skip()
			}
		},
	})

	ff := start(t, "ffmpeg", "-nostdin", "-v", "error", "-re", "-f", "lavfi", "-i",
		"sine=frequency=440:sample_rate=44100:duration="+seconds(streamLen),
		"-c:a", "libmp3lame", "-b:a", "128k", "-metadata", "title=First DJ",
		"-f", "mp3", "icecast://source:"+password+"@127.0.0.1:"+r.port+"/show")
	r.waitConnect(clientWait)
	ff.wait(t, clientWait)
	require.NoError(t, r.waitDisconnect(clientWait))
	// Let the playlist play a whole track after the DJ.
	e1 := checkShow(t, r.rec.Capture(), 0, "First DJ")
	deadline := time.Now().Add(clientWait)
	for r.rec.Capture().Len() < e1+44100+882 {
		require.True(t, time.Now().Before(deadline), "the playlist does not play")
		time.Sleep(20 * time.Millisecond)
	}
	c := r.rec.Capture()
	next := -1
	for _, m := range c.Marks {
		if m > e1 {
			next = m
			break
		}
	}
	assert.Equal(t, e1+44100, next, "the playlist came back with a new (1 s) track, not the rest of the interrupted one")

	second := media(t, "second.mp3", streamLen, "-c:a", "libmp3lame", "-b:a", "128k", "-metadata", "title=Second DJ")
	cu := start(t, "curl", "-sS", "--fail", "-X", "SOURCE", "-H", "Expect:", "-u", "source:"+password, "-T", second,
		"http://127.0.0.1:"+r.port+"/show")
	r.waitConnect(clientWait)
	cu.wait(t, clientWait)
	require.NoError(t, r.waitDisconnect(clientWait))

	c = r.rec.Capture()
	assert.Equal(t, e1, checkShow(t, c, 0, "First DJ"))
	checkShow(t, c, e1, "Second DJ")
}

// checkShow checks one cut-in of the show after position from: the
// playlist plays, the DJ's track starts with a mark and its title, its
// audio plays whole (no gap), and at its end a mark and a new playlist
// track follow. It returns the end of the DJ's track.
func checkShow(t *testing.T, c *onairtest.Capture, from int, title string) int {
	t.Helper()
	s, ok := metaAfter(c, from, "title", title)
	require.True(t, ok, "no %q in %v", title, c.Metadata)
	p, ok := metaAfter(c, from, "title", "playlist")
	require.True(t, ok && p < s, "the playlist plays before %s", title)
	assert.Contains(t, c.Marks, s, "a track mark where %s cuts in", title)
	e := -1
	for _, m := range c.Marks {
		if m > s {
			e = m
			break
		}
	}
	require.Greater(t, e, s, "a track mark where %s leaves", title)
	assert.InDelta(t, streamLen.Seconds(), float64(e-s)/44100, 0.15, "length of %s's track", title)
	sub := &onairtest.Capture{Audio: [][]float32{c.Audio[0][s:e]}}
	start, end := liveBlock(sub)
	assert.Less(t, start, 4410, "%s's audio starts with the track", title)
	assert.Greater(t, end, e-s-4410, "%s's audio lasts to the end of the track", title)
	assert.Zero(t, silentWindows(c.Audio[0][s+start:s+end]), "%s's audio has no gap", title)
	assert.Equal(t, s-from, silentSamples(c.Audio[0][from:s]), "the (silent) playlist plays before %s", title)
	back, ok := metaAfter(c, e, "title", "playlist")
	require.True(t, ok, "the playlist comes back after %s", title)
	assert.Equal(t, e, back, "the playlist comes back at %s's end, with a new track", title)
	return e
}

// metaAfter returns the position of the first metadata at or after from
// whose key is value.
func metaAfter(c *onairtest.Capture, from int, key, value string) (int, bool) {
	for _, m := range c.Metadata {
		if m.Pos >= from && m.Metadata[key] == value {
			return m.Pos, true
		}
	}
	return 0, false
}

// silentWindows counts the 10 ms windows of a that are silent.
func silentWindows(a []float32) int {
	n := 0
	for i := 0; i+441 <= len(a); i += 441 {
		sub := &onairtest.Capture{Audio: [][]float32{a[i : i+441]}}
		if s, e := liveBlock(sub); e == s {
			n++
		}
	}
	return n
}

// silentSamples counts the samples of a that are exactly zero.
func silentSamples(a []float32) int {
	n := 0
	for _, v := range a {
		if v == 0 {
			n++
		}
	}
	return n
}

// TestSourceStallsMidStream: a source that stops sending in the middle of
// its stream is cut after Options.Timeout; what it sent plays, and its
// track ends with a mark.
func TestSourceStallsMidStream(t *testing.T) {
	t.Parallel()
	file := media(t, "tone.mp3", streamLen, "-c:a", "libmp3lame", "-b:a", "128k")
	data, err := os.ReadFile(file)
	require.NoError(t, err)
	r := newRig(t, rigOptions{mount: "/stall", harbor: harbor.Options{Timeout: 500 * time.Millisecond}})
	c, err := net.DialTimeout("tcp", "127.0.0.1:"+r.port, 5*time.Second)
	require.NoError(t, err)
	defer c.Close()
	require.NoError(t, c.SetDeadline(time.Now().Add(clientWait)))
	sent := len(data) / 2 // 1.5 s of 128 kb/s
	_, err = io.WriteString(c, "SOURCE /stall HTTP/1.0\r\nAuthorization: Basic c291cmNlOmhhY2ttZQ==\r\nContent-Type: audio/mpeg\r\n\r\n")
	require.NoError(t, err)
	_, err = c.Write(data[:sent])
	require.NoError(t, err)
	line, err := bufio.NewReader(c).ReadString('\n')
	require.NoError(t, err)
	require.Equal(t, "HTTP/1.0 200 OK\r\n", line)
	require.ErrorIs(t, r.waitDisconnect(clientWait), harbor.ErrTimeout)
	got := r.rec.Capture()
	assert.InDelta(t, float64(sent)/16000, got.Duration().Seconds(), 0.1, "what was sent plays")
	require.NotEmpty(t, got.Marks)
	assert.Equal(t, got.Len(), got.Marks[len(got.Marks)-1], "the track ends at the cut")
	assert.Contains(t, r.log.String(), "source timed out")
}

// TestGraphNotRunning: a client of a mount whose graph does not run gets
// 503, not a connection that plays nowhere.
func TestGraphNotRunning(t *testing.T) {
	t.Parallel()
	h, err := harbor.New(&harbor.Options{Password: password})
	require.NoError(t, err)
	_, err = h.Mount("/idle", nil)
	require.NoError(t, err)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	served := make(chan struct{})
	go func() {
		defer close(served)
		_ = h.Serve(t.Context(), ln)
	}()
	t.Cleanup(func() { <-served })
	c, err := net.DialTimeout("tcp", ln.Addr().String(), 5*time.Second)
	require.NoError(t, err)
	defer c.Close()
	require.NoError(t, c.SetDeadline(time.Now().Add(10*time.Second)))
	_, err = io.WriteString(c, "SOURCE /idle HTTP/1.0\r\nAuthorization: Basic c291cmNlOmhhY2ttZQ==\r\n\r\nID3")
	require.NoError(t, err)
	body, _ := io.ReadAll(c)
	assert.Contains(t, string(body), "HTTP/1.0 503 Service Unavailable")
	assert.Contains(t, string(body), "not active")
}
