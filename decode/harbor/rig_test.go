package harbor_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"math"
	"net"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/decode/harbor"
	"github.com/onair-go/onair/internal/logtest"
	"github.com/onair-go/onair/internal/tonetest"
	"github.com/onair-go/onair/onairtest"
)

const (
	password  = "hackme"
	prebuffer = 500 * time.Millisecond
	frameDur  = 20 * time.Millisecond
)

// rig is a harbor with one mount in a graph on a manual clock. A pump
// goroutine ticks the clock from the data: while a client streams, only
// when more than the prebuffer is decoded (so the live audio reaches the
// output whole, without underruns, whatever the machine's load); after it
// left, until its audio and end mark are out; and, with idle set (a
// Fallback rig), at a steady pace while no client streams.
type rig struct {
	t       *testing.T
	h       *harbor.Harbor
	m       *harbor.Mount
	port    string
	rec     *onairtest.Recorder
	log     *logtest.Buffer
	disc    chan error
	conns   chan harbor.Client
	drained chan struct{} // the audio of a client that left is out
	readyCh chan struct{} // a client's prebuffer is full, its audio plays

	mu        sync.Mutex // guards following
	connected time.Time  // OnConnect
	ready     time.Time  // the prebuffer was first full
}

type rigOptions struct {
	mount  string
	harbor harbor.Options
	// build makes the graph's source from the mount's; nil records the
	// mount itself through a fallible output.
	build func(m *harbor.Mount) onair.Source
	idle  bool
	// onDisconnect is called when a client has left.
	onDisconnect func()
}

func newRig(t *testing.T, o rigOptions) *rig {
	t.Helper()
	r := &rig{t: t, log: &logtest.Buffer{}, disc: make(chan error, 8), conns: make(chan harbor.Client, 8), drained: make(chan struct{}, 8), readyCh: make(chan struct{}, 8)}
	ho := o.harbor
	ho.Password = password
	ho.Logger = slog.New(slog.NewTextHandler(r.log, &slog.HandlerOptions{Level: slog.LevelDebug}))
	h, err := harbor.New(&ho)
	require.NoError(t, err)
	r.h = h
	r.m, err = h.Mount(o.mount, &harbor.MountOptions{
		Prebuffer: prebuffer,
		OnConnect: func(c harbor.Client) {
			r.mu.Lock()
			r.connected = time.Now()
			r.mu.Unlock()
			r.conns <- c
		},
		OnDisconnect: func(_ harbor.Client, err error) {
			if o.onDisconnect != nil {
				o.onDisconnect()
			}
			r.disc <- err
		},
	})
	require.NoError(t, err)

	var src onair.Source = r.m
	fallible := true
	if o.build != nil {
		src, fallible = o.build(r.m), false
	}
	clk := onair.NewClock("test", &onair.ClockOptions{Kind: onair.Manual})
	g, err := onair.NewGraph(&onair.GraphOptions{Clock: clk, Logger: ho.Logger, SyncCallbacks: true})
	require.NoError(t, err)
	r.rec = onairtest.NewRecorder(clk)
	require.NoError(t, g.Add(onair.NewOutput(src, r.rec, &onair.OutputOptions{Fallible: fallible})))
	require.NoError(t, g.Start())
	t.Cleanup(func() {
		if err := g.Close(); err != nil {
			t.Errorf("graph close: %v", err)
		}
	})

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	_, r.port, _ = net.SplitHostPort(ln.Addr().String())
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- h.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-served:
			if !errors.Is(err, context.Canceled) {
				t.Errorf("Serve: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Errorf("Serve did not return")
		}
	})

	stop, pumped := make(chan struct{}), make(chan struct{})
	go r.pump(clk, o.idle, stop, pumped)
	t.Cleanup(func() { close(stop); <-pumped })
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("harbor log:\n%s", r.log.String())
		}
	})
	return r
}

func (r *rig) pump(clk *onair.Clock, idle bool, stop, done chan struct{}) {
	defer close(done)
	wait := time.NewTicker(10 * time.Millisecond)
	defer wait.Stop()
	const endTicks = 5 // ticks after the audio is out, for the end mark
	extra := endTicks
	playing := false // the current client's prebuffer was full
	for {
		select {
		case <-stop:
			return
		default:
		}
		buf, conn := r.m.Buffered(), r.m.Connected()
		if conn || buf > 0 {
			extra = 0
		}
		if !conn {
			playing = false
		}
		switch {
		case conn && buf >= prebuffer+2*frameDur:
			if !playing {
				playing = true
				r.mu.Lock()
				r.ready = time.Now()
				r.mu.Unlock()
				select {
				case r.readyCh <- struct{}{}:
				default:
				}
			}
			clk.Tick()
			continue
		case !conn && buf > 0:
			clk.Tick()
			continue
		case !conn && extra < endTicks:
			extra++
			clk.Tick()
			if extra == endTicks {
				select {
				case r.drained <- struct{}{}:
				default:
				}
			}
			continue
		case !conn && idle:
			clk.Tick()
		}
		select {
		case <-stop:
			return
		case <-wait.C:
		}
	}
}

