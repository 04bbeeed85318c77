package control

import (
	"context"
	"fmt"
	"maps"
	"net/url"
	"path/filepath"
	"strings"
	"time"

	"github.com/onair-go/onair"
)

// Done says when an action ran: at the end of tick Tick of clock Clock
// (its effect is heard from the next tick on). When the clock did not run
// it within Options.Wait, Queued is set and Tick is the clock's tick when
// the action was queued: it runs at the end of a later tick.
type Done struct {
	Action string `json:"action"`
	Target string `json:"target"`
	Clock  string `json:"clock"`
	Tick   uint64 `json:"tick"`
	// Time is the clock's stream time at Tick.
	Time   float64 `json:"time_seconds"`
	Queued bool    `json:"queued,omitempty"`
}

// run queues fn on h's clock and waits for it to run.
func (c *Controller) run(ctx context.Context, h *hook, action, target string, fn func() error) (Done, error) {
	d := Done{Action: action, Target: target, Clock: h.clock.Name()}
	done, queuedAt := h.enqueue(fn)
	t := time.NewTimer(c.opts.Wait)
	defer t.Stop()
	select {
	case r := <-done:
		if r.err != nil {
			if r.err == errGraphClosed {
				return d, &Error{Status: 409, Msg: r.err.Error()}
			}
			return d, r.err
		}
		d.Tick = r.tick
	case <-t.C:
		d.Queued, d.Tick = true, queuedAt
	case <-ctx.Done():
		d.Queued, d.Tick = true, queuedAt
	}
	d.Time = c.frameTime(d.Tick)
	c.log.Info("control action", "action", action, "target", target, "clock", d.Clock, "tick", d.Tick, "queued", d.Queued)
	return d, nil
}

func (c *Controller) frameTime(tick uint64) float64 {
	return (time.Duration(tick) * c.st.Graph.Format().FrameDuration).Seconds()
}

// Skip ends the current track of a source (see [onair.Node.Skip]).
func (c *Controller) Skip(ctx context.Context, id string) (Done, error) {
	n, h, err := c.find(id)
	if err != nil {
		return Done{}, err
	}
	if n.Output() != nil {
		return Done{}, &Error{Status: 422, Msg: fmt.Sprintf("%q is an output: skip its source %q", id, n.Output().Source().Node().ID())}
	}
	return c.run(ctx, h, "skip", id, func() error { n.Skip(); return nil })
}

// Push appends a request to a queue given in [Station.Queues]: an http or
// https URL, or a local file under one of Options.PushDirs. The request's
// track carries m, when not empty: its keys (title, artist, ...) override
// the file's tags of the same name (see
// [decode.QueueSource.PushMetadata]). m is checked as for
// [Controller.InsertMetadata].
func (c *Controller) Push(ctx context.Context, queueID, uri string, m onair.Metadata) (Done, error) {
	if len(m) > 0 {
		if err := checkMetadata(m); err != nil {
			return Done{}, err
		}
	}
	n, h, err := c.find(queueID)
	if err != nil {
		return Done{}, err
	}
	q := c.queues[n]
	if q == nil {
		return Done{}, &Error{Status: 422, Msg: fmt.Sprintf("source %q is not a request queue (it is %s)", queueID, c.kind(n))}
	}
	uri, err = c.checkURI(uri)
	if err != nil {
		return Done{}, err
	}
	mc := maps.Clone(m)
	return c.run(ctx, h, "push", queueID, func() error { q.PushMetadata(uri, mc); return nil })
}

// checkURI accepts http(s) URLs and local files under Options.PushDirs.
func (c *Controller) checkURI(uri string) (string, error) {
	switch {
	case uri == "":
		return "", &Error{Status: 400, Msg: "no uri given"}
	case len(uri) > 4096 || strings.ContainsAny(uri, "\x00\r\n"):
		return "", &Error{Status: 400, Msg: "the uri is too long or holds control characters"}
	}
	if u, err := url.Parse(uri); err == nil && u.Scheme != "" && len(u.Scheme) > 1 {
		if u.Scheme != "http" && u.Scheme != "https" {
			return "", &Error{Status: 422, Msg: fmt.Sprintf("scheme %q is not allowed: use http, https or a local path", u.Scheme)}
		}
		return uri, nil
	}
	p := filepath.Clean(uri)
	if !filepath.IsAbs(p) {
		return "", &Error{Status: 422, Msg: "a local path must be absolute"}
	}
	for _, d := range c.opts.PushDirs {
		if rel, err := filepath.Rel(filepath.Clean(d), p); err == nil && rel != ".." && !strings.HasPrefix(rel, "../") {
			return p, nil
		}
	}
	return "", &Error{Status: 403, Msg: "local files outside Options.PushDirs cannot be pushed"}
}

