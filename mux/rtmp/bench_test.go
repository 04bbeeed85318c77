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
// ten times on a free-running clock (the replay alone is measured too and
// subtracted), and ffmpeg sends the recorded file with -stream_loop 9.
//
//	go test -run '^$' -bench OutputCPU -benchtime 1x ./mux/rtmp
func BenchmarkOutputCPU(b *testing.B) {
	srv := peertest.StartNginxRTMP(b, nil)
	file := filepath.Join(b.TempDir(), "rec.flv")
	rec := streamtest.Record(b, streamtest.AVFormat, streamtest.Encoded(b, true), time.Minute, file)
	const loops = 10
	stream := loops * rec.Period
	perHour := func(d time.Duration) float64 { return d.Seconds() / stream.Hours() }
	for b.Loop() {
		base := streamtest.RunFree(b, streamtest.AVFormat, stream, onair.Dummy(rec.Source(loops), nil))
		out, err := rtmp.New(rec.Source(loops), srv.URL("bench"), &rtmp.Options{Queue: 100000})
		require.NoError(b, err)
		ours := streamtest.RunFree(b, streamtest.AVFormat, stream, out) - base
		require.Zero(b, out.Stats().Dropped)
		ff := streamtest.ChildCPU(b, "ffmpeg", "-nostdin", "-v", "error", "-stream_loop", strconv.Itoa(loops-1), "-i", file,
			"-c", "copy", "-f", "flv", srv.URL("bench2"))
		b.ReportMetric(perHour(ours), "onair-cpu-s/h")
		b.ReportMetric(perHour(ff), "ffmpeg-cpu-s/h")
		b.Logf("RTMP out, %v of stream: onair %v (replay alone %v, subtracted), ffmpeg -c copy %v; %d bytes sent",
			stream, ours, base, ff, out.Stats().Bytes)
	}
}