// latency is the time from the client's acceptance to a full prebuffer
// (unknown when the client sent its whole stream at once).
func (r *rig) latency() (time.Duration, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ready.IsZero() || r.ready.Before(r.connected) {
		return 0, false
	}
	return r.ready.Sub(r.connected), true
}

// waitDisconnect waits for the client to leave and for its audio to be
// played out, and returns the disconnect reason.
func (r *rig) waitDisconnect(timeout time.Duration) error {
	r.t.Helper()
	var err error
	select {
	case err = <-r.disc:
	case <-time.After(timeout):
		r.t.Fatalf("the client did not disconnect within %v", timeout)
	}
	select {
	case <-r.drained:
	case <-time.After(10 * time.Second):
		r.t.Fatalf("the live audio was not played out")
	}
	return err
}

// waitReady waits until a client's audio plays.
func (r *rig) waitReady(timeout time.Duration) {
	r.t.Helper()
	select {
	case <-r.readyCh:
	case <-time.After(timeout):
		r.t.Fatalf("no client audio played within %v", timeout)
	}
}

// waitConnect waits for a client to be accepted.
func (r *rig) waitConnect(timeout time.Duration) harbor.Client {
	r.t.Helper()
	select {
	case c := <-r.conns:
		return c
	case <-time.After(timeout):
		r.t.Fatalf("no client connected within %v", timeout)
	}
	return harbor.Client{}
}

// proc is a peer program started by a test and killed when it ends.
type proc struct {
	cmd  *exec.Cmd
	out  *logtest.Buffer
	done chan error
}

// start runs a peer program; a missing program fails the test with the
// install hint.
func start(t *testing.T, name string, args ...string) *proc {
	t.Helper()
	return startIn(t, nil, name, args...)
}

// startIn is start with the program's standard input read from stdin.
func startIn(t *testing.T, stdin io.Reader, name string, args ...string) *proc {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("%s not found (%v): run scripts/test-deps.sh (or make test-deps) to install the test peers", name, err)
	}
	p := &proc{cmd: exec.Command(path, args...), out: &logtest.Buffer{}, done: make(chan error, 1)}
	p.cmd.Stdin, p.cmd.Stdout, p.cmd.Stderr = stdin, p.out, p.out
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	require.NoError(t, p.cmd.Start())
	go func() { p.done <- p.cmd.Wait() }()
	t.Cleanup(func() {
		// Kill the process group: the program and any child it started.
		_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
		<-p.done
		if t.Failed() {
			t.Logf("%s output:\n%s", name, p.out.String())
		}
	})
	return p
}

// wait waits for the program to exit and fails the test if it failed.
func (p *proc) wait(t *testing.T, timeout time.Duration) {
	t.Helper()
	select {
	case err := <-p.done:
		p.done <- err
		require.NoError(t, err, "%s failed:\n%s", p.cmd.Path, p.out.String())
	case <-time.After(timeout):
		t.Fatalf("%s did not exit within %v:\n%s", p.cmd.Path, timeout, p.out.String())
	}
}

// media makes a test file with FFmpeg: a 440 Hz tone of d, tagged.
func media(t *testing.T, name string, d time.Duration, args ...string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	all := append([]string{"-nostdin", "-v", "error", "-f", "lavfi", "-i",
		"sine=frequency=440:sample_rate=44100:duration=" + seconds(d)}, args...)
	p := start(t, "ffmpeg", append(all, path)...)
	p.wait(t, 30*time.Second)
	return path
}

func seconds(d time.Duration) string { return strconv.FormatFloat(d.Seconds(), 'f', -1, 64) }

// liveBlock finds the audio of the capture that is not silent: where it
// starts and ends (samples), at 10 ms resolution.
func liveBlock(c *onairtest.Capture) (start, end int) {
	if len(c.Audio) == 0 {
		return 0, 0
	}
	a := c.Audio[0]
	const win = 441
	start, end = -1, -1
	for i := 0; i+win <= len(a); i += win {
		var sum float64
		for _, v := range a[i : i+win] {
			sum += float64(v) * float64(v)
		}
		if math.Sqrt(sum/win) > 0.01 {
			if start < 0 {
				start = i
			}
			end = i + win
		}
	}
	if start < 0 {
		return 0, 0
	}
	return start, end
}

// tone reports the RMS level and the frequency of samples at 44.1 kHz.
func tone(a []float32) (rms, freq float64) { return tonetest.Measure(a, 44100) }
