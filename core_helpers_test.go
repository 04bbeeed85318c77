package onair_test

import (
	"testing"

	"github.com/onair-go/onair"
	"github.com/stretchr/testify/require"
)

// fs is the frame size of the default format: 20 ms at 44.1 kHz.
const fs = 882

// op is a small test operator: it passes its first child through with a
// gain, and records its wake-up and sleep.
type op struct {
	node   *onair.Node
	src    onair.Source
	gain   float32
	events *[]string
}

func newOp(id string, src onair.Source, gain float32, events *[]string) *op {
	o := &op{src: src, gain: gain, events: events}
	o.node = onair.NewNode(o, &onair.NodeOptions{ID: id, Children: []onair.Source{src}, Fallible: src.Node().Fallible()})
	return o
}

func (o *op) Node() *onair.Node { return o.node }
func (o *op) Ready() bool       { return o.src.Node().Ready() }

func (o *op) Generate(f *onair.Frame) error {
	sn := o.src.Node()
	if !sn.Ready() {
		return nil
	}
	in := sn.Peek()
	start := f.Len()
	k := f.Append(in, 0, in.Len())
	sn.Consume(k)
	for _, a := range f.Audio() {
		for i := start; i < start+k; i++ {
			a[i] *= o.gain
		}
	}
	return nil
}

func (o *op) WakeUp(*onair.Format) error { o.event("wake"); return nil }
func (o *op) Sleep()                     { o.event("sleep") }

func (o *op) event(e string) {
	if o.events != nil {
		*o.events = append(*o.events, o.node.ID()+":"+e)
	}
}

// readAhead is a tiny read-ahead operator: it owns a passive child clock
// and pulls its input through it, one frame per tick of its own.
type readAhead struct {
	node  *onair.Node
	child *onair.Clock
	in    onair.Source
	buf   *onair.Frame // data read ahead, not yet played
	tmp   *onair.Frame
	reads int
}

func newReadAhead(id string, in onair.Source) *readAhead {
	r := &readAhead{in: in}
	r.child = onair.NewClock(id+".child", &onair.ClockOptions{Kind: onair.Passive})
	reader := onair.Sink(in, r.receive, &onair.OutputOptions{ID: id + ".reader", Fallible: true})
	r.child.AddOutput(reader)
	r.node = onair.NewNode(r, &onair.NodeOptions{ID: id, Owned: []onair.Source{reader}})
	return r
}

func (r *readAhead) Node() *onair.Node { return r.node }

func (r *readAhead) WakeUp(f *onair.Format) error {
	if r.buf == nil {
		r.buf, r.tmp = onair.NewFrame(f), onair.NewFrame(f)
	}
	return nil
}

func (r *readAhead) receive(f *onair.Frame) error {
	r.reads++
	r.buf.Append(f, 0, f.Len())
	return nil
}

func (r *readAhead) Generate(f *onair.Frame) error {
	if r.buf.Len() == 0 {
		r.child.Tick()
	}
	k := f.Append(r.buf, 0, r.buf.Len())
	r.tmp.Reset()
	r.tmp.Append(r.buf, k, r.buf.Len())
	r.buf, r.tmp = r.tmp, r.buf
	return nil
}

// requireCounting checks that a holds from, from+1, ...
func requireCounting(t *testing.T, a []float32, from int, msg string) {
	t.Helper()
	for i, v := range a {
		if v != float32(from+i) {
			require.Failf(t, msg, "sample %d is %v, want %d", i, v, from+i)
		}
	}
}

func manualGraph(t *testing.T, opts *onair.GraphOptions) (*onair.Graph, *onair.Clock) {
	t.Helper()
	var o onair.GraphOptions
	if opts != nil {
		o = *opts
	}
	if o.Clock == nil {
		o.Clock = onair.NewClock("test", &onair.ClockOptions{Kind: onair.Manual})
	}
	g, err := onair.NewGraph(&o)
	require.NoError(t, err)
	t.Cleanup(func() { _ = g.Close() })
	return g, o.Clock
}

func tick(c *onair.Clock, n int) {
	for range n {
		c.Tick()
	}
}
