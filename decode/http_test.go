package decode_test

import (
	"errors"
	"net"
	"net/http"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/decode"
	"github.com/onair-go/onair/fault"
	"github.com/onair-go/onair/internal/faulttest"
	"github.com/onair-go/onair/internal/logtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// icyStream is a test Icecast-like server handler: it sends data with ICY
// metadata blocks every metaint bytes (when the client asks for them),
// titles[k] in the block after the k-th piece of audio, then ends the
// response or, with hold, keeps it open until the client or the server
// goes away.
type icyStream struct {
	data        []byte
	contentType string
	metaint     int
	titles      map[int]string
	hold        bool
	status      func(n int) int // status of the n-th request (from 1); nil: 200

	mu       sync.Mutex
	requests []*http.Request
}

func (s *icyStream) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.requests = append(s.requests, r)
	n := len(s.requests)
	s.mu.Unlock()
	if s.status != nil {
		if code := s.status(n); code != 200 {
			http.Error(w, http.StatusText(code), code)
			return
		}
	}
	w.Header().Set("Content-Type", s.contentType)
	icy := s.metaint > 0 && r.Header.Get("Icy-MetaData") == "1"
	if icy {
		w.Header().Set("icy-metaint", strconv.Itoa(s.metaint))
	}
	w.WriteHeader(200)
	data := s.data
	for k := 1; len(data) > 0; k++ {
		n := len(data)
		if icy {
			n = min(n, s.metaint)
		}
		if _, err := w.Write(data[:n]); err != nil {
			return
		}
		data = data[n:]
		if icy && n == s.metaint {
			_, _ = w.Write(icyBlock(s.titles[k]))
		}
	}
	if s.hold {
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	}
}

func (s *icyStream) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.requests)
}

// icyBlock encodes a metadata block ("" gives the empty block).
func icyBlock(title string) []byte {
	if title == "" {
		return []byte{0}
	}
	text := "StreamTitle='" + title + "';"
	n := (len(text) + 15) / 16
	b := make([]byte, 1+n*16)
	b[0] = byte(n)
	copy(b[1:], text)
	return b
}

// serve runs h on a new server at addr ("127.0.0.1:0" for a free port)
// and returns the server and its address; the test closes it.
func serve(t *testing.T, addr string, h http.Handler) (*http.Server, string) {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	require.NoError(t, err)
	srv := &http.Server{Handler: h}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(ln)
	}()
	t.Cleanup(func() {
		_ = srv.Close()
		<-done
	})
	return srv, ln.Addr().String()
}

// mp3Packets returns, for each packet of an MP3 file, its byte position
// and the output sample where its audio starts, as ffprobe sees them.
func mp3Packets(t *testing.T, path string) (pos []int64, sample []int) {
	t.Helper()
	out, err := exec.Command("ffprobe", "-v", "error", "-select_streams", "a:0",
		"-show_entries", "stream=start_time:packet=pos,pts_time", "-of", "csv=p=0", path).Output()
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	start, err := strconv.ParseFloat(lines[len(lines)-1], 64)
	require.NoError(t, err, "stream start time in %q", lines[len(lines)-1])
	for _, l := range lines[:len(lines)-1] {
		f := strings.Split(l, ",")
		pts, err1 := strconv.ParseFloat(f[0], 64)
		p, err2 := strconv.ParseInt(f[1], 10, 64)
		require.NoError(t, errors.Join(err1, err2), "packet line %q", l)
		pos = append(pos, p)
		sample = append(sample, max(0, int((pts-start)*44100+0.5)))
	}
	return pos, sample
}

// sampleAtByte returns the output sample of the first packet at or after
// byte b.
func sampleAtByte(pos []int64, sample []int, b int64) int {
	for i, p := range pos {
		if p >= b {
			return sample[i]
		}
	}
	return -1
}

// TestHTTPICY streams an MP3 file with ICY metadata interleaved: the
// titles come out as metadata at the audio they were sent with (within
// one MP3 frame), after the file's own tags; the request asks for ICY
// metadata.
func TestHTTPICY(t *testing.T) {
	ctx := deadline(t)
	path := makeTone(t, t.TempDir(), tone{name: "a.mp3", seconds: 3, codec: mp3Codec, tags: map[string]string{"title": "File"}})
	data := readFile(t, path)
	const metaint = 4096
	stream := &icyStream{data: data, contentType: "audio/mpeg", metaint: metaint,
		titles: map[int]string{2: "Artist A - Song One", 5: "Song Two"}}
	_, addr := serve(t, "127.0.0.1:0", stream)
	ended := make(chan error, 1)
	src, err := decode.HTTP("http://"+addr+"/live.mp3", &decode.HTTPOptions{
		Prebuffer: 300 * time.Millisecond, MinDelay: time.Hour,
		OnDisconnect: func(err error) { ended <- err },
	})
	require.NoError(t, err)
	r := newRig(t, src, true)
	select {
	case err := <-ended:
		require.NoError(t, err, "the server ended the stream cleanly")
	case <-ctx.Done():
		t.Fatal("the stream never ended")
	}
	r.drain(src, 500)
	assert.InDelta(t, 3*44100, r.cap.samples, 882)
	assert.Equal(t, []int{0, r.cap.samples}, r.cap.marks)

	req := stream.requests[0]
	assert.Equal(t, "1", req.Header.Get("Icy-MetaData"))
	assert.Equal(t, "onair", req.Header.Get("User-Agent"))

	pos, sample := mp3Packets(t, path)
	want := []onair.MetadataAt{
		{Pos: 0, Metadata: onair.Metadata{"title": "File"}},
		{Pos: sampleAtByte(pos, sample, 2*metaint), Metadata: onair.Metadata{"artist": "Artist A", "title": "Song One"}},
		{Pos: sampleAtByte(pos, sample, 5*metaint), Metadata: onair.Metadata{"title": "Song Two"}},
	}
	require.Len(t, r.cap.meta, len(want), "metadata: %v", r.cap.meta)
	for i, w := range want {
		got := r.cap.meta[i]
		assert.InDelta(t, w.Pos, got.Pos, 1152, "metadata %d at its audio, within one MP3 frame", i)
		for k, v := range w.Metadata {
			assert.Equal(t, v, got.Metadata[k], "metadata %d: %s", i, k)
		}
		t.Logf("metadata %d at %d, audio sent with it at %d", i, got.Pos, w.Pos)
	}

	closed := make(chan error, 1)
	go func() { closed <- src.Close() }()
	select {
	case err := <-closed:
		require.NoError(t, err)
	case <-ctx.Done():
		t.Fatal("Close did not stop the source waiting to reconnect")
	}
	assert.Equal(t, 1, stream.count(), "no reconnection before the delay")
	require.NoError(t, src.Close(), "Close is idempotent")
}

