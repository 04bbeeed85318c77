package control_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/onair-go/onair/control"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// sseReader reads Server-Sent Events from a real HTTP response.
type sseReader struct {
	t  *testing.T
	sc *bufio.Scanner
}

// next returns the next event's name and data.
func (s *sseReader) next() (string, control.Event) {
	var name, data string
	for s.sc.Scan() {
		line := s.sc.Text()
		switch {
		case line == "" && name != "":
			var e control.Event
			require.NoError(s.t, json.Unmarshal([]byte(data), &e), data)
			return name, e
		case strings.HasPrefix(line, "event: "):
			name = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			data = strings.TrimPrefix(line, "data: ")
		}
	}
	s.t.Fatalf("event stream ended: %v", s.sc.Err())
	return "", control.Event{}
}

// until returns the first event of the given type.
func (s *sseReader) until(typ string) control.Event {
	for {
		if name, e := s.next(); name == typ {
			return e
		}
	}
}

func (r *rig) events(ctx context.Context) *sseReader {
	req, err := http.NewRequestWithContext(ctx, "GET", r.srv.URL+"/events", nil)
	require.NoError(r.t, err)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(r.t, err)
	r.t.Cleanup(func() { resp.Body.Close() })
	require.Equal(r.t, http.StatusOK, resp.StatusCode)
	require.Equal(r.t, "text/event-stream", resp.Header.Get("Content-Type"))
	return &sseReader{t: r.t, sc: bufio.NewScanner(resp.Body)}
}

func TestEventsSSE(t *testing.T) {
	r := newRig(t, &control.Options{Token: token, SampleEvery: 1, EventInterval: 5 * time.Millisecond})
	r.start()
	// A bound on the whole test so that a missing event fails it instead
	// of hanging; no timing is asserted.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	sse := r.events(ctx)
	name, hello := sse.next()
	require.Equal(t, "hello", name)
	assert.Equal(t, "Band - One", hello.Title)
	require.Eventually(t, func() bool { return r.ctl.Subscribers() == 1 }, 10*time.Second, time.Millisecond)

	ch, unsubscribe := r.ctl.Subscribe()
	defer unsubscribe()

	r.act("/skip", `{"source":"music"}`)
	r.clk.Tick()
	e := sse.until("track")
	assert.Equal(t, "main", e.Source)
	assert.Equal(t, "Band - Two", e.Title)
	assert.Equal(t, "Two", e.Metadata["title"])
	for ge := range ch {
		if ge.Type == "track" {
			assert.Equal(t, "Band - Two", ge.Title, "the Go channel gets the same events")
			break
		}
	}

	r.act("/metadata", `{"source":"music","metadata":{"title":"News"}}`)
	r.clk.Tick()
	e = sse.until("metadata")
	assert.Equal(t, "News", e.Title)

	// Output state changes come from Run's watcher.
	runCtx, stopRun := context.WithCancel(ctx)
	runDone := make(chan error, 1)
	go func() { runDone <- r.ctl.Run(runCtx) }()
	r.act("/stop", `{"output":"backup"}`)
	r.clk.Tick()
	for e = sse.until("output"); e.Output != "backup" || e.State != "held"; e = sse.until("output") {
		// Run sends every output's state first.
	}
	stopRun()
	assert.ErrorIs(t, <-runDone, context.Canceled)

	require.NoError(t, r.ctl.Close())
	for sse.sc.Scan() {
	}
	assert.Zero(t, r.ctl.Subscribers(), "closing the controller ends the streams")
}

func TestSubscriberLagging(t *testing.T) {
	r := newRig(t, &control.Options{Token: token, SampleEvery: 1, EventBuffer: 2})
	r.start()
	ch, unsubscribe := r.ctl.Subscribe()
	for range 5 {
		r.act("/metadata", `{"source":"music","metadata":{"title":"x"}}`)
		r.clk.Tick()
	}
	// The subscriber did not read: the station went on, 3 events were missed.
	e1, e2 := <-ch, <-ch
	assert.Equal(t, "metadata", e1.Type)
	assert.Equal(t, "metadata", e2.Type)
	r.act("/metadata", `{"source":"music","metadata":{"title":"y"}}`)
	r.clk.Tick()
	e3 := <-ch
	assert.Equal(t, 3, e3.Missed)
	unsubscribe()
	unsubscribe()
	_, open := <-ch
	assert.False(t, open)
}

func TestEventStreamsBounded(t *testing.T) {
	r := newRig(t, &control.Options{Token: token, SampleEvery: 1, MaxSubscribers: 2})
	r.start()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	r.events(ctx)
	r.events(ctx)
	rep := r.do("GET", "/events", "")
	assert.Equal(t, http.StatusServiceUnavailable, rep.status, rep.raw)
	assert.Contains(t, rep.msg(), "too many event streams")
	assert.Equal(t, 2, r.ctl.Subscribers())
}
