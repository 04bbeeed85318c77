package control

import (
	"bytes"
	"net"
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

// BenchmarkSSE1000 connects 1,000 HTTP clients to the events stream
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
	// The clients are raw connections that read into a small buffer, so
	// that what the benchmark measures is mostly the server's share.
	addr := strings.TrimPrefix(srv.URL, "http://")
	done := make(chan struct{})

	runtime.GC()
	var m0 runtime.MemStats
	runtime.ReadMemStats(&m0)
	got := make(chan struct{}, n)
	var wg sync.WaitGroup
	for range n {
		conn, err := net.Dial("tcp", addr)
		require.NoError(b, err)
		_, err = conn.Write([]byte("GET /events HTTP/1.1\r\nHost: " + addr + "\r\n\r\n"))
		require.NoError(b, err)
		wg.Add(1)
		go func() {
			defer wg.Done()
			go func() { <-done; conn.Close() }()
			buf := make([]byte, 512)
			for {
				k, err := conn.Read(buf)
				if err != nil {
					return
				}
				if bytes.Contains(buf[:k], []byte("event: metadata")) {
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
	heap := float64(m1.HeapInuse-m0.HeapInuse) / (1 << 20)
	stack := float64(m1.StackInuse-m0.StackInuse) / (1 << 20)

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
	b.ReportMetric(heap, "heap-MB")
	b.ReportMetric(stack, "stack-MB")
	close(done)
	_ = c.Close()
	wg.Wait()
}

// cpuTime is the process's user and system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
