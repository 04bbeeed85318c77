package control_test

import (
	"testing"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/control"
	"github.com/onair-go/onair/encode"
	"github.com/onair-go/onair/mux/listen"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestMountTitleHeard: the "mount_title" event of a new title comes when
// the mount's listeners hear it, BurstSize bytes of stream after the
// muxer wrote its first byte, not when the graph or the encoder made it;
// the status document has both titles. The watcher's check runs after
// every tick of the manual clock, so the tick it fires at is exact.
func TestMountTitleHeard(t *testing.T) {
	const burst = 8 << 10
	clk := onair.NewClock("station", &onair.ClockOptions{Kind: onair.Manual})
	g, err := onair.NewGraph(&onair.GraphOptions{Clock: clk, SyncCallbacks: true})
	require.NoError(t, err)
	sine := onair.Sine(440, &onair.GenOptions{ID: "sine"})
	mp3, err := encode.Audio(sine, &encode.AudioOptions{Codec: "libmp3lame", BitRate: 64000, Track: "audio_mp3", ID: "mp3"})
	require.NoError(t, err)
	ls, err := listen.NewServer(nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = ls.Close() })
	var titleAt int64 = -1
	mount, err := ls.Mount("/radio.mp3", mp3, &listen.MountOptions{BurstSize: burst, OnMetadata: func(m onair.Metadata, off int64) {
		if m["title"] == "Two" {
			titleAt = off // on the clock goroutine: this one
		}
	}})
	require.NoError(t, err)
	require.NoError(t, g.Add(mount))
	ctl, err := control.New(&control.Station{Graph: g, NowPlaying: sine, Listen: []*listen.Server{ls}},
		&control.Options{ReadOnly: true, SampleEvery: 1})
	require.NoError(t, err)
	t.Cleanup(func() { _ = ctl.Close() })
	sine.Node().InsertMetadata(onair.Metadata{"title": "One"}, false)
	require.NoError(t, g.Start())
	t.Cleanup(func() { _ = g.Close() })
	ch, unsubscribe := ctl.Subscribe()
	defer unsubscribe()
	check := ctl.Watch()
	mountTitles := func() []control.Event {
		var out []control.Event
		for {
			select {
			case e := <-ch:
				if e.Type == "mount_title" {
					out = append(out, e)
				}
			default:
				return out
			}
		}
	}
	for range 100 {
		clk.Tick()
	}
	check()
	first := mountTitles()
	require.Len(t, first, 1)
	assert.Equal(t, "One", first[0].Title)

	sine.Node().InsertMetadata(onair.Metadata{"title": "Two"}, false)
	var track control.Event
	for ticks := 0; ; ticks++ {
		require.Less(t, ticks, 1000, "Two was never heard")
		clk.Tick()
		check()
		bytes := mount.Stats().Bytes
		got := mountTitles()
		if titleAt < 0 || bytes-burst < titleAt {
			require.Empty(t, got, "at %d bytes, Two (muxed at %d) is not heard yet", bytes, titleAt)
			if titleAt >= 0 {
				out := findOutput(ctl.Status(), "listen:/radio.mp3")
				assert.Equal(t, "Two", out.Title, "the muxer's title")
				assert.Equal(t, "One", out.HeardTitle, "the listeners' title")
			}
			continue
		}
		require.Len(t, got, 1, "at %d bytes", bytes)
		track = got[0]
		t.Logf("Two muxed at byte %d, heard after %d ticks", titleAt, ticks+1)
		break
	}
	assert.Equal(t, "Two", track.Title)
	assert.Equal(t, "/radio.mp3", track.Mount)
	assert.Equal(t, titleAt, track.Offset, "the offset where Two starts")
	out := findOutput(ctl.Status(), "listen:/radio.mp3")
	assert.Equal(t, "Two", out.HeardTitle)
	assert.Equal(t, titleAt, out.HeardFrom)
}

func findOutput(s *control.Status, id string) control.OutputStatus {
	for _, o := range s.Outputs {
		if o.ID == id {
			return o
		}
	}
	return control.OutputStatus{}
}
