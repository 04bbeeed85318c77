package fault_test

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/onair-go/onair/fault"
	"github.com/stretchr/testify/assert"
)

// The counter's handler counts fault records by fault and component,
// finds attributes given to With, ignores unknown events and attributes
// in groups, passes on the records next is enabled for, and keeps the
// number of series bounded.
func TestCounter(t *testing.T) {
	var c fault.Counter
	var buf bytes.Buffer
	log := slog.New(c.Handler(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelWarn})))

	log.Info("retrying", fault.Reconnect.Attr(), fault.KeyOutput, "ice")
	log.With(fault.KeyMount, "/a.mp3").Warn("dropped", fault.ListenerDropped.Attr())
	log.With(fault.ListenerDropped.Attr()).Warn("dropped", fault.KeyMount, "/a.mp3")
	log.Warn("not a fault", fault.KeyEvent, "made_up", fault.KeyOutput, "ice")
	log.Debug("debug fault", fault.Reconnect.Attr(), fault.KeyOutput, "ice") // below Info: not built
	log.WithGroup("g").Warn("grouped", fault.Reconnect.Attr(), fault.KeyOutput, "ice")
	log.Error("no component", fault.StorageError.Attr())

	assert.Equal(t, uint64(1), c.Count(fault.Reconnect, "ice"))
	assert.Equal(t, uint64(2), c.Count(fault.ListenerDropped, "/a.mp3"))
	assert.Equal(t, uint64(1), c.Count(fault.StorageError, ""))
	assert.Equal(t, []fault.Count{
		{Event: fault.ListenerDropped, Key: fault.KeyMount, Component: "/a.mp3", N: 2},
		{Event: fault.Reconnect, Key: fault.KeyOutput, Component: "ice", N: 1},
		{Event: fault.StorageError, N: 1},
	}, c.Counts())
	out := buf.String()
	assert.NotContains(t, out, "retrying", "an Info record went past a Warn handler")
	assert.Equal(t, 5, strings.Count(out, "\n"), "the Warn and Error records reach next:\n%s", out)

	// Past 1,024 series, new components are counted under "".
	var big fault.Counter
	blog := slog.New(big.Handler(nil))
	for i := range 1100 {
		blog.Warn("dropped", fault.ListenerDropped.Attr(), fault.KeyMount, fmt.Sprint("/m", i))
	}
	counts := big.Counts()
	assert.Len(t, counts, 1024+1)
	assert.Equal(t, uint64(1100-1024), big.Count(fault.ListenerDropped, ""))
}
