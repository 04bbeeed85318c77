package listen_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/encode"
	"github.com/onair-go/onair/mux/listen"
)

// A station served by the embedded listener server: a sine encoded once
// to MP3, mounted at /radio.mp3, and one listener that asks for ICY
// metadata. The server is an http.Handler (here inside httptest; Run
// listens on a port of its own).
func ExampleServer() {
	sine := onair.Sine(440, nil)
	mp3, err := encode.Audio(sine, &encode.AudioOptions{Codec: "libmp3lame", BitRate: 128000, Track: "audio_mp3"})
	if err != nil {
		fmt.Println(err)
		return
	}
	srv, _ := listen.NewServer(nil)
	defer srv.Close()
	radio, err := srv.Mount("/radio.mp3", mp3, &listen.MountOptions{Name: "Example FM", MetaInterval: 8000})
	if err != nil {
		fmt.Println(err)
		return
	}
	clk := onair.NewClock("main", &onair.ClockOptions{Kind: onair.Manual})
	g, _ := onair.NewGraph(&onair.GraphOptions{Clock: clk})
	_ = g.Add(radio)
	_ = g.Start()
	defer g.Close()
	hs := httptest.NewServer(srv)
	defer hs.Close()

	req, _ := http.NewRequest(http.MethodGet, hs.URL+"/radio.mp3", nil)
	req.Header.Set("Icy-MetaData", "1")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	fmt.Println(resp.Status, resp.Header.Get("Content-Type"), resp.Header.Get("icy-name"), resp.Header.Get("icy-metaint"))

	sine.InsertMetadata(onair.Metadata{"artist": "onair", "title": "A440"}, false)
	for range 50 { // one second
		clk.Tick()
	}
	audio := make([]byte, 8000) // up to the first metadata block
	if _, err := io.ReadFull(resp.Body, audio); err != nil {
		fmt.Println(err)
		return
	}
	var n [1]byte
	_, _ = io.ReadFull(resp.Body, n[:])
	block := make([]byte, int(n[0])*16)
	_, _ = io.ReadFull(resp.Body, block)
	fmt.Printf("%s... %q\n", audio[:3], block)
	fmt.Println(radio.Stats().Listeners, "listener,", radio.Title())
	// Output:
	// 200 OK audio/mpeg Example FM 8000
	// ID3... "StreamTitle='onair - A440';\x00\x00\x00\x00\x00"
	// 1 listener, onair - A440
}
