package listen_test

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"os/exec"
	"testing"
	"time"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/encode"
	"github.com/onair-go/onair/mux/listen"
	"github.com/onair-go/onair/onairtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// ffmpegListener runs `ffmpeg -i url -f null -` at the warning level; it
// is killed by PID when waitTimeout passes or the test ends.
func ffmpegListener(t *testing.T, url string) *ffProc {
	t.Helper()
	needPeer(t, "ffmpeg")
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	p := &ffProc{done: make(chan struct{})}
	cmd := exec.CommandContext(ctx, "ffmpeg", "-nostdin", "-v", "warning", "-i", url, "-f", "null", "-")
	cmd.Stdout, cmd.Stderr = &p.out, &p.out
	require.NoError(t, cmd.Start())
	go func() {
		defer close(p.done)
		p.err = cmd.Wait()
	}()
	t.Cleanup(func() {
		cancel() // kills the process if it still runs
		<-p.done
	})
	return p
}

// ffProc is an ffmpeg process: err and out are set when done is closed.
type ffProc struct {
	done chan struct{}
	err  error
	out  bytes.Buffer
}

// TestEndOfStream: when the graph closes the mounts, every listener gets
// the whole stream, trailer included, then a clean end: a Go client reads
// to io.EOF having got every byte the mount wrote (ICY blocks aside), and
// ffmpeg, reading the same mount over HTTP, exits 0 without a warning.
// Listeners are reported with io.EOF, and later requests get 404. On a
// mount with HTTP10 set, the Go client gets the same stream, ended by the
// connection's end, which ffmpeg reports as an error: why HTTP/1.1
// clients get a chunked body by default.
func TestEndOfStream(t *testing.T) {
	sine := onair.Sine(440, &onair.GenOptions{Amplitude: 0.3})
	mp3, err := encode.Audio(sine, &encode.AudioOptions{Codec: "libmp3lame", BitRate: 128000, Track: "audio_mp3"})
	require.NoError(t, err)
	vorbis, err := encode.Audio(sine, &encode.AudioOptions{Codec: "libvorbis", BitRate: 96000, Track: "audio_vorbis"})
	require.NoError(t, err)
	srv := newServer(t, nil)
	evMP3, evOgg := newEvents(), newEvents()
	// A small interval puts many ICY blocks in the stream: the end falls
	// between two of them.
	mm, err := srv.Mount("/radio.mp3", mp3, evMP3.hook(&listen.MountOptions{MetaInterval: 1000}))
	require.NoError(t, err)
	mo, err := srv.Mount("/radio.ogg", vorbis, evOgg.hook(&listen.MountOptions{}))
	require.NoError(t, err)
	evIce := newEvents()
	mi, err := srv.Mount("/ice.mp3", mp3, evIce.hook(&listen.MountOptions{HTTP10: true}))
	require.NoError(t, err)
	base := serve(t, srv)
	g, clk := onairtest.StartGraph(t, nil, mm, mo, mi)

	// Both Go clients connect before the first byte: they get the
	// stream from its start.
	goMP3 := dial(t, base+"/radio.mp3", map[string]string{"Icy-MetaData": "1"}, false)
	require.Equal(t, 1000, goMP3.metaint)
	evMP3.waitConnect(t)
	goOgg := dial(t, base+"/radio.ogg", nil, false)
	evOgg.waitConnect(t)
	goIce := dial(t, base+"/ice.mp3", nil, false)
	evIce.waitConnect(t)
	require.Equal(t, 0, goIce.resp.ProtoMinor, "HTTP/1.0")
	ffMP3 := ffmpegListener(t, base+"/radio.mp3")
	evMP3.waitConnect(t) // admitted as soon as its request came
	ffOgg := ffmpegListener(t, base+"/radio.ogg")
	evOgg.waitConnect(t)
	ffIce := ffmpegListener(t, base+"/ice.mp3")
	evIce.waitConnect(t)
	for range 150 {
		clk.Tick()
	}
	assert.False(t, mm.Stats().Ended)
	require.NoError(t, g.Close())

	for _, c := range []struct {
		name   string
		m      *listen.Mount
		client *client
		ff     *ffProc
		ev     *events
	}{{"mp3", mm, goMP3, ffMP3, evMP3}, {"ogg", mo, goOgg, ffOgg, evOgg}, {"http10", mi, goIce, ffIce, evIce}} {
		t.Run(c.name, func(t *testing.T) {
			st := c.m.Stats()
			assert.True(t, st.Ended)
			assert.Equal(t, io.EOF, c.client.waitEnd(t), "the Go client reads to io.EOF")
			c.client.conn.Close() // as a player does at the end
			got, blocks := c.client.data()
			assert.Equal(t, st.Bytes, int64(len(got)), "every byte the mount wrote")
			<-c.ff.done // bounded: ffmpeg is killed after waitTimeout
			assert.NoError(t, c.ff.err, "ffmpeg: %s", c.ff.out.String())
			if c.name == "http10" {
				assert.Contains(t, c.ff.out.String(), "Stream ends prematurely")
			} else {
				assert.Empty(t, c.ff.out.String(), "ffmpeg printed a warning")
			}
			for range 2 {
				d := c.ev.waitDisconnect(t)
				assert.ErrorIs(t, d.err, io.EOF, "listener %d", d.info.ID)
				assert.Greater(t, d.info.Sent, int64(4096), "listener %d", d.info.ID)
			}
			switch c.name {
			case "ogg":
				chains := oggChains(t, got)
				require.NotEmpty(t, chains)
				assert.Equal(t, byte(4), lastPageFlags(got)&4, "the stream ends with its end-of-stream page")
				assert.Empty(t, oggDecodeErrors(t, got))
			case "mp3":
				// A block after every 1000 bytes, but none after the last
				// byte.
				assert.Len(t, blocks, (len(got)-1)/1000, "ICY blocks")
				assert.Empty(t, decodeErrors(t, "warning", "mp3", got))
			case "http10":
				assert.Empty(t, decodeErrors(t, "warning", "mp3", got))
			}
		})
	}
	assert.Equal(t, 0, srv.Listeners())

	// A listener after the end gets 404, for GET and HEAD alike.
	late := dial(t, base+"/radio.mp3", nil, false)
	assert.Equal(t, http.StatusNotFound, late.resp.StatusCode)
	hc := &http.Client{Timeout: waitTimeout}
	resp, err := hc.Head(base + "/radio.ogg")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
	assert.Equal(t, uint64(2), mm.Stats().Connections, "the late request was no listener")
}

