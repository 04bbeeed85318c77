package decode_test

import (
	"testing"

	"github.com/onair-go/onair/decode"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestWAVResampledWhole decodes 10 s WAV files whose channels have no
// layout (plain PCM WAV, no channel mask) at rates that need resampling:
// every sample comes out. (The resampler once took each frame's unordered
// layout as a change and was rebuilt per frame, losing 0.43% of 48 kHz
// audio, a glitch at every frame.)
func TestWAVResampledWhole(t *testing.T) {
	for _, tc := range []tone{
		{name: "s48.wav", rate: 48000, channels: 2},
		{name: "m22.wav", rate: 22050, channels: 1},
		{name: "s32.wav", rate: 32000, channels: 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.seconds = 10
			tc.codec = []string{"-c:a", "pcm_s16le"}
			p := makeTone(t, t.TempDir(), tc)
			src, err := decode.File(p, &decode.FileOptions{Synchronous: true})
			require.NoError(t, err)
			r := newRig(t, src, true)
			r.runUntilDone(src, 2000)
			assert.InDelta(t, 441000, r.cap.samples, 1, "10 s at 44.1 kHz")
		})
	}
}
