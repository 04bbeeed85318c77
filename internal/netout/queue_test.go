package netout_test

import (
	"context"
	"net"
	"syscall"
	"testing"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/fault"
	"github.com/onair-go/onair/internal/faulttest"
	"github.com/onair-go/onair/internal/netout"
	"github.com/onair-go/onair/internal/streamtest"
	"github.com/stretchr/testify/require"
)

// TestQueueFullReconnect: a peer that accepts and never reads fills the
// queue; the output drops it and reconnects with a fresh container, and
// each time logs one reconnect record, counted once.
func TestQueueFullReconnect(t *testing.T) {
	lc := net.ListenConfig{Control: func(_, _ string, c syscall.RawConn) error {
		var serr error
		err := c.Control(func(fd uintptr) { // a small window: the sender stalls soon
			serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096)
		})
		if err != nil {
			return err
		}
		return serr
	}}
	ln, err := lc.Listen(context.Background(), "tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = ln.Close() })
	accepted := make(chan net.Conn, 16)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted <- c // held open, never read
		}
	}()
	t.Cleanup(func() {
		for {
			select {
			case c := <-accepted:
				_ = c.Close()
			default:
				return
			}
		}
	})

	cfg := config("tcp://" + ln.Addr().String())
	cfg.Queue = 4
	fl := faulttest.New()
	cfg.Log = fl.Logger()
	src := streamtest.Encoded(t, false)
	e, err := netout.New(src, cfg)
	require.NoError(t, err)
	g, clk := streamtest.NewGraph(t, onair.Format{}, onair.NewOutput(src, e, nil))
	streamtest.TickUntil(t, clk, "the queue filled", func() bool { return e.Stats().Dropped > 0 })
	require.NoError(t, g.Close())
	recs := fl.Records(fault.Reconnect)
	require.NotEmpty(t, recs)
	require.Contains(t, recs[0].Msg, "queue full", "the first reconnection is the full queue's")
	n := len(recs)
	fl.Check(t, fault.Reconnect, fault.KeyOutput, cfg.ID, n, fault.KeyURL, fault.KeyRetryIn)
}
