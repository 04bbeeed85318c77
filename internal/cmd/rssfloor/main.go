// Command rssfloor measures the memory floor of a Go program that encodes
// examples/radio's three renditions with FFmpeg (make bench-radio runs it
// beside the radio): it links the same FFmpeg libraries, opens the three
// encoders and feeds them a second of generated music in a loop at real
// time, with no graph, no decoder, no HTTP server. At the end it prints
// its peak RSS in MB.
package main

import (
	"flag"
	"fmt"
	"os"
	"syscall"
	"time"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/encode"
	"github.com/onair-go/onair/internal/pcmtest"
)

func main() {
	secs := flag.Duration("duration", 20*time.Second, "how long to encode, at real time")
	flag.Parse()
	const rate, frame = 44100, 882
	var encs []*encode.AudioEncoder
	for _, o := range []encode.AudioOptions{
		{Codec: "aac", BitRate: 48_000},
		{Codec: "aac", BitRate: 192_000},
		{Codec: "libmp3lame", BitRate: 128_000},
	} {
		e, err := encode.NewAudioEncoder(rate, 2, &o)
		if err != nil {
			fmt.Fprintln(os.Stderr, "rssfloor:", err)
			os.Exit(1)
		}
		defer e.Close()
		encs = append(encs, e)
	}
	music := pcmtest.Music(rate, 2, -14, 1, 1)
	planes := make([][]float32, 2)
	var bytes int
	emit := func(p onair.Packet) error { bytes += len(p.Data); return nil }
	start := time.Now()
	for n := 0; time.Duration(n)*20*time.Millisecond < *secs; n++ {
		off := n * frame % (rate - rate%frame)
		for c := range planes {
			planes[c] = music[c][off : off+frame]
		}
		for _, e := range encs {
			if err := e.Encode(planes, emit); err != nil {
				fmt.Fprintln(os.Stderr, "rssfloor:", err)
				os.Exit(1)
			}
		}
		time.Sleep(time.Until(start.Add(time.Duration(n+1) * 20 * time.Millisecond)))
	}
	if bytes == 0 {
		fmt.Fprintln(os.Stderr, "rssfloor: the encoders gave no packets")
		os.Exit(1)
	}
	// The peak RSS, as benchencode reads its contenders' (kB on Linux).
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		fmt.Fprintln(os.Stderr, "rssfloor:", err)
		os.Exit(1)
	}
	fmt.Printf("%.1f\n", float64(ru.Maxrss)/1024)
}
