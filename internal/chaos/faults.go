package chaos

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/onair-go/onair"
)

// fault kinds, scheduled on stream time.
var faultKinds = []string{
	"file", "file", "file", "skip", "skip storm", "metadata storm", "reload",
	"dj during crossfade", "icecast restart", "listener stall", "listener drop",
	"listener trickle", "disk full",
}

// schedule draws a fault about every mean of stream time over d; the last
// tenth of d is fault-free so that every check settles.
func schedule(seed uint64, d, mean time.Duration) []event {
	rng := rand.New(rand.NewPCG(seed, 11))
	var evs []event
	for t := 5 * time.Second; t < d*9/10; t += time.Duration(rng.Int64N(int64(2 * mean))) {
		evs = append(evs, event{at: t, kind: faultKinds[rng.IntN(len(faultKinds))], n: 1 + rng.IntN(20)})
	}
	return evs
}

type event struct {
	at   time.Duration
	kind string
	n    int
}

// injector runs the faults, off the clock goroutine: the tap sends it
// the events that are due, without waiting.
type injector struct {
	st     *station
	lib    *library
	rng    *rand.Rand
	run    *runState
	hlsDir string
	ice    iceServer
	ctx    context.Context
	wg     sync.WaitGroup
	iceMu  sync.Mutex // one restart at a time
	// iceStarted is when icecast2 last started again (Unix ns)
	iceStarted atomic.Int64
	client     *http.Client
}

// iceServer is the part of internal/peertest's Icecast the faults use.
type iceServer interface {
	Kill()
	Start() error
}

func (in *injector) do(e event) {
	in.run.count(e.kind)
	switch e.kind {
	case "file":
		kind, err := in.lib.fileFault(in.rng)
		in.run.log.Info("chaos: fault", "kind", kind, "err", err)
		in.run.count(kind)
		if in.rng.IntN(2) == 0 {
			in.st.playlist.Reload()
		}
	case "reload":
		in.st.playlist.Reload()
	case "skip":
		targets := []onair.Source{in.st.xf, in.st.fallback, in.st.playlist}
		targets[in.rng.IntN(len(targets))].Node().Skip()
	case "skip storm":
		in.storm(e.n, func(i int) { in.st.xf.Node().Skip() })
	case "metadata storm":
		in.storm(e.n*10, func(i int) {
			in.st.xf.Node().InsertMetadata(onair.Metadata{"title": fmt.Sprintf("storm %d", i)}, false)
			in.st.playlist.Node().InsertMetadata(onair.Metadata{"comment": fmt.Sprintf("storm %d", i)}, false)
		})
	case "dj during crossfade":
		in.run.armDJ.Store(true) // the tap starts it at the next transition
	case "icecast restart":
		in.goWall(func() {
			in.iceMu.Lock()
			defer in.iceMu.Unlock()
			in.ice.Kill()
			in.sleep(2 * time.Second)
			if err := in.ice.Start(); err != nil {
				in.run.violation("icecast restarts", fmt.Sprintf("icecast2 did not start again: %v", err))
				return
			}
			in.iceStarted.Store(time.Now().UnixNano())
		})
	case "listener stall":
		p := mounts[in.rng.IntN(len(mounts))].path
		in.goWall(func() { in.listener(p, 4<<10, 5*time.Second, 0) })
	case "listener drop":
		p := mounts[in.rng.IntN(len(mounts))].path
		in.goWall(func() { in.listener(p, 16<<10, 0, 0) })
	case "listener trickle":
		p := mounts[in.rng.IntN(len(mounts))].path
		in.goWall(func() { in.listener(p, 0, 0, 10) })
	case "disk full":
		in.goWall(in.diskFull)
	}
}

// dj streams a part of the DJ set to the harbor, then breaks the
// connection, as a DJ whose network fails.
func (in *injector) dj() {
	in.run.count("dj connected")
	b, err := os.ReadFile(in.lib.djSet)
	if err != nil {
		in.run.violation("faults run", err.Error())
		return
	}
	cut := len(b) / (2 + in.rng.IntN(4))
	in.goWall(func() {
		pr, pw := io.Pipe()
		go func() {
			_, _ = pw.Write(b[:cut])
			pw.CloseWithError(errors.New("chaos: the DJ's network failed"))
		}()
		req, err := http.NewRequestWithContext(in.ctx, http.MethodPut, "http://"+in.st.harborAddr+"/live", pr)
		if err != nil {
			_ = pr.Close()
			return
		}
		req.SetBasicAuth("source", djPassword)
		req.Header.Set("Content-Type", "audio/mpeg")
		resp, err := in.client.Do(req)
		_ = pr.Close() // unblocks the writer if the request ended first
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
		}
	})
}

// storm makes n calls of fn from 4 goroutines at once.
func (in *injector) storm(n int, fn func(i int)) {
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += 4 {
				fn(i)
			}
		}()
	}
	wg.Wait()
}

// listener connects to a mount, reads first bytes, then stalls for
// stall, or reads one byte a second for trickle seconds, then hangs up.
func (in *injector) listener(path string, first int, stall time.Duration, trickle int) {
	req, err := http.NewRequestWithContext(in.ctx, http.MethodGet, "http://"+in.st.listenAddr+path, nil)
	if err != nil {
		return
	}
	resp, err := in.client.Do(req)
	if err != nil {
		return
	}
	defer resp.Body.Close()
	_, _ = io.CopyN(io.Discard, resp.Body, int64(first))
	in.sleep(stall)
	one := make([]byte, 1)
	for range trickle {
		if _, err := resp.Body.Read(one); err != nil {
			return
		}
		in.sleep(time.Second)
	}
}

// diskFull fills the HLS folder's file system, checks the playlists
// while it is full, frees it and checks them again.
func (in *injector) diskFull() {
	fill := filepath.Join(in.hlsDir, "fill")
	f, err := os.Create(fill)
	if err == nil {
		buf := make([]byte, 64<<10)
		for {
			if _, err := f.Write(buf); err != nil {
				break
			}
		}
		_ = f.Close()
	}
	for range 3 {
		in.sleep(time.Second)
		in.run.checkHLS()
	}
	_ = os.Remove(fill)
	in.sleep(time.Second)
	in.run.checkHLS()
}

func (in *injector) goWall(fn func()) {
	in.wg.Add(1)
	go func() {
		defer in.wg.Done()
		fn()
	}()
}

// sleep waits d of wall time or until the run ends.
func (in *injector) sleep(d time.Duration) {
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-in.ctx.Done():
	case <-t.C:
	}
}

// mountTmpfs mounts a small tmpfs on dir (we are root on the test
// machines); the returned function unmounts it.
func mountTmpfs(dir string, size string) (func() error, error) {
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size, "tmpfs", dir).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("chaos: mounting a tmpfs on %s (the disk-full fault needs root): %v: %s", dir, err, out)
	}
	return func() error {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			return fmt.Errorf("chaos: umount %s: %v: %s", dir, err, out)
		}
		return nil
	}, nil
}
