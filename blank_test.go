package onair_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/onair-go/onair"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// opsLevel is a source whose level is set per tick: when loud(t), channel
// 0 is a square wave and channel 1 the sample counter; otherwise both are
// silent.
type opsLevel struct {
	h      *opsHarness
	loud   func(t int) bool
	tracks int // track length, 0 for one track
	pos    int
	n      int
}

func (g *opsLevel) Remaining() int {
	if g.tracks == 0 {
		return -1
	}
	return g.tracks - g.pos%g.tracks
}

func (g *opsLevel) Skip() {
	if g.tracks > 0 {
		g.pos += g.tracks - g.pos%g.tracks
	}
}

func (g *opsLevel) Generate(f *onair.Frame) error {
	loud := g.loud(g.h.tick())
	for f.Free() > 0 {
		if g.tracks > 0 && g.pos%g.tracks == 0 {
			f.AddMark(f.Len())
		}
		n := f.Free()
		if g.tracks > 0 {
			n = min(n, g.tracks-g.pos%g.tracks)
		}
		start := f.Len()
		f.Extend(n)
		for i := range n {
			if loud {
				x := float32(0.5)
				if (g.n+i)%2 == 1 {
					x = -0.5
				}
				f.Audio()[0][start+i] = x
				f.Audio()[1][start+i] = float32(g.n + i)
			}
		}
		g.n += n
		g.pos += n
	}
	return nil
}

func TestDetectBlankCallbacks(t *testing.T) {
	h := newOpsHarness(t)
	s := onair.NewNode(&opsLevel{h: h, loud: func(t int) bool { return t <= 3 || t > 10 }}, nil)
	var events []string
	d := opsMust[*onair.Node](t)(onair.DetectBlank(s, &onair.BlankOptions{
		MaxBlank: 40 * time.Millisecond, MinNoise: 20 * time.Millisecond,
		OnBlank: func() { events = append(events, "blank@"+itoaTick(h)) },
		OnNoise: func() { events = append(events, "noise@"+itoaTick(h)) },
	}))
	h.run(d, 16, false)
	// Silent from tick 4: blank after 40 ms (tick 7); loud from tick 11:
	// noise after 20 ms (tick 12).
	assert.Equal(t, []string{"blank@7", "noise@12"}, events)
}

func itoaTick(h *opsHarness) string { return strconv.Itoa(h.tick()) }

func TestStripInFallback(t *testing.T) {
	h := newOpsHarness(t)
	live := onair.NewNode(&opsLevel{h: h, loud: func(t int) bool { return t <= 3 || t > 10 }}, &onair.NodeOptions{ID: "live"})
	strip := opsMust[*onair.Node](t)(onair.Strip(live, &onair.BlankOptions{MaxBlank: 30 * time.Millisecond}))
	assert.True(t, strip.Fallible())
	backup := h.src(opsScript{id: 7})
	fb := opsMust[*onair.Switcher](t)(onair.Fallback([]onair.Source{strip, backup}, &onair.SwitchOptions{Immediate: true}))
	out := h.run(fb, 16, false)
	// Live is played while loud and for the 30 ms of silence that declare
	// it blank (ticks 4-6), then the backup until live is loud again
	// (tick 11); the silent frames in between are dropped.
	for i := range 160 {
		tick := i/10 + 1
		switch {
		case tick >= 7 && tick <= 10:
			require.Equal(t, float32(7), out.id[i], "backup at sample %d", i)
		case tick >= 4 && tick <= 6:
			require.Zero(t, out.id[i], "live's silence at sample %d", i)
		default:
			require.Equal(t, float32(i), out.id[i], "live's loud data at sample %d", i)
		}
	}
}

func TestSkipBlank(t *testing.T) {
	h := newOpsHarness(t)
	// Tracks of 100 samples, silent in ticks 3 to 5.
	src := onair.NewNode(&opsLevel{h: h, tracks: 100, loud: func(t int) bool { return t < 3 || t > 5 }}, &onair.NodeOptions{ID: "playlist"})
	sk := opsMust[*onair.Node](t)(onair.SkipBlank(src, &onair.BlankOptions{MaxBlank: 30 * time.Millisecond}))
	out := h.run(sk, 8, false)
	// After 30 ms of silence (ticks 3-5) the track is skipped: the next
	// data starts the next track.
	assert.Equal(t, []int{0, 50}, out.marks, "a new track at 50 instead of 100: the rest of the first one was skipped")
	_, err := onair.SkipBlank(src, &onair.BlankOptions{Threshold: 3})
	require.ErrorIs(t, err, onair.ErrInvalidOption)
}
