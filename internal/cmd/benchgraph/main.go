// Command benchgraph measures what the graph itself costs: an hour of
// stream time of sine → amplify → fallback → sink (and the same with a
// blank source) on a free-running clock, printing the CPU seconds the
// process used for each, to compare with another engine running the same
// graph (Liquidsoap's figure for it is in the README's Measuring section).
//
//	go run ./internal/cmd/benchgraph -hours 1
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"runtime/pprof"
	"syscall"
	"time"

	"github.com/onair-go/onair"
)

func main() {
	hours := flag.Float64("hours", 1, "stream time to run, in hours")
	profile := flag.String("cpuprofile", "", "write a CPU profile of both runs to this file, labelled graph=sine and graph=blank")
	flag.Parse()
	if *profile != "" {
		pf, err := os.Create(*profile)
		if err == nil {
			err = pprof.StartCPUProfile(pf)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "benchgraph:", err)
			os.Exit(1)
		}
		defer pprof.StopCPUProfile()
	}
	d := time.Duration(*hours * float64(time.Hour))
	for _, name := range []string{"sine", "blank"} {
		var cpu, wall time.Duration
		var err error
		// labelled, so that a profile separates the two graphs
		// (go tool pprof -tagfocus graph=blank)
		pprof.Do(context.Background(), pprof.Labels("graph", name), func(context.Context) {
			cpu, wall, err = run(name, d)
		})
		if err != nil {
			fmt.Fprintln(os.Stderr, "benchgraph:", err)
			pprof.StopCPUProfile()
			os.Exit(1)
		}
		fmt.Printf("%-6s %v of stream: %.3f s CPU, %.3f s wall, %.2f µs CPU per tick\n",
			name, d, cpu.Seconds(), wall.Seconds(), float64(cpu.Microseconds())/(d.Seconds()*50))
	}
}

// run plays the graph for d of stream time and returns the CPU time and
// wall time it took.
func run(name string, d time.Duration) (cpu, wall time.Duration, err error) {
	var src onair.Source = onair.Sine(440, nil)
	if name == "blank" {
		src = onair.Blank(nil)
	}
	amp, err := onair.Amplify(src, 0.5, nil)
	if err != nil {
		return 0, 0, err
	}
	fb, err := onair.Fallback([]onair.Source{amp, onair.Blank(nil)}, nil)
	if err != nil {
		return 0, 0, err
	}
	clk := onair.NewClock("main", &onair.ClockOptions{Kind: onair.FreeRunning})
	g, err := onair.NewGraph(&onair.GraphOptions{Clock: clk})
	if err != nil {
		return 0, 0, err
	}
	ticks := uint64(d / g.Format().FrameDuration)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sink := onair.Sink(fb, func(*onair.Frame) error {
		if clk.Ticks() >= ticks {
			cancel()
		}
		return nil
	}, nil)
	if err := g.Add(sink); err != nil {
		return 0, 0, err
	}
	c0, t0 := cpuTime(), time.Now()
	if err := g.Run(ctx); err != nil && ctx.Err() == nil {
		return 0, 0, err
	}
	return cpuTime() - c0, time.Since(t0), nil
}

// cpuTime returns the process's user plus system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
