package icecast_test

import (
	"fmt"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/encode"
	"github.com/onair-go/onair/mux"
	"github.com/onair-go/onair/mux/icecast"
)

// An MP3 mount fed by a shared encoder. New only checks the options: the
// output connects once the graph runs.
func ExampleNew() {
	mp3, err := encode.Audio(onair.Sine(440, nil), &encode.AudioOptions{Codec: "libmp3lame", BitRate: 128000, Track: "audio_mp3"})
	if err != nil {
		fmt.Println(err)
		return
	}
	out, err := icecast.New(mp3, &icecast.Options{
		URL:    "http://source:secret@radio.example:8000/live.mp3",
		Tracks: mux.Only("audio_mp3"),
		Name:   "My Radio",
		Genre:  "test",
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(out.URL(), out.ContentType(), out.Status().State)

	_, err = icecast.New(mp3, &icecast.Options{URL: "http://radio.example:8000/live"})
	fmt.Println(err)
	// Output:
	// http://radio.example:8000/live.mp3 audio/mpeg idle
	// icecast: invalid option: no Format given and none known for mount "/live"
}
