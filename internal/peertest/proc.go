package peertest

import (
	"net"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// FreeUDPPort returns a UDP port on 127.0.0.1 that was free a moment ago
// (for SRT peers).
func FreeUDPPort(t testing.TB) int {
	t.Helper()
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("peertest: no free UDP port: %v", err)
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).Port
}

// Proc is a peer program run by a test (srt-live-transmit, ffmpeg), its
// standard output going to a file and its standard error kept. It is
// killed when the test ends. Its methods are safe from any goroutine.
type Proc struct {
	// Out is the file that receives the program's standard output ("" if
	// none).
	Out string

	cmd    *exec.Cmd
	done   chan struct{}
	mu     sync.Mutex
	stderr strings.Builder
	err    error
}

type lockedWriter struct{ p *Proc }

func (w lockedWriter) Write(b []byte) (int, error) {
	w.p.mu.Lock()
	defer w.p.mu.Unlock()
	return w.p.stderr.Write(b)
}

// Start runs name with args (name is looked up on PATH; a missing program
// fails the test with the install hint). out, when not "", receives the
// program's standard output; stdin, when not "", is the file given to its
// standard input.
func Start(t testing.TB, out, stdin, name string, args ...string) *Proc {
	t.Helper()
	p := &Proc{Out: out, done: make(chan struct{})}
	cmd := exec.Command(LookPath(t, name), args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Stderr = lockedWriter{p}
	if out != "" {
		f, err := os.Create(out)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		cmd.Stdout = f
	}
	if stdin != "" {
		f, err := os.Open(stdin)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		cmd.Stdin = f
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("peertest: starting %s: %v", name, err)
	}
	p.cmd = cmd
	go func() {
		err := cmd.Wait()
		p.mu.Lock()
		p.err = err
		p.mu.Unlock()
		close(p.done)
	}()
	t.Cleanup(p.Kill)
	return p
}

// Kill kills the program (SIGKILL to its process group) and waits for it.
func (p *Proc) Kill() {
	select {
	case <-p.done:
		return
	default:
	}
	_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
	<-p.done
}

// Interrupt sends SIGINT (a clean stop for ffmpeg) and waits for the
// program up to timeout, then kills it.
func (p *Proc) Interrupt(timeout time.Duration) {
	_ = p.cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-p.done:
	case <-time.After(timeout):
		p.Kill()
	}
}

// Wait waits for the program to exit, up to timeout (then it is killed),
// and returns its exit error.
func (p *Proc) Wait(timeout time.Duration) error {
	select {
	case <-p.done:
	case <-time.After(timeout):
		p.Kill()
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.err
}

// Exited reports whether the program has exited.
func (p *Proc) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// Stderr returns what the program wrote to its standard error so far.
func (p *Proc) Stderr() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stderr.String()
}
