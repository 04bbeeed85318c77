// Command soak runs the media chaos station (package internal/chaos) for
// hours on the real-time clock and prints its report: faults injected by
// kind, invariants checked, violations, worst values, memory and
// goroutines. It exits with status 1 when an invariant was violated.
//
//	make soak HOURS=24
//	go run ./internal/cmd/soak -hours 2 -seed 3
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime"
	"time"

	"github.com/onair-go/onair/internal/chaos"
)

func main() {
	hours := flag.Float64("hours", 1, "stream time to run, in hours")
	seed := flag.Uint64("seed", 1, "seed of the media and the fault schedule")
	free := flag.Bool("free", false, "run on the free-running clock (as fast as possible) instead of the real-time clock")
	every := flag.Duration("fault-every", 10*time.Second, "mean stream time between two faults")
	dir := flag.String("dir", "", "work folder (default: a new temporary folder, removed at the end)")
	verbose := flag.Bool("v", false, "print the graph's warnings and errors")
	trace := flag.Bool("trace", true, "print a flight recorder's dump (the last seconds of output and logs) after each of the first violations at the graph's output")
	flag.Parse()
	os.Exit(run(*hours, *seed, *free, *every, *dir, *verbose, *trace))
}

func run(hours float64, seed uint64, free bool, every time.Duration, dir string, verbose, trace bool) (code int) {
	t := newTB("soak")
	defer t.cleanup()
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(fatal); !ok {
				panic(r)
			}
			code = 2
		}
	}()
	if dir == "" {
		dir = t.TempDir()
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	var logger *slog.Logger
	if verbose {
		logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	} else {
		logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	var tw io.Writer
	if trace {
		tw = os.Stderr
	}
	d := time.Duration(hours * float64(time.Hour))
	fmt.Printf("soak: %s of stream, seed %d, a fault every %s on average, work folder %s\n", d, seed, every, dir)
	rep, err := chaos.Run(ctx, chaos.Config{Seed: seed, StreamTime: d, RealTime: !free, FaultEvery: every, Dir: dir, TB: t, Logger: logger, Trace: tw})
	if err != nil {
		fmt.Fprintln(os.Stderr, "soak:", err)
		return 2
	}
	fmt.Print(rep.Table())
	t.cleanup() // icecast2 stops; then every goroutine of the run should be gone
	if g := runtime.NumGoroutine(); g > rep.GoroutinesStart+1 {
		fmt.Printf("goroutines: %d at the start, %d after Close and cleanup: VIOLATION (goroutines back to baseline)\n", rep.GoroutinesStart, g)
		return 1
	}
	if rep.Failed() || t.Failed() {
		return 1
	}
	return 0
}
