package listen_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/asticode/go-astiav"
	"github.com/onair-go/onair"
	"github.com/onair-go/onair/encode"
	"github.com/onair-go/onair/mux/listen"
	"github.com/stretchr/testify/require"
)

func TestMain(m *testing.M) {
	if spec := os.Getenv(poolEnv); spec != "" {
		os.Exit(clientPool(spec))
	}
	astiav.SetLogLevel(astiav.LogLevelError)
	os.Exit(m.Run())
}

// poolEnv makes the test binary a pool of listeners instead (see
// clientPool): the benchmark runs its clients in another process, so
// that it measures the server's CPU and memory alone.
const poolEnv = "ONAIR_LISTEN_POOL"

// clientPool connects N clients to URL (spec "URL N"), prints
// "connected" once all got their response head, reads and discards
// their streams, and exits when its standard input closes.
func clientPool(spec string) int {
	var url string
	var n int
	if _, err := fmt.Sscan(spec, &url, &n); err != nil {
		fmt.Fprintln(os.Stderr, "pool:", err)
		return 2
	}
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, "pool:", err)
		return 2
	}
	errc := make(chan error, n)
	for range n {
		go func() {
			conn, err := net.Dial("tcp", req.URL.Host)
			if err == nil {
				err = req.Write(conn)
			}
			var resp *http.Response
			if err == nil {
				resp, err = http.ReadResponse(bufio.NewReader(conn), req)
			}
			errc <- err
			if err == nil {
				_, _ = io.Copy(io.Discard, resp.Body)
			}
		}()
	}
	for range n {
		if err := <-errc; err != nil {
			fmt.Fprintln(os.Stderr, "pool:", err)
			return 1
		}
	}
	fmt.Println("connected")
	_, _ = io.Copy(io.Discard, os.Stdin)
	return 0
}

// waitTimeout bounds every wait of these tests.
const waitTimeout = 30 * time.Second

// needPeer fails the test when a peer program is missing.
func needPeer(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("%s not found: run `eval \"$(scripts/ffmpeg.sh env)\"` (FFmpeg 7.1 build) or `make setup`", name)
	}
	return p
}

// serve runs srv on a free port of 127.0.0.1 and returns its base URL.
// The server is closed when the test ends, and Serve must return
// ErrServerClosed.
func serve(t *testing.T, srv *listen.Server) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(context.Background(), ln) }()
	t.Cleanup(func() {
		require.NoError(t, srv.Close())
		select {
		case err := <-done:
			require.ErrorIs(t, err, listen.ErrServerClosed)
		case <-time.After(waitTimeout):
			t.Error("Serve did not return after Close")
		}
	})
	return "http://" + ln.Addr().String()
}

// newServer returns a server with test defaults.
func newServer(t *testing.T, opts *listen.Options) *listen.Server {
	t.Helper()
	srv, err := listen.NewServer(opts)
	require.NoError(t, err)
	return srv
}

// mp3Source is a sine encoded once to 128 kbit/s MP3 in track
// "audio_mp3"; the sine node is returned to insert metadata.
func mp3Source(t *testing.T) (*encode.Shared, *onair.Node) {
	t.Helper()
	sine := onair.Sine(440, &onair.GenOptions{Amplitude: 0.3})
	enc, err := encode.Audio(sine, &encode.AudioOptions{Codec: "libmp3lame", BitRate: 128000, Track: "audio_mp3"})
	require.NoError(t, err)
	return enc, sine
}

// events collects callback events for the test goroutine.
type events struct {
	connect    chan listen.ListenerInfo
	disconnect chan disconnect
}

type disconnect struct {
	info listen.ListenerInfo
	err  error
}

func newEvents() *events {
	return &events{connect: make(chan listen.ListenerInfo, 256), disconnect: make(chan disconnect, 256)}
}

func (e *events) hook(o *listen.MountOptions) *listen.MountOptions {
	o.OnConnect = func(l listen.ListenerInfo) { e.connect <- l }
	o.OnDisconnect = func(l listen.ListenerInfo, err error) { e.disconnect <- disconnect{l, err} }
	return o
}

func (e *events) waitConnect(t *testing.T) listen.ListenerInfo {
	t.Helper()
	select {
	case l := <-e.connect:
		return l
	case <-time.After(waitTimeout):
		t.Fatal("no listener connected")
	}
	return listen.ListenerInfo{}
}

func (e *events) waitDisconnect(t *testing.T) disconnect {
	t.Helper()
	select {
	case d := <-e.disconnect:
		return d
	case <-time.After(waitTimeout):
		t.Fatal("no listener disconnected")
	}
	return disconnect{}
}

