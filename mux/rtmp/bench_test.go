package rtmp_test

import (
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/internal/peertest"
	"github.com/onair-go/onair/internal/streamtest"
	"github.com/onair-go/onair/mux/rtmp"
	"github.com/stretchr/testify/require"
)

// BenchmarkOutputCPU measures the CPU of the RTMP output itself (FLV
// muxing and the network) per hour of stream, against the ffmpeg program
// sending the same encoded packets (-c copy) to the same nginx-rtmp, in
// one run: one minute of 160x120 H.264 + AAC is recorded, then replayed
// sixty times (an hour) on a free-running clock (the replay alone is
// measured too and subtracted), and ffmpeg sends the recorded file with
// -stream_loop 59.
//
//	go test -run '^$' -bench OutputCPU -benchtime 1x ./mux/rtmp
func BenchmarkOutputCPU(b *testing.B) {
	srv := peertest.StartNginxRTMP(b, nil)
	file := filepath.Join(b.TempDir(), "rec.flv")
	rec := streamtest.Record(b, streamtest.AVFormat, streamtest.Encoded(b, true), time.Minute)
	rec.WriteFile(b, streamtest.AVFormat, file)
	const loops = 60
	stream := loops * rec.Period // the replay's stream time
	perHour := func(d time.Duration) float64 { return d.Seconds() / stream.Hours() }
	for b.Loop() {
		alone := rec.Source(loops, nil)
		base := streamtest.RunFree(b, streamtest.AVFormat, onair.Sink(alone, nil, nil), alone.Done)
		var out *rtmp.Output
		src := rec.Source(loops, func() bool { return out.Connected() })
		out, err := rtmp.New(src, srv.URL("bench"), &rtmp.Options{Queue: 100000})
		require.NoError(b, err)
		ours := streamtest.RunFree(b, streamtest.AVFormat, out, src.Done) - base
		require.Zero(b, out.Stats().Dropped)
		ff := streamtest.ChildCPU(b, "ffmpeg", "-nostdin", "-v", "error", "-stream_loop", strconv.Itoa(loops-1), "-i", file,
			"-c", "copy", "-f", "flv", srv.URL("bench2"))
		b.ReportMetric(perHour(ours), "onair-cpu-s/h")
		b.ReportMetric(perHour(ff), "ffmpeg-cpu-s/h")
		b.Logf("RTMP out, %v of stream: onair %v (replay alone %v, subtracted), ffmpeg -c copy %v; %d bytes sent",
			stream, ours, base, ff, out.Stats().Bytes)
	}
}
