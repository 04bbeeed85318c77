package peertest

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// ErrNoMount is returned by [Icecast.Mount] when the server has no source
// on the mount.
var ErrNoMount = errors.New("peertest: icecast has no source on this mount")

// IcecastOptions configure a test icecast2 server. A nil *IcecastOptions
// means all defaults.
type IcecastOptions struct {
	// SourcePassword is the password of source clients (user "source").
	// It defaults to "hackme".
	SourcePassword string
	// AdminUser and AdminPassword default to "admin" and "adminpw".
	AdminUser, AdminPassword string
	// SourceTimeout is how long icecast waits for data from a source before
	// it drops it. It defaults to 10s.
	SourceTimeout time.Duration
}

// Icecast is a Debian icecast2 server bound to 127.0.0.1 on a port of its
// own, with its configuration and logs in a temporary folder. It is
// stopped by PID when the test ends. Its methods are safe from any
// goroutine.
type Icecast struct {
	// Port is the server's port; it stays the same across Kill and Start.
	Port int
	// SourcePassword, AdminUser and AdminPassword are the credentials the
	// server was configured with.
	SourcePassword, AdminUser, AdminPassword string

	t      testing.TB
	bin    string
	dir    string
	client *http.Client

	mu     sync.Mutex // guards cmd and exited
	cmd    *exec.Cmd
	exited chan struct{}
}

// StartIcecast starts icecast2 on a free port of 127.0.0.1 and waits until
// it answers /admin/stats. The test fails (with the install hint) when
// icecast2 is missing or does not start.
//
// As root, icecast2 refuses to run without a changeowner directive: the
// configuration then makes it switch to Debian's icecast2:icecast user,
// and the temporary folder is given to that user.
func StartIcecast(t testing.TB, opts *IcecastOptions) *Icecast {
	t.Helper()
	o := IcecastOptions{}
	if opts != nil {
		o = *opts
	}
	if o.SourcePassword == "" {
		o.SourcePassword = "hackme"
	}
	if o.AdminUser == "" {
		o.AdminUser = "admin"
	}
	if o.AdminPassword == "" {
		o.AdminPassword = "adminpw"
	}
	if o.SourceTimeout <= 0 {
		o.SourceTimeout = 10 * time.Second
	}
	s := &Icecast{
		Port: FreePort(t), SourcePassword: o.SourcePassword, AdminUser: o.AdminUser, AdminPassword: o.AdminPassword,
		t: t, bin: LookPath(t, "icecast2"),
		client: &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}},
	}
	// Not t.TempDir: its parent folders are private to the test's user,
	// and icecast2 writes its logs after switching to its own user.
	dir, err := os.MkdirTemp("", "onair-icecast-")
	if err != nil {
		t.Fatalf("peertest: %v", err)
	}
	s.dir = dir
	t.Cleanup(func() {
		s.Kill()
		if t.Failed() {
			t.Logf("icecast2 error.log (tail):\n%s", s.ErrorLog())
		}
		os.RemoveAll(dir)
	})
	if err := os.MkdirAll(filepath.Join(dir, "log"), 0o755); err != nil {
		t.Fatalf("peertest: %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "icecast.xml"), []byte(s.config(o)), 0o644); err != nil {
		t.Fatalf("peertest: %v", err)
	}
	if os.Geteuid() == 0 {
		if err := chownTree(dir, "icecast2", "icecast"); err != nil {
			t.Fatalf("peertest: %v (the icecast2 package creates that user)", err)
		}
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	return s
}

func (s *Icecast) config(o IcecastOptions) string {
	owner := ""
	if os.Geteuid() == 0 {
		owner = "<changeowner><user>icecast2</user><group>icecast</group></changeowner>"
	}
	return fmt.Sprintf(`<icecast>
  <location>test</location><admin>test@localhost</admin>
  <limits><clients>100</clients><sources>20</sources><queue-size>524288</queue-size>
    <client-timeout>30</client-timeout><header-timeout>15</header-timeout><source-timeout>%d</source-timeout>
    <burst-on-connect>1</burst-on-connect><burst-size>65535</burst-size></limits>
  <authentication><source-password>%s</source-password><relay-password>%[2]s</relay-password>
    <admin-user>%s</admin-user><admin-password>%s</admin-password></authentication>
  <hostname>127.0.0.1</hostname>
  <listen-socket><port>%d</port><bind-address>127.0.0.1</bind-address></listen-socket>
  <fileserve>1</fileserve>
  <paths><basedir>/usr/share/icecast2</basedir><logdir>%s</logdir>
    <webroot>/usr/share/icecast2/web</webroot><adminroot>/usr/share/icecast2/admin</adminroot></paths>
  <logging><accesslog>access.log</accesslog><errorlog>error.log</errorlog><loglevel>3</loglevel></logging>
  <security><chroot>0</chroot>%s</security>
</icecast>
`, int(o.SourceTimeout/time.Second), xmlEscape(o.SourcePassword), xmlEscape(o.AdminUser), xmlEscape(o.AdminPassword),
		s.Port, filepath.Join(s.dir, "log"), owner)
}

func xmlEscape(v string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(v))
	return b.String()
}