// InsertMetadata inserts m in a source's stream (see
// [onair.Node.InsertMetadata]), starting a new track when newTrack is set.
func (c *Controller) InsertMetadata(ctx context.Context, id string, m onair.Metadata, newTrack bool) (Done, error) {
	if len(m) == 0 {
		return Done{}, &Error{Status: 400, Msg: "no metadata given"}
	}
	if err := checkMetadata(m); err != nil {
		return Done{}, err
	}
	n, h, err := c.find(id)
	if err != nil {
		return Done{}, err
	}
	if n.Output() != nil {
		return Done{}, &Error{Status: 422, Msg: fmt.Sprintf("%q is an output: insert metadata in its source %q", id, n.Output().Source().Node().ID())}
	}
	mc := maps.Clone(m)
	return c.run(ctx, h, "metadata", id, func() error { n.InsertMetadata(mc, newTrack); return nil })
}

// checkMetadata bounds metadata given by a client: at most 32 keys of 1
// to 64 bytes, values of at most 1024.
func checkMetadata(m onair.Metadata) error {
	if len(m) > 32 {
		return &Error{Status: 400, Msg: fmt.Sprintf("%d metadata keys: at most 32", len(m))}
	}
	for k, v := range m {
		if k == "" || len(k) > 64 || len(v) > 1024 {
			return &Error{Status: 400, Msg: fmt.Sprintf("metadata key %.64q: keys are 1 to 64 bytes, values at most 1024", k)}
		}
	}
	return nil
}

// Select makes a switching operator play its child child by hand (see
// [onair.Switcher.Force]); an empty child gives the choice back.
func (c *Controller) Select(ctx context.Context, switchID, child string) (Done, error) {
	n, h, err := c.find(switchID)
	if err != nil {
		return Done{}, err
	}
	sw := n.Switcher()
	if sw == nil {
		return Done{}, &Error{Status: 422, Msg: fmt.Sprintf("source %q is not a switch (it is %s)", switchID, c.kind(n))}
	}
	idx := -1
	if child != "" {
		var ids []string
		for i, ch := range n.Children() {
			ids = append(ids, ch.Node().ID())
			if ch.Node().ID() == child && idx < 0 {
				idx = i
			}
		}
		if idx < 0 {
			return Done{}, &Error{Status: 422, Msg: fmt.Sprintf("%q is not a child of switch %q (its children: %s)", child, switchID, strings.Join(ids, ", "))}
		}
	}
	action := "select"
	if idx < 0 {
		action = "release"
	}
	return c.run(ctx, h, action, switchID, func() error { return sw.Force(idx) })
}

// StopOutput holds a fallible output stopped (see [onair.Output.Hold]);
// StartOutput lets it start again.
func (c *Controller) StopOutput(ctx context.Context, id string) (Done, error) {
	return c.outputAction(ctx, "stop", id)
}

// StartOutput ends a [Controller.StopOutput]: the output starts again as
// soon as its source is ready.
func (c *Controller) StartOutput(ctx context.Context, id string) (Done, error) {
	return c.outputAction(ctx, "start", id)
}

func (c *Controller) outputAction(ctx context.Context, action, id string) (Done, error) {
	n, h, err := c.find(id)
	if err != nil {
		return Done{}, err
	}
	o := n.Output()
	if o == nil {
		return Done{}, &Error{Status: 422, Msg: fmt.Sprintf("source %q is not an output (it is %s)", id, c.kind(n))}
	}
	if !o.Fallible() {
		return Done{}, &Error{Status: 422, Msg: fmt.Sprintf("output %q is not fallible: only outputs made with OutputOptions.Fallible may be stopped by hand", id)}
	}
	if action == "stop" {
		return c.run(ctx, h, action, id, func() error { o.Hold(); return nil })
	}
	return c.run(ctx, h, action, id, func() error { o.Resume(); return nil })
}

// kind names what a node is, for messages and the status document.
func (c *Controller) kind(n *onair.Node) string {
	switch {
	case c.queues[n] != nil:
		return "queue"
	case c.encoders[n]:
		return "encoder"
	case c.harbors[n]:
		return "harbor"
	}
	return kindOf(n)
}

// kindOf names what a node is from the node alone.
func kindOf(n *onair.Node) string {
	switch {
	case n.Output() != nil:
		return "output"
	case n.Switcher() != nil:
		return "switch"
	case n.Generator() == nil:
		return "source"
	}
	t := fmt.Sprintf("%T", n.Generator())
	return strings.TrimLeft(t, "*")
}
