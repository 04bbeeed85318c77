package fault_test

import (
	"fmt"
	"log/slog"
	"os"

	"github.com/onair-go/onair/fault"
)

// A station's components share one logger whose handler counts the
// fault records (package metrics exports the counts); the records go on
// to the program's own handler.
func ExampleCounter() {
	faults := &fault.Counter{}
	text := slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		// Drop the time so that the output is the same at each run.
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return a
		},
	})
	log := slog.New(faults.Handler(text))

	// What a network output logs when its server goes away.
	log.Warn("connection failed: retrying", fault.Reconnect.Attr(),
		fault.KeyOutput, "icecast", fault.KeyRetryIn, "2s", fault.KeyErr, "connection refused")
	log.Info("connected", fault.KeyOutput, "icecast") // not a fault

	for _, c := range faults.Counts() {
		fmt.Printf("%s %s=%s: %d\n", c.Event, c.Key, c.Component, c.N)
	}
	// Output:
	// level=WARN msg="connection failed: retrying" event=reconnect output=icecast retry_in=2s err="connection refused"
	// level=INFO msg=connected output=icecast
	// reconnect output=icecast: 1
}
