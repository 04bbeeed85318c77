package decode_test

import (
	"os"
	"testing"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/decode"
	"github.com/stretchr/testify/require"
)

// BenchmarkDecodeVideo decodes a whole file with video through a graph of
// 640x360 yuv420p at 25 fps (44.1 kHz stereo): demuxing, H.264 and AAC
// decoding, scaling, rate conformance, resampling. The file is
// $ONAIR_BENCH_VIDEO, or a 10 s 1280x720 30 fps H.264 + AAC clip made
// here. The ffmpeg program doing the same work, for comparison:
//
//	ffmpeg -i FILE -map 0:v -vf fps=25,scale=640:360:flags=bicubic -pix_fmt yuv420p -f rawvideo -y /dev/null \
//	       -map 0:a -ar 44100 -ac 2 -f f32le -y /dev/null
func BenchmarkDecodeVideo(b *testing.B) {
	path := os.Getenv("ONAIR_BENCH_VIDEO")
	if path == "" {
		path = makeClip(b, b.TempDir(), clip{name: "bench.mp4", size: "1280x720", rate: "30", seconds: 10})
	}
	format := onair.Format{Video: &onair.VideoFormat{Width: 640, Height: 360, FrameRate: onair.Rational{Num: 25, Den: 1}}}
	b.ReportAllocs()
	var samples, pics int
	for b.Loop() {
		samples, pics = decodeVideo(b, path, format)
	}
	b.ReportMetric(float64(samples)/44100*float64(b.N)/b.Elapsed().Seconds(), "x-realtime")
	b.ReportMetric(float64(pics), "pictures")
}

func decodeVideo(b *testing.B, path string, format onair.Format) (samples, pics int) {
	src, err := decode.File(path, &decode.FileOptions{Synchronous: true})
	require.NoError(b, err)
	defer src.Close()
	clk := onair.NewClock("bench", &onair.ClockOptions{Kind: onair.Manual})
	g, err := onair.NewGraph(&onair.GraphOptions{Clock: clk, Format: format})
	require.NoError(b, err)
	out := onair.Sink(src, func(f *onair.Frame) error {
		samples += f.Len()
		if t := f.Track(onair.MainVideo); t != nil {
			pics += len(t.Pictures)
		}
		return nil
	}, &onair.OutputOptions{Fallible: true})
	require.NoError(b, g.Add(out))
	require.NoError(b, g.Start())
	defer g.Close()
	for i := 0; ; i++ {
		before := samples
		clk.Tick()
		if samples == before && i > 0 {
			break
		}
	}
	return samples, pics
}
