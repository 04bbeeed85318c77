package peertest

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// SeaweedFS is a SeaweedFS "weed mini" (master, volume, filer and S3
// gateway in one process) bound to 127.0.0.1 on ports of its own, with its
// data in a temporary folder, serving one bucket with one key pair. It is
// stopped by PID when the test ends. Its methods are safe from any
// goroutine.
type SeaweedFS struct {
	// Endpoint is the S3 gateway's URL (http://127.0.0.1:PORT); it stays
	// the same across Kill and Start.
	Endpoint string
	// Bucket is the bucket made at start; AccessKey and SecretKey the only
	// credentials the gateway accepts (anonymous requests get 403).
	Bucket, AccessKey, SecretKey string
	// Client is a minio-go client of the gateway with those credentials.
	Client *minio.Client

	t     testing.TB
	bin   string
	dir   string
	args  []string
	mu    sync.Mutex // guards cmd and exited
	cmd   *exec.Cmd
	exit  chan struct{}
	logfd *os.File
}

// SeaweedFSBinary returns the weed binary, building it once into the
// cache with scripts/seaweedfs.sh (minutes the first time on a fresh
// machine, nothing later). The test fails with the script's output when
// the build fails.
func SeaweedFSBinary(t testing.TB) string {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	script := filepath.Join(filepath.Dir(file), "..", "..", "scripts", "seaweedfs.sh")
	if out, err := exec.Command(script, "ensure").CombinedOutput(); err != nil {
		t.Fatalf("peertest: %s ensure failed: %v\n%s", script, err, out)
	}
	out, err := exec.Command(script, "path").Output()
	if err != nil {
		t.Fatalf("peertest: %s path: %v", script, err)
	}
	return strings.TrimSpace(string(out))
}

// StartSeaweedFS starts weed mini with bucket "onair" and waits until its
// S3 gateway answers (about 10 s).
func StartSeaweedFS(t testing.TB) *SeaweedFS {
	t.Helper()
	w := &SeaweedFS{t: t, bin: SeaweedFSBinary(t), dir: t.TempDir(), Bucket: "onair", AccessKey: "onairkey", SecretKey: "onairsecret"}
	// weed opens gRPC ports at port+10000: every port needs its pair free.
	s3, master, filer, volume, admin := pairPort(t), pairPort(t), pairPort(t), pairPort(t), pairPort(t)
	w.Endpoint = "http://127.0.0.1:" + strconv.Itoa(s3)
	w.args = []string{"mini", "-dir=" + filepath.Join(w.dir, "data"), "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
		"-master.telemetry=false", "-admin.ui=false", "-bucket=" + w.Bucket,
		"-s3.port=" + strconv.Itoa(s3), "-master.port=" + strconv.Itoa(master),
		"-filer.port=" + strconv.Itoa(filer), "-volume.port=" + strconv.Itoa(volume),
		// Every other listener off, or on a port of its own: their
		// defaults are fixed numbers that tests running at once share.
		"-admin.port=" + strconv.Itoa(admin), "-admin.port.legacy=0", "-webdav=false",
		"-s3.port.iceberg=0", "-s3.port.lance=0", "-metricsPort=0"}
	if err := os.MkdirAll(filepath.Join(w.dir, "data"), 0o755); err != nil {
		t.Fatal(err)
	}
	c, err := minio.New("127.0.0.1:"+strconv.Itoa(s3), &minio.Options{Creds: credentials.NewStaticV4(w.AccessKey, w.SecretKey, "")})
	if err != nil {
		t.Fatal(err)
	}
	w.Client = c
	t.Cleanup(w.Kill)
	w.Start()
	return w
}

// pairPort returns a free port p of 127.0.0.1 whose p+10000 is free too.
func pairPort(t testing.TB) int {
	t.Helper()
	for range 100 {
		p := FreePort(t)
		if p+10000 > 65535 {
			continue
		}
		l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p+10000))
		if err != nil {
			continue
		}
		l.Close()
		return p
	}
	t.Fatal("peertest: no free port pair for SeaweedFS")
	return 0
}

// Start starts the server (again, after Kill) on the same ports and data
// and waits until the bucket answers. A running server is left alone.
func (w *SeaweedFS) Start() {
	w.t.Helper()
	w.mu.Lock()
	if w.cmd != nil {
		w.mu.Unlock()
		return
	}
	logf, err := os.OpenFile(filepath.Join(w.dir, "weed.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		w.mu.Unlock()
		w.t.Fatal(err)
	}
	cmd := exec.Command(w.bin, w.args...)
	cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID="+w.AccessKey, "AWS_SECRET_ACCESS_KEY="+w.SecretKey)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		w.mu.Unlock()
		logf.Close()
		w.t.Fatalf("peertest: starting weed: %v", err)
	}
	exit := make(chan struct{})
	go func() { _ = cmd.Wait(); logf.Close(); close(exit) }()
	w.cmd, w.exit, w.logfd = cmd, exit, logf
	w.mu.Unlock()

	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	err = Poll(ctx, 250*time.Millisecond, func() error {
		select {
		case <-exit:
			return fmt.Errorf("weed exited")
		default:
		}
		rctx, rcancel := context.WithTimeout(ctx, 5*time.Second)
		defer rcancel()
		ok, err := w.Client.BucketExists(rctx, w.Bucket)
		if err == nil && !ok {
			err = fmt.Errorf("bucket %s not there yet", w.Bucket)
		}
		return err
	})
	if err != nil {
		w.t.Fatalf("peertest: SeaweedFS did not start: %v\n%s", err, w.Log())
	}
}

// Kill stops the server at once (SIGKILL to its process group) and
// waits for it to exit. Its data stays for Start.
func (w *SeaweedFS) Kill() {
	w.mu.Lock()
	cmd, exit := w.cmd, w.exit
	w.cmd = nil
	w.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	<-exit
}

// Log returns the end of the server's log.
func (w *SeaweedFS) Log() string {
	b, _ := os.ReadFile(filepath.Join(w.dir, "weed.log"))
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}

// ReadProxy starts an HTTP server that serves the bucket's objects
// read-only, as a CDN in front of a private bucket does: GET /KEY is
// forwarded to the gateway signed with the key pair (a presigned URL),
// and the object's status, Content-Type, Cache-Control and body come
// back. It returns the server's URL; it is closed when the test ends.
func (w *SeaweedFS) ReadProxy() string {
	hc := &http.Client{Timeout: 30 * time.Second}
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			http.Error(rw, "read only", http.StatusMethodNotAllowed)
			return
		}
		key := strings.TrimPrefix(r.URL.Path, "/")
		u, err := w.Client.Presign(r.Context(), r.Method, w.Bucket, key, time.Minute, nil)
		if err != nil {
			http.Error(rw, err.Error(), http.StatusBadGateway)
			return
		}
		req, err := http.NewRequestWithContext(r.Context(), r.Method, u.String(), nil)
		if err != nil {
			http.Error(rw, err.Error(), http.StatusBadGateway)
			return
		}
		resp, err := hc.Do(req)
		if err != nil {
			http.Error(rw, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		for _, h := range []string{"Content-Type", "Cache-Control", "Content-Length", "Last-Modified", "ETag"} {
			if v := resp.Header.Get(h); v != "" {
				rw.Header().Set(h, v)
			}
		}
		rw.WriteHeader(resp.StatusCode)
		_, _ = io.Copy(rw, resp.Body)
	}))
	w.t.Cleanup(srv.Close)
	return srv.URL
}
