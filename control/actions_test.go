package control_test

import (
	"context"
	"testing"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/control"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestActions(t *testing.T) {
	r := newRig(t, nil)
	r.start()
	s := r.status()
	assert.Equal(t, control.SchemaVersion, s.Version)
	assert.True(t, s.Running)
	require.Len(t, s.Clocks, 1)
	assert.Equal(t, "station", s.Clocks[0].Name)
	assert.Equal(t, "manual", s.Clocks[0].Kind)
	assert.EqualValues(t, 1, s.Clocks[0].SampledTick)
	assert.Equal(t, "Band - One", s.Title)
	main := r.source(s, "main")
	assert.Equal(t, "switch", main.Kind)
	assert.Equal(t, []string{"requests", "music", "live"}, main.Children)
	assert.Equal(t, "music", main.Selected)
	assert.True(t, main.Ready)
	assert.Equal(t, "queue", r.source(s, "requests").Kind)
	require.NotNil(t, r.source(s, "requests").QueueLength)
	for _, id := range []string{"air", "dummy", "backup"} {
		assert.Equal(t, "started", r.output(s, id).State, id)
	}
	for _, src := range s.Sources {
		assert.NotContains(t, src.ID, "control", "the controller's own nodes are not listed")
	}

	t.Run("skip", func(t *testing.T) {
		r.act("/skip", `{"source":"music"}`)
		r.clk.Tick()
		assert.Equal(t, "Band - Two", r.status().Title)
		assert.Len(t, r.rec.Capture().Marks, 2, "the skip started a new track")
	})
	t.Run("metadata", func(t *testing.T) {
		r.act("/metadata", `{"source":"music","metadata":{"title":"Jingle","artist":"Station"}}`)
		r.clk.Tick()
		s := r.status()
		assert.Equal(t, "Station - Jingle", s.Title)
		assert.Equal(t, onair.Metadata{"title": "Jingle", "artist": "Station"}, r.source(s, "music").Metadata)
	})
	t.Run("select", func(t *testing.T) {
		r.act("/select", `{"switch":"main","child":"live"}`)
		r.clk.Tick()
		s := r.status()
		assert.Equal(t, "live", r.source(s, "main").Selected, "the switch cut to the live child at once")
		assert.Equal(t, "live", r.source(s, "main").Forced)
		assert.Equal(t, "Live show", s.Title)
		r.act("/select", `{"switch":"main","child":""}`)
		r.clk.Tick()
		assert.Empty(t, r.source(r.status(), "main").Forced, "the choice was given back")
	})
	t.Run("stop and start", func(t *testing.T) {
		r.act("/stop", `{"output":"backup"}`)
		r.clk.Tick()
		assert.Equal(t, "held", r.output(r.status(), "backup").State)
		r.clk.Tick()
		assert.Equal(t, "held", r.output(r.status(), "backup").State, "a held output stays stopped while its source is ready")
		r.act("/start", `{"output":"backup"}`)
		r.clk.Tick()
		assert.Equal(t, "started", r.output(r.status(), "backup").State)
	})
	t.Run("push", func(t *testing.T) {
		r.act("/select", `{"switch":"main","child":"requests"}`)
		path := tone(t, r.dir, "request.wav")
		rep := r.act("/push", jsonBody(map[string]string{"queue": "requests", "uri": path}))
		assert.Equal(t, "push", rep.body["action"])
		played := false
		for range 100 {
			r.clk.Tick()
			if r.status().Title == "Listener - Request" {
				played = true
				break
			}
		}
		assert.True(t, played, "the pushed file plays: %+v", r.source(r.status(), "main"))
	})
	t.Run("push with metadata", func(t *testing.T) {
		path := tone(t, r.dir, "request2.wav")
		rep := r.act("/push", jsonBody(map[string]any{"queue": "requests", "uri": path,
			"metadata": map[string]string{"title": "Dedication", "requested_by": "Ann"}}))
		assert.Equal(t, "push", rep.body["action"])
		played := false
		for range 100 {
			r.clk.Tick()
			if r.status().Title == "Listener - Dedication" {
				played = true
				break
			}
		}
		require.True(t, played, "the pushed track carries the pushed title over the file's: %+v", r.source(r.status(), "main"))
		assert.Equal(t, "Ann", r.status().NowPlaying["requested_by"])
	})
}

func TestActionsGoAPI(t *testing.T) {
	r := newRig(t, nil)
	r.start()
	ctx := context.Background()
	_, err := r.ctl.Skip(ctx, "nope")
	var e *control.Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, 404, e.Status)
	// The clock does not tick and the caller gives up waiting: the
	// action is queued, and runs later.
	gone, cancel := context.WithCancel(ctx)
	cancel()
	d, err := r.ctl.Skip(gone, "music")
	require.NoError(t, err)
	assert.True(t, d.Queued)
	assert.Equal(t, r.clk.Ticks(), d.Tick)
	r.clk.Tick()
	r.clk.Tick()
	assert.Equal(t, "Band - Two", r.status().Title, "the queued skip ran at the next tick")
}

// TestActionInChildClock acts on a source that runs in a crossfade's
// passive child clock: the controller reaches it through the clock that
// drives that clock.
func TestActionInChildClock(t *testing.T) {
	g, clk, xf := radioGraph(t)
	ctl, err := control.New(&control.Station{Graph: g, NowPlaying: xf}, &control.Options{Token: token, SampleEvery: 1})
	require.NoError(t, err)
	defer ctl.Close()
	require.NoError(t, g.Start())
	defer g.Close()
	clk.Tick()
	var music control.SourceStatus
	for _, s := range ctl.Status().Sources {
		if s.ID == "music" {
			music = s
		}
	}
	require.Equal(t, "music", music.ID, "sources of the child clock are listed")
	assert.Equal(t, "crossfade.clock", music.Clock)
	assert.True(t, music.Sampled)
	done := make(chan control.Done, 1)
	go func() {
		d, err := ctl.Skip(context.Background(), "music")
		assert.NoError(t, err)
		done <- d
	}()
	for {
		select {
		case d := <-done:
			assert.Equal(t, "station", d.Clock, "the action ran on the goroutine of the clock that drives the child clock")
			assert.False(t, d.Queued)
			return
		default:
			clk.Tick()
		}
	}
}
