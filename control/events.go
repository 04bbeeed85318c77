package control

import (
	"context"
	"time"

	"github.com/onair-go/onair"
)

// Event is one now-playing event, as sent on GET /events (the SSE event
// name is Type, the data the JSON of the Event) and to
// [Controller.Subscribe]rs.
//
// Types:
//
//   - "track": a new track started on [Station.NowPlaying] (Source,
//     Metadata, Title); "metadata": new metadata within a track.
//   - "mount_title": the title a mount's listeners hear changed (Mount,
//     Title, Offset: the stream offset where the title starts). It is
//     aligned to the listeners, not to the encoder: a title the graph
//     makes goes through the encoder and the muxer (the mount's Title,
//     at the end of its stream), then is heard by a listener when its
//     player plays the title's first byte. A listener that connected
//     with a whole burst and keeps up plays BurstSize bytes before the
//     end of the stream (listen.Mount.Heard), so the event comes when the
//     stream's end is BurstSize bytes past Offset (at 128 kbit/s and the
//     default 64 KiB burst, 4 s after the muxer), within
//     Options.EventInterval. A player shows it for the mount it plays,
//     while the "track" event comes when the graph makes the track.
//     What a player buffers beyond its burst before it starts playing is
//     not seen by the server; each listener's own title (the title at
//     its position minus its burst) is in listen.Mount.Listeners.
//   - "listeners": a mount's listener count changed (Mount, Listeners).
//   - "output": an output's state changed (Output, State).
//   - "lag": a clock's lag crossed 100 ms, up or down (Clock, Lag).
//
// The events of the last three kinds come from [Controller.Run], which
// sends the state it finds first, then the changes.
//   - "hello": first event of every stream, with the status document's
//     Title and Time.
type Event struct {
	Type      string         `json:"type"`
	Time      time.Time      `json:"time"`
	Source    string         `json:"source,omitempty"`
	Metadata  onair.Metadata `json:"metadata,omitempty"`
	Title     string         `json:"title,omitempty"`
	Mount     string         `json:"mount,omitempty"`
	Offset    int64          `json:"offset,omitempty"`
	Listeners *int           `json:"listeners,omitempty"`
	Output    string         `json:"output,omitempty"`
	State     string         `json:"state,omitempty"`
	Clock     string         `json:"clock,omitempty"`
	Lag       *float64       `json:"lag_seconds,omitempty"`
	// Missed counts the events this subscriber missed before this one
	// because it lagged more than Options.EventBuffer behind.
	Missed int `json:"missed,omitempty"`

	wire []byte // the JSON of the event, made once for every subscriber
}

func songOf(m onair.Metadata) string {
	if m == nil {
		return ""
	}
	return m.Song()
}

func (c *Controller) trackEvent(typ string, n *onair.Node, m onair.Metadata) Event {
	return Event{Type: typ, Time: time.Now().UTC(), Source: n.ID(), Metadata: m, Title: songOf(m)}
}

// Subscribe returns a channel of events and a function that ends the
// subscription (and closes the channel). A subscriber that does not keep
// up misses events (the next one it gets says how many); it never slows
// the station down. The channel is closed when the controller is closed.
func (c *Controller) Subscribe() (<-chan Event, func()) {
	return c.hub.subscribe()
}

// Subscribers returns the number of subscriptions (SSE streams included).
func (c *Controller) Subscribers() int { return c.hub.count() }

// Run watches the station for the events that have no callback of their
// own (listeners, outputs, mount titles, lag), every
// Options.EventInterval, until ctx is done. It returns ctx's cause.
func (c *Controller) Run(ctx context.Context) error {
	t := time.NewTicker(c.opts.EventInterval)
	defer t.Stop()
	w := newWatcher(c)
	w.check()
	for {
		select {
		case <-ctx.Done():
			return context.Cause(ctx)
		case <-t.C:
			w.check()
		}
	}
}

func newWatcher(c *Controller) *watcher {
	return &watcher{c: c, outputs: map[string]string{}, listeners: map[string]int{}, titles: map[string]string{}, late: map[string]bool{}}
}

// watcher remembers what the last check saw.
type watcher struct {
	c         *Controller
	outputs   map[string]string
	listeners map[string]int
	titles    map[string]string
	late      map[string]bool
}

// check publishes what changed since the last check; the first check
// publishes the state it finds.
func (w *watcher) check() {
	s := w.c.Status()
	now := time.Now().UTC()
	var es []Event
	pub := func(e Event) {
		e.Time = now
		es = append(es, e)
	}
	defer func() { w.c.hub.publishAll(es) }()
	for _, o := range s.Outputs {
		if o.State != "unknown" && w.outputs[o.ID] != o.State {
			w.outputs[o.ID] = o.State
			pub(Event{Type: "output", Output: o.ID, State: o.State})
		}
		if o.Listeners != nil {
			if l, ok := w.listeners[o.Mount]; !ok || l != *o.Listeners {
				w.listeners[o.Mount] = *o.Listeners
				n := *o.Listeners
				pub(Event{Type: "listeners", Mount: o.Mount, Listeners: &n})
			}
		}
		if o.Mount != "" && o.HeardTitle != "" && w.titles[o.Mount] != o.HeardTitle {
			w.titles[o.Mount] = o.HeardTitle
			pub(Event{Type: "mount_title", Mount: o.Mount, Title: o.HeardTitle, Offset: o.HeardFrom})
		}
	}
	for _, cl := range s.Clocks {
		late := cl.Lag >= 0.1
		if was, ok := w.late[cl.Name]; !ok || late != was {
			w.late[cl.Name] = late
			lag := cl.Lag
			pub(Event{Type: "lag", Clock: cl.Name, Lag: &lag})
		}
	}
}
