package icecast_test

import (
	"bufio"
	"context"
	"errors"
	"net"
	"net/http"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/encode"
	"github.com/onair-go/onair/fault"
	"github.com/onair-go/onair/internal/faulttest"
	"github.com/onair-go/onair/internal/peertest"
	"github.com/onair-go/onair/mux/icecast"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// lagMonitor records the largest lag of a real-time clock until stopped.
type lagMonitor struct {
	max  time.Duration
	stop chan struct{}
	done chan struct{}
}

func monitorLag(clk *onair.Clock) *lagMonitor {
	m := &lagMonitor{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(m.done)
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			m.max = max(m.max, clk.Status().Lag)
			select {
			case <-m.stop:
				return
			case <-t.C:
			}
		}
	}()
	return m
}

func (m *lagMonitor) Stop() time.Duration {
	close(m.stop)
	<-m.done
	return m.max
}

// TestReconnect kills icecast2 under a streaming output and starts it
// again on the same port: the output notices, retries with backoff,
// reconnects with a fresh container and the last title (admin API for
// MP3, Ogg comment header for Vorbis), and the real-time clock keeps time
// all along (its lag stays under its latency).
func TestReconnect(t *testing.T) {
	for _, tc := range []struct {
		name, mount, codec, ctype, title string
	}{
		{"mp3", "/re.mp3", "libmp3lame", "audio/mpeg", "A - Before the crash"},
		{"vorbis", "/re.ogg", "libvorbis", "audio/ogg", "Before the crash"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			testReconnect(t, tc.mount, tc.codec, tc.ctype, tc.title)
		})
	}
}

