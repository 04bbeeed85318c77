package control

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"net/http/httptest"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/onair-go/onair"
	"github.com/stretchr/testify/require"
)

// sseClientsEnv, when set to "ADDR N", makes the test binary a process of
// N event-stream clients of ADDR (see sseClients) instead of running
// tests: BenchmarkSSE1000 runs its clients in a process of their own, so
// that the CPU and memory it measures are the server's alone.
const sseClientsEnv = "ONAIR_SSE_CLIENTS"

func TestMain(m *testing.M) {
	if v := os.Getenv(sseClientsEnv); v != "" {
		os.Exit(sseClients(v))
	}
	os.Exit(m.Run())
}

// BenchmarkSSE1000 serves the events stream to 1,000 HTTP clients (raw
// connections in a child process) and measures the server's share: the
// heap and goroutine stacks the streams hold, and per op the CPU time of
// one event delivered to all of them (until every client has it). CPU per
// event × events per second is the cost at real time; a station sends
// about one event a second (listener counts, titles, output states).
func BenchmarkSSE1000(b *testing.B) {
	c, lines, heap, stack := sseStation(b, 1000)
	e := Event{Type: "metadata", Time: time.Now(), Source: "crossfade", Title: "Artist - A rather long title", Metadata: onair.Metadata{"title": "A rather long title", "artist": "Artist"}}
	cpu0 := cpuTime()
	b.ReportAllocs()
	for b.Loop() {
		c.hub.publish(e)
		if !lines.Scan() { // the clients print a line once all of them got it
			b.Fatalf("the client process stopped: %v", lines.Err())
		}
	}
	b.ReportMetric((cpuTime()-cpu0).Seconds()*1e3/float64(b.N), "server-cpu-ms/event")
	b.ReportMetric(heap, "heap-MB")
	b.ReportMetric(stack, "stack-MB")
}

// BenchmarkSSE1000RealTime measures the share of a core the server
// spends on 1,000 streams at real time: one event a second for ten
// seconds per op, keep-alives and garbage collection included. (The
// changes Controller.Run finds in one check, listener counts, titles,
// output states, are one write to each stream.)
func BenchmarkSSE1000RealTime(b *testing.B) {
	c, lines, _, _ := sseStation(b, 1000)
	e := Event{Type: "metadata", Time: time.Now(), Source: "crossfade", Title: "Artist - A rather long title", Metadata: onair.Metadata{"title": "A rather long title", "artist": "Artist"}}
	var cpu, wall time.Duration
	for b.Loop() {
		t := time.NewTicker(time.Second)
		start, cpu0 := time.Now(), cpuTime()
		for range 10 {
			<-t.C
			c.hub.publish(e)
			if !lines.Scan() {
				b.Fatalf("the client process stopped: %v", lines.Err())
			}
		}
		t.Stop()
		cpu += cpuTime() - cpu0
		wall += time.Since(start)
	}
	b.ReportMetric(100*cpu.Seconds()/wall.Seconds(), "core-%")
}

// sseStation serves the events of an empty graph's controller to n HTTP
// clients (raw connections in a child process) and returns the
// controller, the clients' output (a line each time all of them got one
// more "metadata" event), and the heap and goroutine stacks, in MB, that
// the streams hold.
func sseStation(b *testing.B, n int) (c *Controller, lines *bufio.Scanner, heap, stack float64) {
	g, err := onair.NewGraph(nil)
	require.NoError(b, err)
	c, err = New(&Station{Graph: g}, &Options{ReadOnly: true, PublicStatus: true})
	require.NoError(b, err)
	srv := httptest.NewServer(c)

	runtime.GC()
	var m0 runtime.MemStats
	runtime.ReadMemStats(&m0)
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%s %d", sseClientsEnv, strings.TrimPrefix(srv.URL, "http://"), n))
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	require.NoError(b, err)
	require.NoError(b, cmd.Start())
	lines = bufio.NewScanner(stdout)
	b.Cleanup(func() {
		_ = c.Close()                // ends the streams,
		srv.CloseClientConnections() // and their connections: the clients exit
		_ = cmd.Wait()
		srv.Close()
	})
	for c.Subscribers() < n {
		time.Sleep(time.Millisecond)
	}
	runtime.GC()
	var m1 runtime.MemStats
	runtime.ReadMemStats(&m1)
	heap = float64(int64(m1.HeapInuse)-int64(m0.HeapInuse)) / (1 << 20)
	stack = float64(int64(m1.StackInuse)-int64(m0.StackInuse)) / (1 << 20)
	return c, lines, heap, stack
}

// sseClients connects n clients to the events stream at addr, given as
// "ADDR N", and prints a line each time every client got one more
// "metadata" event. It returns when the streams end.
func sseClients(spec string) int {
	addr, ns, _ := strings.Cut(spec, " ")
	n, err := strconv.Atoi(ns)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bad", sseClientsEnv, spec)
		return 2
	}
	var mu sync.Mutex
	counts := map[int]int{} // event number -> clients that got it
	var wg sync.WaitGroup
	for range n {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		if _, err := conn.Write([]byte("GET /events HTTP/1.1\r\nHost: " + addr + "\r\n\r\n")); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer conn.Close()
			buf := make([]byte, 512)
			seen := 0
			for {
				k, err := conn.Read(buf)
				if err != nil {
					return
				}
				for range bytes.Count(buf[:k], []byte("event: metadata")) {
					seen++
					mu.Lock()
					counts[seen]++
					if counts[seen] == n {
						fmt.Println(seen)
						delete(counts, seen)
					}
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	return 0
}

// cpuTime is the process's user and system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
