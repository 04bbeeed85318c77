package peertest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"
)

// NginxRTMP is nginx with Debian's libnginx-mod-rtmp, bound to 127.0.0.1
// on a port of its own, with one live application "live" (no recording).
// It is stopped by PID when the test ends. Its methods are safe from any
// goroutine.
type NginxRTMP struct {
	// Port is the RTMP port; it stays the same across Kill and Start.
	Port int

	t    testing.TB
	bin  string
	dir  string
	mu   sync.Mutex
	cmd  *exec.Cmd
	exit chan struct{}
}

// NginxOptions configure a test nginx-rtmp. A nil *NginxOptions means all
// defaults.
type NginxOptions struct {
	// OnPublish, when set, is the URL nginx-rtmp asks (HTTP POST, the
	// stream name in "name") before it accepts a publisher: a 2xx answer
	// accepts it, anything else rejects it.
	OnPublish string
}

// StartNginxRTMP starts nginx-rtmp on a free port of 127.0.0.1 and waits
// until it accepts TCP connections. The test fails with the install hint
// when nginx or the module is missing.
func StartNginxRTMP(t testing.TB, opts *NginxOptions) *NginxRTMP {
	t.Helper()
	o := NginxOptions{}
	if opts != nil {
		o = *opts
	}
	n := &NginxRTMP{t: t, bin: LookPath(t, "nginx"), dir: t.TempDir(), Port: FreePort(t)}
	const module = "/usr/lib/nginx/modules/ngx_rtmp_module.so"
	if _, err := os.Stat(module); err != nil {
		t.Fatalf("peertest: %s is missing (libnginx-mod-rtmp): run scripts/test-deps.sh (or make test-deps) as root", module)
	}
	onPublish := ""
	if o.OnPublish != "" {
		onPublish = "on_publish " + o.OnPublish + ";"
	}
	conf := fmt.Sprintf(`load_module %s;
error_log %s/error.log info;
pid %s/nginx.pid;
daemon off;
events {}
rtmp {
  server {
    listen 127.0.0.1:%d;
    application live { live on; record off; %s }
  }
}
`, module, n.dir, n.dir, n.Port, onPublish)
	if err := os.WriteFile(filepath.Join(n.dir, "nginx.conf"), []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(n.Kill)
	n.Start()
	return n
}

// URL returns the RTMP URL of stream name in application live.
func (n *NginxRTMP) URL(name string) string {
	return "rtmp://127.0.0.1:" + strconv.Itoa(n.Port) + "/live/" + name
}

// Start starts nginx (again, after Kill) and waits until its port
// accepts connections. A running server is left alone.
func (n *NginxRTMP) Start() {
	n.t.Helper()
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.cmd != nil {
		return
	}
	cmd := exec.Command(n.bin, "-p", n.dir, "-c", filepath.Join(n.dir, "nginx.conf"))
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	out, err := os.OpenFile(filepath.Join(n.dir, "stderr.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		n.t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		out.Close()
		n.t.Fatalf("peertest: starting nginx: %v", err)
	}
	exit := make(chan struct{})
	go func() { _ = cmd.Wait(); out.Close(); close(exit) }()
	n.cmd, n.exit = cmd, exit
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	err = Poll(ctx, 50*time.Millisecond, func() error {
		select {
		case <-exit:
			return errors.New("nginx exited")
		default:
		}
		c, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(n.Port), time.Second)
		if err == nil {
			c.Close()
		}
		return err
	})
	if err != nil {
		n.t.Fatalf("peertest: nginx does not listen on %d: %v\n%s", n.Port, err, n.log())
	}
}

// Kill stops nginx at once (SIGKILL to its process group: master and
// workers) and waits for it.
func (n *NginxRTMP) Kill() {
	n.mu.Lock()
	cmd, exit := n.cmd, n.exit
	n.cmd = nil
	n.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	<-exit
}

func (n *NginxRTMP) log() string {
	a, _ := os.ReadFile(filepath.Join(n.dir, "error.log"))
	b, _ := os.ReadFile(filepath.Join(n.dir, "stderr.log"))
	return string(a) + string(b)
}

// Log returns nginx's error log.
func (n *NginxRTMP) Log() string { return n.log() }
