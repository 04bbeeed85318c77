package whep_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/onair-go/onair/internal/rtc/rtctest"
	"github.com/stretchr/testify/require"
)

// poolEnv makes the test binary a pool of WHEP listeners instead (see
// pool): the load test runs its clients in another process, so that it
// measures the server's CPU and memory alone.
const poolEnv = "ONAIR_WHEP_POOL"

func TestMain(m *testing.M) {
	if spec := os.Getenv(poolEnv); spec != "" {
		os.Exit(pool(spec))
	}
	os.Exit(m.Run())
}

// pool connects N pion players to URL (spec "URL N"), 8 at a time, prints
// "connected" once every one has received a packet, and when its standard
// input closes prints "packets P" (the total received) and exits.
func pool(spec string) int {
	var url string
	var n int
	if _, err := fmt.Sscan(spec, &url, &n); err != nil {
		fmt.Fprintln(os.Stderr, "pool:", err)
		return 2
	}
	api, err := rtctest.NewAPI()
	if err != nil {
		fmt.Fprintln(os.Stderr, "pool:", err)
		return 1
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	players := make([]*rtctest.Player, n)
	var failed atomic.Value
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for i := range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			p, err := rtctest.Play(ctx, api, url, "", false, false)
			if err != nil {
				failed.Store(err)
				return
			}
			players[i] = p
			select {
			case <-p.Started():
			case <-ctx.Done():
				failed.Store(ctx.Err())
			}
		}()
	}
	wg.Wait()
	if err := failed.Load(); err != nil {
		fmt.Fprintln(os.Stderr, "pool:", err)
		return 1
	}
	fmt.Println("connected")
	_, _ = io.Copy(io.Discard, os.Stdin)
	var total int64
	for _, p := range players {
		total += p.Packets.Load()
		_, _ = p.Close(context.Background(), false)
	}
	fmt.Println("packets", total)
	return 0
}

// usage is the process's CPU time so far.
func usage() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func heap() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapInuse + ms.StackInuse
}

// loadResult is what a load run measured.
type loadResult struct {
	cpuPerListener float64       // fraction of a core
	memPerListener float64       // bytes of heap and stacks
	baseCPU        float64       // cores without listeners
	maxLag         time.Duration // with the listeners
	baseLag        time.Duration // without
	packets        int64
	dropped        uint64
}

// load serves n listeners of a pool process for window and measures the
// server's CPU and memory against a window without listeners.
func load(t testing.TB, n int, window time.Duration) loadResult {
	st := startStationOf(t, nil, nil, 440, nil, nil)
	// Graph.Status races with the graph's start (core: Graph.assign writes
	// what Status reads): sample it once packets flow.
	deadline := time.Now().Add(waitTimeout)
	for st.mount.Stats().Packets == 0 {
		require.True(t, time.Now().Before(deadline), "no packet made")
		time.Sleep(10 * time.Millisecond)
	}
	var res loadResult
	var lagMu sync.Mutex
	stopLag := make(chan struct{})
	lagDone := make(chan struct{})
	go func() { // the clock's lag, sampled every 20 ms
		defer close(lagDone)
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stopLag:
				return
			case <-tick.C:
				for _, c := range st.graph.Status() {
					lagMu.Lock()
					res.maxLag = max(res.maxLag, c.Lag)
					lagMu.Unlock()
				}
			}
		}
	}()
	time.Sleep(500 * time.Millisecond) // the encoder's start
	lagMu.Lock()
	res.maxLag = 0
	lagMu.Unlock()
	h0, c0, w0 := heap(), usage(), time.Now()
	time.Sleep(window)
	res.baseCPU = float64(usage()-c0) / float64(time.Since(w0))
	lagMu.Lock()
	res.baseLag = res.maxLag
	lagMu.Unlock()

	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%s %d", poolEnv, st.url, n))
	stdin, err := cmd.StdinPipe()
	require.NoError(t, err)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	cmd.Stderr = os.Stderr
	require.NoError(t, cmd.Start())
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	lines := bufio.NewScanner(stdout)
	require.True(t, lines.Scan(), "the pool exited")
	require.Equal(t, "connected", lines.Text())
	require.Equal(t, n, st.srv.Listeners())
	lagMu.Lock()
	res.maxLag = 0 // measured with every listener connected
	lagMu.Unlock()
	c1, w1 := usage(), time.Now()
	time.Sleep(window)
	cpu := float64(usage()-c1) / float64(time.Since(w1))
	h1 := heap()
	close(stopLag)
	<-lagDone
	require.NoError(t, stdin.Close())
	require.True(t, lines.Scan(), "no packet count from the pool")
	_, err = fmt.Sscanf(lines.Text(), "packets %d", &res.packets)
	require.NoError(t, err, lines.Text())
	require.NoError(t, cmd.Wait())
	res.cpuPerListener = (cpu - res.baseCPU) / float64(n)
	res.memPerListener = (float64(h1) - float64(h0)) / float64(n)
	res.dropped = st.mount.Stats().Dropped
	return res
}

// TestManyListeners is the short version of BenchmarkListeners: 10 pion
// listeners in another process, none dropped, each fed.
func TestManyListeners(t *testing.T) {
	const n = 10
	res := load(t, n, time.Second)
	require.Zero(t, res.dropped)
	require.GreaterOrEqual(t, res.packets, int64(n*50), "each listener got at least its first second")
	t.Logf("%d listeners: %.2f%% of a core and %.0f KiB each; clock lag at most %v (without listeners %.1f%% of a core, lag at most %v)",
		n, 100*res.cpuPerListener, res.memPerListener/1024, res.maxLag, 100*res.baseCPU, res.baseLag)
}

// BenchmarkListeners serves 200 WHEP listeners (pion clients in another
// process) for 10 s and reports the server's CPU (percent of a core) and
// memory per listener, and the clock's worst lag:
//
//	go test -run '^$' -bench Listeners -benchtime 1x ./mux/whep
func BenchmarkListeners(b *testing.B) {
	for b.Loop() {
		res := load(b, 200, 10*time.Second)
		b.ReportMetric(100*res.cpuPerListener, "%cpu/listener")
		b.ReportMetric(res.memPerListener/1024, "KiB/listener")
		b.ReportMetric(float64(res.maxLag.Milliseconds()), "ms-max-lag")
		b.ReportMetric(float64(res.dropped), "dropped")
		b.ReportMetric(100*res.baseCPU, "%cpu-base")
		b.ReportMetric(float64(res.baseLag.Milliseconds()), "ms-max-lag-base")
		b.ReportMetric(float64(res.packets)/200, "packets/listener")
	}
}
