package onair

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// What a frame knows of its silent storage (Frame.zero) must never let
// stale sound through: a frame that carried sound and then silence holds
// zeros, and audio written through the accessors after a silent Append is
// scaled like any other.
func TestFrameZeroKnowledge(t *testing.T) {
	fm, err := Format{SampleRate: 100, Channels: 2, FrameDuration: 100e6}.Normalize()
	require.NoError(t, err)
	n := fm.FrameSize()
	silence := NewFrame(&fm)
	require.Equal(t, n, silence.extendSilent(n))
	sound := NewFrame(&fm)
	sound.Extend(n)
	for _, ch := range sound.Audio() {
		for i := range ch {
			ch[i] = 0.5
		}
	}

	f := NewFrame(&fm)
	f.Append(silence, 0, n)
	assert.Equal(t, n, f.zero, "silence carried")
	allEqual(t, f, 0, n, 0, "silence")

	f.Reset()
	f.Append(sound, 0, n/2)
	assert.Equal(t, 0, f.zero, "sound at the start: nothing known")
	f.Append(silence, 0, n-n/2)
	allEqual(t, f, 0, n/2, 0.5, "sound")
	allEqual(t, f, n/2, n, 0, "silence after sound")

	// The storage held sound: silence appended after a Reset is cleared.
	f.Reset()
	f.Append(silence, 0, n)
	allEqual(t, f, 0, n, 0, "silence over stale sound")
	assert.Equal(t, n, f.zero)

	// Sound written through an accessor after the silent Append: the
	// frame forgets, and Amplify's scaling does not skip it.
	for _, ch := range f.Audio() {
		ch[3] = 0.5
	}
	scaleAudio(f, 0, n, 0.5)
	assert.InDelta(t, 0.25, f.Audio()[0][3], 1e-9, "scaled")

	// Extend hands new samples to the caller to write: not silent.
	f.Reset()
	f.Append(silence, 0, n/2)
	base := f.Len()
	f.Extend(n - n/2)
	assert.Equal(t, base, f.zero)
}

func allEqual(t *testing.T, f *Frame, from, to int, v float32, what string) {
	t.Helper()
	for c, ch := range f.tracks[0].Audio {
		for i := from; i < to; i++ {
			if ch[i] != v {
				t.Fatalf("%s: channel %d sample %d is %g, want %g", what, c, i, ch[i], v)
			}
		}
	}
}
