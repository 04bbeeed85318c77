package control

import (
	"bufio"
	"context"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/onair-go/onair"
	"github.com/stretchr/testify/require"
)

// BenchmarkSSE1000 connects 1,000 real HTTP clients to the events stream
// and measures what they cost: the heap they hold (server and client
// sides, so an upper bound of the server's share) and, per op, one event
// delivered to all of them. CPU per event × events per second gives the
// cost at real time (a station sends a few events a second).
func BenchmarkSSE1000(b *testing.B) {
	const n = 1000
	g, err := onair.NewGraph(nil)
	require.NoError(b, err)
	c, err := New(&Station{Graph: g}, &Options{ReadOnly: true, PublicStatus: true})
	require.NoError(b, err)
	srv := httptest.NewUnstartedServer(c)
	srv.Start()
	defer srv.Close()
	tr := &http.Transport{MaxIdleConnsPerHost: n, MaxConnsPerHost: 0}
	client := &http.Client{Transport: tr}
	ctx, cancel := context.WithCancel(context.Background())

	runtime.GC()
	var m0 runtime.MemStats
	runtime.ReadMemStats(&m0)
	got := make(chan struct{}, n)
	var wg sync.WaitGroup
	for range n {
		req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/events", nil)
		resp, err := client.Do(req)
		require.NoError(b, err)
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer resp.Body.Close()
			sc := bufio.NewScanner(resp.Body)
			for sc.Scan() {
				if strings.HasPrefix(sc.Text(), "event: metadata") {
					got <- struct{}{}
				}
			}
		}()
	}
	for c.Subscribers() < n {
		runtime.Gosched()
	}
	runtime.GC()
	var m1 runtime.MemStats
	runtime.ReadMemStats(&m1)
	b.ReportMetric(float64(m1.HeapInuse-m0.HeapInuse)/(1<<20), "heap-MB")
	b.ReportMetric(float64(m1.StackInuse-m0.StackInuse)/(1<<20), "stack-MB")

	e := Event{Type: "metadata", Time: time.Now(), Source: "crossfade", Title: "Artist - A rather long title", Metadata: onair.Metadata{"title": "A rather long title", "artist": "Artist"}}
	cpu0 := cpuTime()
	b.ReportAllocs()
	for b.Loop() {
		c.hub.publish(e)
		for range n {
			<-got
		}
	}
	b.ReportMetric((cpuTime()-cpu0).Seconds()*1e3/float64(b.N), "cpu-ms/event")
	cancel()
	_ = c.Close()
	wg.Wait()
}

// cpuTime is the process's user and system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
