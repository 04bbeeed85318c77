package onair_test

import (
	"log/slog"
	"strings"
	"testing"

	"github.com/onair-go/onair"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// holder delays its input by one frame, like an encoder's delay, and
// hands the held frame over in Drain.
type holder struct {
	in   onair.Source
	held *onair.Frame
}

func (h *holder) Generate(f *onair.Frame) error {
	if h.held == nil {
		h.held = onair.NewFrame(f.Format())
	}
	f.Append(h.held, 0, h.held.Len())
	h.held.Reset()
	in := h.in.Node().Read()
	h.held.Append(in, 0, in.Len())
	return nil
}

func (h *holder) Drain(f *onair.Frame) error {
	if h.held != nil {
		f.Append(h.held, 0, h.held.Len())
		h.held.Reset()
	}
	return nil
}

func TestCloseRunsDrainTick(t *testing.T) {
	clk := onair.NewClock("test", &onair.ClockOptions{Kind: onair.Manual})
	var logs strings.Builder
	g, err := onair.NewGraph(&onair.GraphOptions{Clock: clk, SyncCallbacks: true, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	require.NoError(t, err)
	src := onair.Sine(440, nil)
	h := onair.NewNode(&holder{in: src}, &onair.NodeOptions{ID: "holder", Children: []onair.Source{src}})
	var got, plain int
	require.NoError(t, g.Add(
		onair.Sink(onair.MkSafe(h), func(f *onair.Frame) error { got += f.Len(); return nil }, nil),
		onair.Sink(src, func(f *onair.Frame) error { plain += f.Len(); return nil }, nil),
	))
	require.NoError(t, g.Start())
	for range 10 {
		clk.Tick()
	}
	require.Equal(t, 9*882, got, "the first frame went into the holder: MkSafe passed the empty frame of its ready source as it was")
	require.NoError(t, g.Close())
	assert.Equal(t, 10*882, got, "Close drains the held frame through the operator above it")
	assert.Equal(t, 10*882, plain, "a source with nothing to drain produces nothing in the drain tick")
	assert.EqualValues(t, 11, clk.Ticks())
	assert.Empty(t, logs.String(), "the drain tick is not a failure of the sources that have nothing to drain")
}

func TestCloseWithoutDrainerRunsNoExtraTick(t *testing.T) {
	clk := onair.NewClock("test", &onair.ClockOptions{Kind: onair.Manual})
	g, err := onair.NewGraph(&onair.GraphOptions{Clock: clk})
	require.NoError(t, err)
	sends := 0
	require.NoError(t, g.Add(onair.Sink(onair.Sine(440, nil), func(*onair.Frame) error { sends++; return nil }, nil)))
	require.NoError(t, g.Start())
	clk.Tick()
	require.NoError(t, g.Close())
	assert.Equal(t, 1, sends)
	assert.EqualValues(t, 1, clk.Ticks())
}
