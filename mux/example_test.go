package mux_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/encode"
	"github.com/onair-go/onair/internal/avmux/avmuxtest"
	"github.com/onair-go/onair/mux"
)

// One AAC encoding copied into an ADTS file, under a manual clock.
func ExampleFile() {
	dir, _ := os.MkdirTemp("", "mux-example")
	defer os.RemoveAll(dir)

	aac, err := encode.Audio(onair.Sine(440, nil), &encode.AudioOptions{Codec: "aac", BitRate: 64000, Track: "audio_aac"})
	if err != nil {
		fmt.Println(err)
		return
	}
	out, err := mux.File(aac, filepath.Join(dir, "radio.aac"), &mux.FileOptions{
		Options: mux.Options{Tracks: mux.Only("audio_aac")},
		OnClose: func(path string) { fmt.Println("closed", filepath.Base(path)) },
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	clk := onair.NewClock("main", &onair.ClockOptions{Kind: onair.Manual})
	g, _ := onair.NewGraph(&onair.GraphOptions{Clock: clk})
	_ = g.Add(out)
	_ = g.Start()
	for range 50 { // one second
		clk.Tick()
	}
	_ = g.Close()

	p, err := avmuxtest.ProbeFile(filepath.Join(dir, "radio.aac"), false)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(p.Format.FormatName, p.Streams[0].CodecName, p.Streams[0].SampleRate)
	// Output:
	// closed radio.aac
	// aac aac 44100
}

// A raw track encoded inside the output: one MP3 file, no shared encoder.
func ExampleEncodeTrack() {
	dir, _ := os.MkdirTemp("", "mux-example")
	defer os.RemoveAll(dir)

	out, err := mux.File(onair.Sine(440, nil), filepath.Join(dir, "tone.mp3"), &mux.FileOptions{
		Options: mux.Options{Tracks: []mux.Track{
			mux.EncodeTrack("audio", &encode.AudioOptions{Codec: "libmp3lame", BitRate: 128000}),
		}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	clk := onair.NewClock("main", &onair.ClockOptions{Kind: onair.Manual})
	g, _ := onair.NewGraph(&onair.GraphOptions{Clock: clk})
	_ = g.Add(out)
	_ = g.Start()
	for range 50 { // one second
		clk.Tick()
	}
	_ = g.Close() // the encoder hands over what it holds, then the trailer

	p, err := avmuxtest.ProbeFile(filepath.Join(dir, "tone.mp3"), false)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%s %s %s Hz, %.1f s\n", p.Format.FormatName, p.Streams[0].CodecName, p.Streams[0].SampleRate, p.Duration())
	// Output:
	// mp3 mp3 44100 Hz, 1.0 s
}

// Two shared encodings of one source gathered into a multitrack source;
// a file copies only the MP3 one.
func ExampleOnly() {
	dir, _ := os.MkdirTemp("", "mux-example")
	defer os.RemoveAll(dir)

	tone := onair.Sine(440, nil)
	low, err := encode.Audio(tone, &encode.AudioOptions{BitRate: 48000, Track: "audio_aac_low"})
	if err != nil {
		fmt.Println(err)
		return
	}
	mp3, err := encode.Audio(tone, &encode.AudioOptions{Codec: "libmp3lame", Track: "audio_mp3"})
	if err != nil {
		fmt.Println(err)
		return
	}
	multi, err := onair.Multitrack([]onair.TrackSpec{{Name: "audio_aac_low", Source: low}, {Name: "audio_mp3", Source: mp3}}, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	out, err := mux.File(multi, filepath.Join(dir, "radio.ts"), &mux.FileOptions{
		Options: mux.Options{Tracks: mux.Only("audio_mp3")},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	clk := onair.NewClock("main", &onair.ClockOptions{Kind: onair.Manual})
	g, _ := onair.NewGraph(&onair.GraphOptions{Clock: clk})
	_ = g.Add(out)
	_ = g.Start()
	for range 50 { // one second
		clk.Tick()
	}
	_ = g.Close()

	p, err := avmuxtest.ProbeFile(filepath.Join(dir, "radio.ts"), false)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(p.Format.FormatName, len(p.Streams), "stream:", p.Streams[0].CodecName)
	// Output:
	// mpegts 1 stream: mp3
}
