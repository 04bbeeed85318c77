package srt_test

import (
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/internal/peertest"
	"github.com/onair-go/onair/internal/streamtest"
	"github.com/onair-go/onair/mux/srt"
	"github.com/stretchr/testify/require"
)

// BenchmarkOutputCPU measures the CPU of the SRT output itself (MPEG-TS
// muxing and libsrt) per hour of stream against the ffmpeg program
// sending the same packets (-c copy -f mpegts srt://), both to
// srt-live-transmit listening (writing to /dev/null); see the RTMP
// benchmark for the method. The output runs as fast as the link takes.
//
//	go test -run '^$' -bench OutputCPU -benchtime 1x ./mux/srt
func BenchmarkOutputCPU(b *testing.B) {
	file := filepath.Join(b.TempDir(), "rec.ts")
	rec := streamtest.Record(b, streamtest.AVFormat, streamtest.Encoded(b, true), time.Minute)
	rec.WriteFile(b, streamtest.AVFormat, file)
	const loops = 60
	stream := loops * rec.Period
	perHour := func(d time.Duration) float64 { return d.Seconds() / stream.Hours() }
	for b.Loop() {
		alone := rec.Source(loops, nil)
		base := streamtest.RunFree(b, streamtest.AVFormat, onair.Sink(alone, nil, nil), alone.Done)
		port := peertest.FreeUDPPort(b)
		peertest.Start(b, "/dev/null", "", "srt-live-transmit", "-q", "srt://"+addr(port)+"?mode=listener", "file://con")
		var out *srt.Output
		src := rec.Source(loops, func() bool { return out.Connected() })
		out, err := srt.New(src, addr(port), &srt.Options{Queue: 100000})
		require.NoError(b, err)
		ours := streamtest.RunFree(b, streamtest.AVFormat, out, src.Done) - base
		port2 := peertest.FreeUDPPort(b)
		peertest.Start(b, "/dev/null", "", "srt-live-transmit", "-q", "srt://"+addr(port2)+"?mode=listener", "file://con")
		ff := streamtest.ChildCPU(b, "ffmpeg", "-nostdin", "-v", "error", "-stream_loop", strconv.Itoa(loops-1), "-i", file,
			"-c", "copy", "-f", "mpegts", "srt://"+addr(port2)+"?mode=caller&pkt_size=1316")
		b.ReportMetric(perHour(ours), "onair-cpu-s/h")
		b.ReportMetric(perHour(ff), "ffmpeg-cpu-s/h")
		b.Logf("SRT out, %v of stream: onair %v (replay alone %v, subtracted), ffmpeg -c copy %v; %+v",
			stream, ours, base, ff, out.Stats())
	}
}