func testReconnect(t *testing.T, mount, codec, ctype, title string) {
	srv := peertest.StartIcecast(t, nil)
	const latency = 300 * time.Millisecond
	clk := onair.NewClock("main", &onair.ClockOptions{Latency: latency})
	var mu sync.Mutex
	var failures []error
	fl := faulttest.New()
	fl.Next = testLogger(t).Handler()
	s := newStation(t, &encode.AudioOptions{Codec: codec, BitRate: 128000}, &icecast.Options{
		URL: srv.URL(mount), Password: srv.SourcePassword, Logger: fl.Logger(),
		MinRetryDelay: 50 * time.Millisecond, MaxRetryDelay: 400 * time.Millisecond, ConnectTimeout: 2 * time.Second,
		OnError: func(err error, attempt int, backoff time.Duration) time.Duration {
			mu.Lock()
			failures = append(failures, err)
			mu.Unlock()
			return backoff
		},
	}, clk)
	s.sine.InsertMetadata(onair.Metadata{"artist": "A", "title": "Before the crash"}, false)
	s.run(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err := srv.WaitMount(ctx, mount, mountHas(func(m *peertest.IcecastMount) bool {
		return m.Title == title
	}, "title"))
	require.NoError(t, err)
	waitStatus(t, s.out, 10*time.Second, "connected", func(st icecast.Status) bool { return st.State == icecast.StateConnected })

	// Failures so far belong to the first connection (icecast2 may answer
	// late while it starts, on a loaded machine): the kill's come after.
	mu.Lock()
	before := len(failures)
	mu.Unlock()
	lag := monitorLag(clk)
	start := clk.Status()
	wall := time.Now()
	srv.Kill()
	killed := time.Now()
	st := waitStatus(t, s.out, 10*time.Second, "disconnect noticed", func(st icecast.Status) bool { return st.State != icecast.StateConnected })
	noticed := time.Since(killed)
	// Let it fail to connect at least once while the server is down.
	waitStatus(t, s.out, 10*time.Second, "a refused attempt", func(st icecast.Status) bool {
		return errors.Is(st.LastError, syscall.ECONNREFUSED)
	})
	require.NoError(t, srv.Start())
	restarted := time.Now()
	// At least two connections: icecast2 has been seen to exit right after
	// a source connects to it as it starts, and peertest starts it again,
	// so the output may have to connect a third time.
	st = waitStatus(t, s.out, 10*time.Second, "reconnected", func(st icecast.Status) bool {
		return st.State == icecast.StateConnected && st.Connections >= 2
	})
	reconnect := time.Since(restarted)
	// The last title is sent again to the new server, unasked.
	_, err = srv.WaitMount(ctx, mount, mountHas(func(m *peertest.IcecastMount) bool {
		return m.Title == title && m.ServerType == ctype
	}, "title again"))
	require.NoError(t, err)
	// The new connection starts with a clean stream.
	assert.Empty(t, ffmpegDecode(t, srv.URL(mount), 2*time.Second, "warning"))

	maxLag := lag.Stop()
	end := clk.Status()
	elapsed := time.Since(wall)
	t.Logf("disconnect noticed in %v; reconnected %v after the restart (%d failed attempts); clock max lag %v; stream time %v over %v wall",
		noticed.Round(time.Millisecond), reconnect.Round(time.Millisecond), len(failures), maxLag, (end.Time - start.Time).Round(time.Millisecond), elapsed.Round(time.Millisecond))
	assert.Less(t, maxLag, latency, "the clock kept time while the server was away")
	assert.InDelta(t, elapsed.Seconds(), (end.Time - start.Time).Seconds(), latency.Seconds()+0.05, "stream time follows the wall clock")
	assert.Positive(t, st.FramesOffline, "frames were dropped, not queued, while disconnected")
	assert.Zero(t, st.BytesDropped)
	mu.Lock()
	require.Greater(t, len(failures), before, "failures after the kill")
	assert.ErrorIs(t, failures[before], icecast.ErrServerClosed, "the first error after the kill: the server went away")
	// Each failure is one reconnect record, counted once.
	fl.Check(t, fault.Reconnect, fault.KeyOutput, s.out.Node().ID(), len(failures),
		fault.KeyURL, fault.KeyRetryIn, fault.KeyAttempt, fault.KeyErr)
	mu.Unlock()
}

// TestCloseDeadServer: Close returns promptly whatever the server does:
// refuses connections, accepts and never answers, or takes the request
// then stops reading (the queue then drops the oldest data).
func TestCloseDeadServer(t *testing.T) {
	t.Run("refused", func(t *testing.T) {
		t.Parallel()
		port := peertest.FreePort(t)
		s, clk := manualStation(t, &icecast.Options{Host: "127.0.0.1", Port: port, Mount: "dead.mp3", MinRetryDelay: 20 * time.Millisecond})
		clk.Tick()
		waitStatus(t, s.out, 10*time.Second, "refused", func(st icecast.Status) bool {
			return errors.Is(st.LastError, syscall.ECONNREFUSED)
		})
		closeWithin(t, s.g, 5*time.Second)
	})
	t.Run("no-answer", func(t *testing.T) {
		t.Parallel()
		l := listen(t, func(c net.Conn) { <-t.Context().Done() })
		s, clk := manualStation(t, &icecast.Options{URL: "http://" + l.Addr().String() + "/dead.mp3", ConnectTimeout: time.Minute})
		clk.Tick()
		waitStatus(t, s.out, 10*time.Second, "connecting", func(st icecast.Status) bool { return st.State == icecast.StateConnecting })
		closeWithin(t, s.g, 5*time.Second)
	})
	t.Run("stalled", func(t *testing.T) {
		t.Parallel()
		reqs := make(chan *http.Request, 1)
		l := listen(t, func(c net.Conn) {
			req, err := http.ReadRequest(bufio.NewReader(c))
			if err != nil {
				return
			}
			reqs <- req
			_, _ = c.Write([]byte("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.0 200 OK\r\n\r\n"))
			<-t.Context().Done() // and never read again
		})
		const queue = 32 << 10
		s, clk := manualStation(t, &icecast.Options{URL: "http://" + l.Addr().String() + "/stall.mp3", WriteTimeout: time.Minute, QueueSize: queue})
		clk.Tick()
		waitStatus(t, s.out, 10*time.Second, "connected", func(st icecast.Status) bool { return st.State == icecast.StateConnected })
		// Ten seconds of stream at a time until the socket buffers are
		// full and the queue drops data.
		var st icecast.Status
		for i := 0; i < 100 && st.BytesDropped == 0; i++ {
			for range 500 {
				clk.Tick()
			}
			st = s.out.Status()
		}
		require.Positive(t, st.BytesDropped, "%+v", st)
		assert.LessOrEqual(t, st.BytesQueued, queue+8<<10, "the queue stays near its bound")
		assert.Equal(t, icecast.StateConnected, st.State)
		t.Logf("stalled server: %d bytes sent before the stall, %d dropped, %d queued", st.BytesSent, st.BytesDropped, st.BytesQueued)
		closeWithin(t, s.g, 5*time.Second)

		req := <-reqs
		assert.Equal(t, "PUT", req.Method)
		assert.Equal(t, "/stall.mp3", req.URL.Path)
		assert.Equal(t, "100-continue", req.Header.Get("Expect"))
		assert.Equal(t, "audio/mpeg", req.Header.Get("Content-Type"))
		assert.Equal(t, "/stall.mp3", req.Header.Get("Ice-Name"))
		assert.Equal(t, "0", req.Header.Get("Ice-Public"))
		assert.Equal(t, "channels=2;samplerate=44100;bitrate=128", req.Header.Get("Ice-Audio-Info"))
		user, pw, ok := req.BasicAuth()
		assert.True(t, ok)
		assert.Equal(t, "source", user)
		assert.Equal(t, "hackme", pw)
	})
}

// manualStation is an MP3 station under a started graph with a manual
// clock.
func manualStation(t *testing.T, opts *icecast.Options) (*station, *onair.Clock) {
	clk := onair.NewClock("main", &onair.ClockOptions{Kind: onair.Manual})
	s := newStation(t, &encode.AudioOptions{Codec: "libmp3lame", BitRate: 128000}, opts, clk)
	require.NoError(t, s.g.Start())
	t.Cleanup(func() { _ = s.g.Close() })
	return s, clk
}

// closeWithin closes g and fails the test unless Close returns within d.
func closeWithin(t *testing.T, g *onair.Graph, d time.Duration) {
	t.Helper()
	done := make(chan error, 1)
	start := time.Now()
	go func() { done <- g.Close() }()
	select {
	case err := <-done:
		require.NoError(t, err)
		t.Logf("Close returned in %v", time.Since(start).Round(time.Millisecond))
	case <-time.After(d):
		t.Fatalf("Close did not return within %v", d)
	}
}

// listen serves each connection of a 127.0.0.1 listener with handle until
// the test ends. Its receive buffers are small, so that a peer that stops
// reading stalls the sender soon.
func listen(t *testing.T, handle func(net.Conn)) net.Listener {
	lc := net.ListenConfig{Control: func(_, _ string, rc syscall.RawConn) error {
		var serr error
		err := rc.Control(func(fd uintptr) {
			serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096)
		})
		return errors.Join(err, serr)
	}}
	l, err := lc.Listen(context.Background(), "tcp", "127.0.0.1:0")
	require.NoError(t, err)
	var wg sync.WaitGroup
	t.Cleanup(func() {
		l.Close()
		wg.Wait()
	})
	wg.Go(func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			wg.Go(func() {
				defer c.Close()
				handle(c)
			})
		}
	})
	return l
}
