package hls_test

import (
	"fmt"
	"log"
	"net/http/httptest"
	"os"
	"path/filepath"
	"time"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/encode"
	"github.com/onair-go/onair/mux"
	"github.com/onair-go/onair/mux/hls"
)

// Ten seconds of a sine, encoded once to AAC, cut into 2 s segments of a
// live playlist of three. A manual clock makes the run instant and the
// playlist deterministic; a real one would serve listeners as it goes.
func ExampleNew() {
	dir, err := os.MkdirTemp("", "hls-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	aac, err := encode.Audio(onair.Sine(440, nil), &encode.AudioOptions{BitRate: 64000, Track: "audio_aac"})
	if err != nil {
		log.Fatal(err)
	}
	out, err := hls.New(aac, dir, &hls.Options{
		SegmentDuration: 2 * time.Second,
		Window:          3,
		Variants:        []hls.Variant{{Name: "aac", Tracks: mux.Only("audio_aac")}},
	})
	if err != nil {
		log.Fatal(err)
	}
	srv := httptest.NewServer(out.Handler()) // what players would read
	defer srv.Close()

	clk := onair.NewClock("example", &onair.ClockOptions{Kind: onair.Manual})
	g, err := onair.NewGraph(&onair.GraphOptions{Clock: clk})
	if err != nil {
		log.Fatal(err)
	}
	if err := g.Add(out); err != nil {
		log.Fatal(err)
	}
	if err := g.Start(); err != nil {
		log.Fatal(err)
	}
	for range 500 { // 10 s of 20 ms ticks
		clk.Tick()
	}
	if err := g.Close(); err != nil { // ends the segments, writes ENDLIST
		log.Fatal(err)
	}

	b, err := os.ReadFile(filepath.Join(dir, "aac.m3u8"))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Print(string(b))
	files, _ := filepath.Glob(filepath.Join(dir, "aac_*.ts"))
	fmt.Println(len(files), "segments on disk")
	// Output:
	// #EXTM3U
	// #EXT-X-VERSION:3
	// #EXT-X-TARGETDURATION:2
	// #EXT-X-MEDIA-SEQUENCE:2
	// #EXTINF:2.000,
	// aac_2.ts
	// #EXTINF:2.000,
	// aac_3.ts
	// #EXTINF:2.008,
	// aac_4.ts
	// #EXT-X-ENDLIST
	// 5 segments on disk
}