// lastPageFlags returns the header type flags of the last Ogg page in
// data (4: end of stream), or 0 when there is none.
func lastPageFlags(data []byte) byte {
	i := bytes.LastIndex(data, []byte("OggS\x00"))
	if i < 0 || i+5 >= len(data) {
		return 0
	}
	return data[i+5]
}

// TestCloseDrainsEndedMount: Server.Close right after the graph closed (a
// station stopping) lets a listener that is behind get the rest of the
// ended stream, up to its clean end; with a DrainTimeout that passes
// first, the listener is disconnected with ErrServerClosed, and a Go
// client sees the chunked body cut.
func TestCloseDrainsEndedMount(t *testing.T) {
	for _, c := range []struct {
		name  string
		drain time.Duration
	}{{"drained", waitTimeout}, {"cut", time.Nanosecond}} {
		t.Run(c.name, func(t *testing.T) {
			enc, _ := mp3Source(t)
			srv := newServer(t, &listen.Options{DrainTimeout: c.drain})
			ev := newEvents()
			// Small socket buffers: little of the stream fits in the kernel.
			m, err := srv.Mount("/radio.mp3", enc, ev.hook(&listen.MountOptions{SendBuffer: 4096}))
			require.NoError(t, err)
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			require.NoError(t, err)
			served := make(chan error, 1)
			go func() { served <- srv.Serve(context.Background(), ln) }()
			t.Cleanup(func() { _ = srv.Close() })
			g, clk := onairtest.StartGraph(t, nil, m)

			// A client that reads nothing for now: the kernel's buffers
			// fill, and the rest waits in the mount's buffer.
			cl := dial(t, "http://"+ln.Addr().String()+"/radio.mp3", nil, true)
			ev.waitConnect(t)
			for m.Stats().Bytes < 64<<10 {
				clk.Tick()
			}
			require.NoError(t, g.Close())
			written := m.Stats().Bytes
			require.Less(t, m.Listeners()[0].Sent, written, "the listener is behind")
			closed := make(chan error, 1)
			go func() { closed <- srv.Close() }()
			// Serve returns once Close stopped the HTTP server, before it
			// waits for the listeners.
			select {
			case err := <-served:
				require.ErrorIs(t, err, listen.ErrServerClosed)
			case <-time.After(waitTimeout):
				t.Fatal("Serve did not return")
			}
			var d disconnect
			if c.name == "cut" {
				// The client reads only after the listener was cut: read
				// at once, it could take the rest of the stream in the
				// moment before the drain timer fires (a loaded machine).
				d = ev.waitDisconnect(t)
			}
			require.NoError(t, cl.conn.SetReadDeadline(time.Now().Add(waitTimeout)))
			body, err := io.ReadAll(cl.resp.Body)
			cl.conn.Close()
			if c.name == "drained" {
				d = ev.waitDisconnect(t)
			}
			if c.name == "drained" {
				require.NoError(t, err, "the body ends with its last chunk")
				assert.Equal(t, written, int64(len(body)), "the whole stream")
				assert.ErrorIs(t, d.err, io.EOF)
			} else {
				assert.ErrorIs(t, err, io.ErrUnexpectedEOF, "a cut chunked body")
				assert.Less(t, int64(len(body)), written)
				assert.ErrorIs(t, d.err, listen.ErrServerClosed)
			}
			select {
			case err := <-closed:
				require.NoError(t, err)
			case <-time.After(waitTimeout):
				t.Fatal("Close did not return")
			}
			assert.Equal(t, 0, srv.Listeners())
		})
	}
}
