package streamtest

import (
	"context"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/onair-go/onair"
	"github.com/stretchr/testify/require"
)

// CPU returns the CPU time (user + system) this process has used.
func CPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// RunFree runs out (and nothing else) on a free-running clock until done
// reports true (checked every tick, on the clock goroutine) and returns
// the CPU time the process used meanwhile, Close included.
func RunFree(t testing.TB, format onair.Format, out onair.Source, done func() bool) time.Duration {
	t.Helper()
	clk := onair.NewClock("free", &onair.ClockOptions{Kind: onair.FreeRunning})
	g, err := onair.NewGraph(&onair.GraphOptions{Clock: clk, Format: format})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stop := onair.Sink(onair.Blank(nil), func(*onair.Frame) error {
		if done() {
			cancel()
		}
		return nil
	}, nil)
	require.NoError(t, g.Add(out, stop))
	c0 := CPU()
	_ = g.Run(ctx)
	require.NoError(t, g.Close())
	return CPU() - c0
}

// ChildCPU runs a program to its end and returns the CPU time it used.
func ChildCPU(t testing.TB, name string, args ...string) time.Duration {
	t.Helper()
	cmd := exec.Command(name, args...)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s: %s", name, out)
	return cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
}
