package avmux_test

import (
	"io"
	"path/filepath"
	"testing"

	"github.com/onair-go/onair/internal/avmux"
	"github.com/stretchr/testify/require"
)

// BenchmarkWritePacket measures one AAC packet muxed to MPEG-TS in an
// io.Writer (the per-packet cost of a copy output).
func BenchmarkWritePacket(b *testing.B) {
	t := &testing.T{}
	aac := encodeAudio(t, "aac", 44100, 128000)
	m, err := avmux.NewWriter(io.Discard, "mpegts", nil)
	require.NoError(b, err)
	defer m.Close()
	i, err := m.AddStream(aac.info)
	require.NoError(b, err)
	require.NoError(b, m.WriteHeader())
	var n, dts int64
	b.ReportAllocs()
	for b.Loop() {
		p := aac.pkts[n%int64(len(aac.pkts))]
		p.PTS, p.DTS = dts, dts
		dts += 1024
		n++
		if err := m.WritePacket(i, p, aac.info.TimeBase); err != nil {
			b.Fatal(err)
		}
	}
}

// TestWritePacketAllocs pins the Go allocations of the packet path to a
// file: one, 8 bytes, inside astiav's Packet.FromData (its deferred
// cleanup captures the C buffer pointer, which escapes).
func TestWritePacketAllocs(t *testing.T) {
	aac := encodeAudio(t, "aac", 44100, 128000)
	m, err := avmux.Create(filepath.Join(t.TempDir(), "a.ts"), nil)
	require.NoError(t, err)
	defer m.Close()
	i, err := m.AddStream(aac.info)
	require.NoError(t, err)
	require.NoError(t, m.WriteHeader())
	var dts int64
	allocs := testing.AllocsPerRun(200, func() {
		p := aac.pkts[3]
		p.PTS, p.DTS = dts, dts
		dts += 1024
		require.NoError(t, m.WritePacket(i, p, aac.info.TimeBase))
	})
	// (To an io.Writer, astiav's write callback copies every flushed buffer
	// into Go memory with C.GoBytes: non-seekable outputs are flushed after
	// each packet, so that costs about two allocations per packet.)
	require.LessOrEqual(t, allocs, 1.0)
}

// BenchmarkWritePacketFile measures one AAC packet muxed to an MPEG-TS
// file.
func BenchmarkWritePacketFile(b *testing.B) {
	t := &testing.T{}
	aac := encodeAudio(t, "aac", 44100, 128000)
	m, err := avmux.Create(filepath.Join(b.TempDir(), "a.ts"), nil)
	require.NoError(b, err)
	defer m.Close()
	i, err := m.AddStream(aac.info)
	require.NoError(b, err)
	require.NoError(b, m.WriteHeader())
	var n, dts int64
	b.ReportAllocs()
	for b.Loop() {
		p := aac.pkts[n%int64(len(aac.pkts))]
		p.PTS, p.DTS = dts, dts
		dts += 1024
		n++
		if err := m.WritePacket(i, p, aac.info.TimeBase); err != nil {
			b.Fatal(err)
		}
	}
}
