package listen

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/onair-go/onair"
)

// BenchmarkListeners measures what listeners cost the server at real
// time: each iteration appends one second of a 128 kbit/s MP3 stream, one
// write every 20 ms as the clock does, then waits until the server has
// handed every byte to every listener's connection. The listeners are
// plain TCP clients in another process (the test binary run as a client
// pool), so the CPU (getrusage of this process) and the memory (heap and
// goroutine stacks) are the server's alone. Metrics: cpu-us/stream-s is
// the CPU time of the process per second of stream (with 0 listeners:
// the mount alone, framing and ring); B/listener is the memory a
// connected listener holds, kernel socket buffers not included. Each
// iteration takes a second: run it with -benchtime 5x.
func BenchmarkListeners(b *testing.B) {
	data := muxed(b, "libmp3lame", "mp3")
	for _, n := range []int{0, 1, 100, 500} {
		b.Run(fmt.Sprint(n), func(b *testing.B) { benchListeners(b, data, n) })
	}
}

func benchListeners(b *testing.B, data []byte, n int) {
	srv, err := NewServer(nil)
	if err != nil {
		b.Fatal(err)
	}
	m, err := srv.Mount("/bench.mp3", onair.Sine(440, nil), nil) // the graph never runs: the benchmark writes
	if err != nil {
		b.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	go srv.Serve(context.Background(), ln)
	defer srv.Close()

	w := (*mountWriter)(m)
	const perTick = 320 // 128 kbit/s in 20 ms
	off := 0
	tick := func() {
		if off+perTick > len(data) {
			off = 0 // the stream again, ID3 tag included
		}
		w.Write(data[off : off+perTick])
		off += perTick
	}
	for range 50 {
		tick() // something to burst
	}

	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	if n > 0 {
		stop := startPool(b, ln.Addr().String(), n)
		defer stop()
	}
	caughtUp := func() {
		deadline := time.Now().Add(time.Minute)
		for {
			w := m.ring.written.Load()
			srv.mu.Lock()
			done := len(m.listeners) == n
			for l := range m.listeners {
				done = done && l.pos.Load() == w
			}
			srv.mu.Unlock()
			if done {
				return
			}
			if time.Now().After(deadline) {
				b.Fatal("listeners did not catch up")
			}
			time.Sleep(100 * time.Microsecond)
		}
	}
	caughtUp()
	runtime.GC()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	mem := float64(after.HeapInuse+after.StackInuse) - float64(before.HeapInuse+before.StackInuse)

	var ru0, ru1 syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru0)
	ticker := time.NewTicker(20 * time.Millisecond)
	defer ticker.Stop()
	for b.Loop() {
		for range 50 {
			<-ticker.C
			tick()
		}
	}
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru1)
	caughtUp()
	cpu := time.Duration(syscall.TimevalToNsec(ru1.Utime) + syscall.TimevalToNsec(ru1.Stime) -
		syscall.TimevalToNsec(ru0.Utime) - syscall.TimevalToNsec(ru0.Stime))
	b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "cpu-us/stream-s")
	if n > 0 {
		b.ReportMetric(mem/float64(n), "B/listener")
	}
}

// startPool starts n listeners of the benchmark's mount in a client pool
// process and returns a function that stops it.
func startPool(b *testing.B, addr string, n int) func() {
	pool := exec.Command(os.Args[0])
	pool.Env = append(os.Environ(), fmt.Sprintf("ONAIR_LISTEN_POOL=http://%s/bench.mp3 %d", addr, n))
	stdin, err := pool.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	stdout, err := pool.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	pool.Stderr = os.Stderr
	if err := pool.Start(); err != nil {
		b.Fatal(err)
	}
	if line, err := bufio.NewReader(stdout).ReadString('\n'); err != nil || line != "connected\n" {
		b.Fatalf("client pool: %q %v", line, err)
	}
	return func() {
		stdin.Close()
		_ = pool.Wait()
	}
}
