package filter_test

import (
	"testing"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/filter"
	"github.com/onair-go/onair/onairtest"
)

// The filter graphs the benchmarks run; scripts/filter-bench.sh runs the
// same ones with the ffmpeg program, to tell the operators' overhead from
// the filters' own cost.
var (
	benchAudio = map[string]string{
		"anull":        "anull",
		"volume":       "volume=0.5",
		"compressecho": "acompressor=threshold=-18dB,aecho=0.8:0.9:40:0.3",
	}
	benchVideo = map[string]string{
		"null":     "null",
		"drawtext": `drawtext=fontfile=` + font + `:text='%{metadata\:title}':fontsize=48:fontcolor=white:x=40:y=40`,
		"scale":    "scale=640:360,scale=1280:720",
	}
)

// BenchmarkAudio is the cost of one 20 ms stereo 44.1 kHz frame through
// the audio operator ("none" is the sine source alone).
func BenchmarkAudio(b *testing.B) {
	for _, name := range []string{"none", "anull", "volume", "compressecho"} {
		b.Run(name, func(b *testing.B) {
			var src onair.Source = onair.Sine(440, nil)
			if name != "none" {
				a, err := filter.NewAudio(src, benchAudio[name], nil)
				if err != nil {
					b.Fatal(err)
				}
				defer a.Close()
				src = a
			}
			_, clock := onairtest.StartGraph(b, nil, onair.Sink(src, nil, nil))
			b.ReportAllocs()
			for b.Loop() {
				clock.Tick()
			}
		})
	}
}

// BenchmarkVideo is the cost of one 1280x720 yuv420p picture through the
// video operator (two 20 ms ticks at 25 fps; "none" is the colour still
// alone).
func BenchmarkVideo(b *testing.B) {
	format := onair.Format{Video: &onair.VideoFormat{}}
	for _, name := range []string{"none", "null", "drawtext", "scale"} {
		b.Run(name, func(b *testing.B) {
			still, err := filter.Colour("black", nil)
			if err != nil {
				b.Fatal(err)
			}
			still.Node().InsertMetadata(onair.Metadata{"title": "Benchmark title - 0123456789"}, false)
			var src onair.Source = still
			if name != "none" {
				v, err := filter.NewVideo(src, benchVideo[name], nil)
				if err != nil {
					b.Fatal(err)
				}
				defer v.Close()
				src = v
			}
			_, clock := onairtest.StartGraph(b, &onairtest.Options{Format: format}, onair.Sink(src, nil, nil))
			b.ReportAllocs()
			for b.Loop() {
				clock.Tick()
				clock.Tick()
			}
		})
	}
}