// client is a raw HTTP client on its own TCP connection, reading the body
// on a goroutine into a buffer, with ICY metadata split out when metaint
// is set.
type client struct {
	conn    net.Conn
	resp    *http.Response
	metaint int

	mu     sync.Mutex
	audio  []byte
	blocks []block
	err    error
	more   chan struct{} // signalled after each read
	done   chan struct{}
}

// block is an ICY metadata block and the audio offset it came after.
type block struct {
	at    int
	title string // "" for an empty block
	empty bool
}

// dial sends a GET for url with the given extra header lines and reads
// the response head. The body is read by a goroutine unless stuck.
func dial(t *testing.T, url string, header map[string]string, stuck bool) *client {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	require.NoError(t, err)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	c := &client{more: make(chan struct{}, 1), done: make(chan struct{})}
	d := net.Dialer{Timeout: waitTimeout}
	conn, err := d.Dial("tcp", req.URL.Host)
	require.NoError(t, err)
	if stuck {
		// A small receive window: the client stops reading after the
		// response head, and the kernel holds little for it.
		require.NoError(t, conn.(*net.TCPConn).SetReadBuffer(4096))
	}
	c.conn = conn
	t.Cleanup(func() { conn.Close() })
	require.NoError(t, conn.SetDeadline(time.Now().Add(waitTimeout)))
	require.NoError(t, req.Write(conn))
	br := bufio.NewReader(conn)
	c.resp, err = http.ReadResponse(br, req)
	require.NoError(t, err)
	require.NoError(t, conn.SetDeadline(time.Time{}))
	if c.resp.StatusCode != http.StatusOK || stuck {
		close(c.done)
		return c
	}
	if v := c.resp.Header.Get("icy-metaint"); v != "" {
		c.metaint, err = strconv.Atoi(v)
		require.NoError(t, err)
	}
	go c.read(c.resp.Body) // a chunked body is read through its chunks
	return c
}

var titleRE = regexp.MustCompile(`^StreamTitle='(.*?)';\x00*$`)

func (c *client) read(r io.Reader) {
	defer close(c.done)
	buf := make([]byte, 8192)
	until := c.metaint
	for {
		want := len(buf)
		if c.metaint > 0 {
			want = min(want, until)
		}
		n, err := r.Read(buf[:want])
		c.mu.Lock()
		c.audio = append(c.audio, buf[:n]...)
		c.mu.Unlock()
		if c.metaint > 0 {
			if until -= n; until == 0 && err == nil {
				err = c.readBlock(r)
				until = c.metaint
			}
		}
		select {
		case c.more <- struct{}{}:
		default:
		}
		if err != nil {
			c.mu.Lock()
			c.err = err
			c.mu.Unlock()
			return
		}
	}
}

func (c *client) readBlock(r io.Reader) error {
	var l [1]byte
	if _, err := io.ReadFull(r, l[:]); err != nil {
		return err
	}
	b := make([]byte, int(l[0])*16)
	if _, err := io.ReadFull(r, b); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	blk := block{at: len(c.audio), empty: l[0] == 0}
	if !blk.empty {
		m := titleRE.FindSubmatch(b)
		if m == nil {
			return fmt.Errorf("bad metadata block %q", b)
		}
		blk.title = string(m[1])
	}
	c.blocks = append(c.blocks, blk)
	return nil
}

// waitBytes waits until the client has n audio bytes (or more).
func (c *client) waitBytes(t *testing.T, n int64) {
	t.Helper()
	deadline := time.After(waitTimeout)
	for {
		c.mu.Lock()
		got, err := int64(len(c.audio)), c.err
		c.mu.Unlock()
		if got >= n {
			return
		}
		if err != nil {
			t.Fatalf("client stopped after %d of %d bytes: %v", got, n, err)
		}
		select {
		case <-c.more:
		case <-deadline:
			t.Fatalf("client got %d of %d bytes in %v", got, n, waitTimeout)
		}
	}
}

// len returns the number of audio bytes received.
func (c *client) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.audio)
}

func (c *client) data() ([]byte, []block) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return bytes.Clone(c.audio), append([]block(nil), c.blocks...)
}

// waitEnd waits for the body to end (the server closed the connection).
func (c *client) waitEnd(t *testing.T) error {
	t.Helper()
	select {
	case <-c.done:
	case <-time.After(waitTimeout):
		t.Fatal("the stream did not end")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// decodeErrors decodes data with ffmpeg and returns what it printed at
// the log level (empty when the stream is clean).
func decodeErrors(t *testing.T, level, format string, data []byte) string {
	t.Helper()
	needPeer(t, "ffmpeg")
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "ffmpeg", "-nostdin", "-v", level, "-f", format, "-i", "pipe:0", "-f", "null", "-")
	cmd.Stdin = bytes.NewReader(data)
	out, err := cmd.CombinedOutput()
	if err != nil && !errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Sprintf("%v: %s", err, out)
	}
	return string(out)
}