// TestHTTPReconnect restarts the server in the middle of a stream (a new
// listener on the same port): a fallback plays a sine meanwhile, and the
// source reconnects and takes over again.
func TestHTTPReconnect(t *testing.T) {
	ctx := deadline(t)
	data := readFile(t, makeTone(t, t.TempDir(), tone{name: "a.mp3", seconds: 1, codec: mp3Codec}))
	stream := &icyStream{data: data, contentType: "audio/mpeg", metaint: 2048,
		titles: map[int]string{1: "On Air"}, hold: true}
	srv1, addr := serve(t, "127.0.0.1:0", stream)
	logs := &logtest.Handler{}
	fl := faulttest.New()
	fl.Next = logs
	src, err := decode.HTTP("http://"+addr+"/live.mp3", &decode.HTTPOptions{
		Prebuffer: 300 * time.Millisecond, MinDelay: 10 * time.Millisecond, MaxDelay: 100 * time.Millisecond,
		Logger: fl.Logger(),
	})
	require.NoError(t, err)
	defer src.Close()
	live := decode.HTTPLive(src)
	sine := onair.Sine(440, nil)
	fb, err := onair.Fallback([]onair.Source{src, sine}, &onair.SwitchOptions{Immediate: true})
	require.NoError(t, err)
	r := newRig(t, fb, false)
	selected := func() *onair.Node {
		if s := fb.Selected(); s != nil {
			return s.Node()
		}
		return nil
	}

	// The whole file is decoded while the server holds the connection.
	waitLive(t, ctx, live, "the stream decoded", func(s decode.LiveState) bool {
		return s.Connected && s.Reading && s.Buffered > 900*time.Millisecond
	})
	r.run(5)
	require.Equal(t, src.Node(), selected(), "the stream plays")

	// Server down: the source reconnects in vain, the sine takes over once
	// the buffered audio has played.
	require.NoError(t, srv1.Close())
	logs.Wait(t, ctx, "cannot connect")
	waitLive(t, ctx, live, "disconnected", func(s decode.LiveState) bool { return !s.Playing })
	for range 100 {
		if selected() == sine.Node() {
			break
		}
		r.clk.Tick()
	}
	require.Equal(t, sine.Node(), selected(), "the fallback plays the sine while the server is down")
	require.GreaterOrEqual(t, len(r.cap.marks), 2, "marks: %v", r.cap.marks)
	assert.InDelta(t, 44100, r.cap.marks[1], 1152, "a track mark ends the stream's second of audio")
	r.run(5)
	assert.False(t, src.Node().Ready())
	titles := countTitle(r.cap.meta, "On Air")
	assert.Equal(t, 1, titles)

	// Server up again on the same port.
	before := stream.count()
	serve(t, addr, stream)
	waitLive(t, ctx, live, "reconnected and prebuffered", func(s decode.LiveState) bool {
		return s.Connected && s.Buffered >= 300*time.Millisecond
	})
	r.run(1)
	require.Equal(t, src.Node(), selected(), "the stream plays again")
	assert.Greater(t, stream.count(), before)
	assert.Empty(t, r.cap.short, "the output never missed audio")
	// The manual clock runs faster than real time: let the decoder take
	// the whole stream first, or an underrun switches to the sine and back
	// (which replays the title, rightly).
	waitLive(t, ctx, live, "the stream decoded again", func(s decode.LiveState) bool {
		return s.Connected && s.Reading && s.Buffered > 800*time.Millisecond
	})
	r.run(20)
	assert.Equal(t, titles+1, countTitle(r.cap.meta, "On Air"),
		"the title arrives again after the reconnection: metadata %v, marks %v, requests %d", r.cap.meta, r.cap.marks, stream.count())

	// Each attempt to connect again is one reconnect record, counted once.
	require.NoError(t, src.Close())
	attempts := len(logs.Find("cannot connect")) + len(logs.Find("reconnecting"))
	require.Positive(t, attempts)
	fl.Check(t, fault.Reconnect, fault.KeySource, src.Node().ID(), attempts, fault.KeyURL, fault.KeyRetryIn)
}

func countTitle(meta []onair.MetadataAt, title string) int {
	n := 0
	for _, m := range meta {
		if m.Metadata["title"] == title {
			n++
		}
	}
	return n
}