func chownTree(dir, userName, group string) error {
	u, err := user.Lookup(userName)
	if err != nil {
		return err
	}
	g, err := user.LookupGroup(group)
	if err != nil {
		return err
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(g.Gid)
	return filepath.Walk(dir, func(p string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, uid, gid)
	})
}

// Start starts the server (again, after [Icecast.Kill]) on the same port
// and waits until it answers /admin/stats, for at most 10 seconds. A
// server that exits while starting is started again, up to three times in
// all: on a loaded machine icecast2 has been seen to exit right after
// logging its start (in about 1 of 50 starts), with nothing in its logs.
func (s *Icecast) Start() error {
	var err error
	for range 3 {
		var exited bool
		if exited, err = s.start(); err == nil || !exited {
			return err
		}
	}
	return err
}

// start is one attempt of Start; it reports whether the process exited.
func (s *Icecast) start() (exited bool, err error) {
	s.mu.Lock()
	if s.cmd != nil {
		s.mu.Unlock()
		return false, errors.New("peertest: icecast2 is already running")
	}
	out, err := os.OpenFile(filepath.Join(s.dir, "stdout.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		s.mu.Unlock()
		return false, fmt.Errorf("peertest: %w", err)
	}
	cmd := exec.Command(s.bin, "-c", filepath.Join(s.dir, "icecast.xml"))
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		out.Close()
		s.mu.Unlock()
		return false, fmt.Errorf("peertest: starting icecast2: %w", err)
	}
	done := make(chan struct{})
	var status error
	go func() {
		status = cmd.Wait()
		out.Close()
		close(done)
	}()
	s.cmd, s.exited = cmd, done
	s.mu.Unlock()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err = Poll(ctx, 50*time.Millisecond, func() error {
		code, body, err := get(ctx, s.client, s.URL("/admin/stats"), s.AdminUser, s.AdminPassword)
		if err != nil {
			select {
			case <-done:
				cancel() // no use waiting: report the exit now
				return fmt.Errorf("%w (%v)", errExited, status)
			default:
			}
			return err
		}
		if code != http.StatusOK || !strings.Contains(string(body), "<icestats>") {
			return fmt.Errorf("/admin/stats: status %d", code)
		}
		return nil
	})
	if err != nil {
		exited = errors.Is(err, errExited)
		s.Kill()
		b, _ := os.ReadFile(filepath.Join(s.dir, "stdout.log"))
		return exited, fmt.Errorf("peertest: icecast2 on port %d did not start: %w\nstdout/stderr: %s\nerror.log: %s", s.Port, err, b, s.ErrorLog())
	}
	return false, nil
}

var errExited = errors.New("icecast2 exited")

// Kill stops the server with SIGKILL (as a crash would) and waits for the
// process to end. It does nothing when the server is not running.
func (s *Icecast) Kill() {
	s.mu.Lock()
	cmd, exited := s.cmd, s.exited
	s.cmd, s.exited = nil, nil
	s.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Kill()
	select {
	case <-exited:
	case <-time.After(10 * time.Second):
		s.t.Errorf("peertest: icecast2 (pid %d) did not exit after SIGKILL", cmd.Process.Pid)
	}
}

// Addr returns "127.0.0.1:port".
func (s *Icecast) Addr() string { return "127.0.0.1:" + strconv.Itoa(s.Port) }

// URL returns the server's URL of path ("/live.mp3", "/admin/stats").
func (s *Icecast) URL(path string) string {
	if !strings.HasPrefix(path, "/") {
		path = "/" + path
	}
	return "http://" + s.Addr() + path
}

// ErrorLog returns the last 4 KiB of the server's error log.
func (s *Icecast) ErrorLog() string {
	b, _ := os.ReadFile(filepath.Join(s.dir, "log", "error.log"))
	if len(b) > 4096 {
		b = b[len(b)-4096:]
	}
	return string(b)
}
