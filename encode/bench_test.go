package encode_test

import (
	"testing"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/encode"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// BenchmarkAudioEncode encodes one 20 ms graph frame (882 stereo samples
// at 44.1 kHz) per iteration with each codec of the round-trip table.
// The codec time dominates; allocations are the packets' data copies.
func BenchmarkAudioEncode(b *testing.B) {
	for _, tc := range audioCases {
		b.Run(tc.name, func(b *testing.B) {
			e, err := encode.NewAudioEncoder(tc.inRate, tc.inChannels, &tc.opts)
			require.NoError(b, err)
			defer e.Close()
			frame := sine(tc.inRate, tc.inChannels, tc.inRate/50, 440)
			var bytes int64
			emit := func(p onair.Packet) error { bytes += int64(len(p.Data)); return nil }
			b.ReportAllocs()
			for b.Loop() {
				if err := e.Encode(frame, emit); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(bytes)/float64(b.N), "B-out/op")
		})
	}
}

// TestEncodeAllocations pins the steady-state allocations of the audio
// path, all inside go-astiav: Packet.Data's copy of each packet (two
// objects: the bytes and an escaped size) and the boxing of the EAGAIN
// that ends each receive loop into an error (one per codec frame sent).
// Our own code allocates nothing per frame.
func TestEncodeAllocations(t *testing.T) {
	e, err := encode.NewAudioEncoder(44100, 2, &encode.AudioOptions{Codec: "aac"})
	require.NoError(t, err)
	defer e.Close()
	frame := sine(44100, 2, 1024, 440) // one codec frame in, one packet out
	packets := 0
	emit := func(onair.Packet) error { packets++; return nil }
	for range 10 { // past the codec's delay
		require.NoError(t, e.Encode(frame, emit))
	}
	packets = 0
	allocs := testing.AllocsPerRun(100, func() {
		if err := e.Encode(frame, emit); err != nil {
			t.Fatal(err)
		}
	})
	assert.LessOrEqual(t, allocs, 3.0, "packet data (2) + EAGAIN (1), nothing else")
	assert.Positive(t, packets)
}
