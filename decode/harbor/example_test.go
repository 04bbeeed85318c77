package harbor_test

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/decode/harbor"
	"github.com/onair-go/onair/onairtest"
)

// A DJ streams one second of audio (here a WAV stream made on the fly, as
// any source client would send MP3 or Ogg) to a harbor mount, with a
// title update in the middle; the graph plays it.
func Example() {
	h, err := harbor.New(&harbor.Options{Password: "hackme"})
	if err != nil {
		panic(err)
	}
	connected, left := make(chan struct{}), make(chan struct{})
	live, err := h.Mount("/live", &harbor.MountOptions{
		OnConnect: func(c harbor.Client) {
			fmt.Println("DJ connected:", c.Method, c.Mount)
			close(connected)
		},
		OnDisconnect: func(c harbor.Client, err error) {
			fmt.Println("DJ left, reason:", err)
			close(left)
		},
	})
	if err != nil {
		panic(err)
	}

	// The graph: the mount through a fallible output, on a manual clock.
	clk := onair.NewClock("example", &onair.ClockOptions{Kind: onair.Manual})
	g, err := onair.NewGraph(&onair.GraphOptions{Clock: clk})
	if err != nil {
		panic(err)
	}
	rec := onairtest.NewRecorder(clk)
	if err := g.Add(onair.NewOutput(live, rec, &onair.OutputOptions{Fallible: true})); err != nil {
		panic(err)
	}
	if err := g.Start(); err != nil {
		panic(err)
	}
	defer g.Close()

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- h.Serve(ctx, ln) }()
	base := "http://" + ln.Addr().String()

	// The DJ: a PUT whose body is written as the show goes on.
	pr, pw := io.Pipe()
	req, _ := http.NewRequest(http.MethodPut, base+"/live", pr)
	req.SetBasicAuth("source", "hackme")
	req.Header.Set("Content-Type", "audio/wav")
	done := make(chan error, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			// The answer comes at once; its body ends when the stream does.
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
		done <- err
	}()
	writeWAV(pw, 0, 22050)
	<-connected
	meta, _ := http.NewRequest(http.MethodGet, base+"/admin/metadata?mode=updinfo&mount=%2flive&song=Live%20set", nil)
	meta.SetBasicAuth("source", "hackme")
	if resp, err := http.DefaultClient.Do(meta); err == nil {
		fmt.Println("metadata update:", resp.Status)
		resp.Body.Close()
	}
	writeWAV(pw, 22050, 44100)
	pw.Close()
	<-done
	<-left

	// Play the buffered audio out.
	for range 60 {
		clk.Tick()
	}
	c := rec.Capture()
	fmt.Printf("played %v of live audio, track marks at %v\n", c.Duration(), c.Marks)
	for _, m := range c.Metadata {
		if m.Metadata["title"] != "" {
			fmt.Println("title:", m.Metadata["title"])
		}
	}
	cancel()
	<-served
	// Output:
	// DJ connected: PUT /live
	// metadata update: 200 OK
	// DJ left, reason: <nil>
	// played 1s of live audio, track marks at [0 44100]
	// title: Live set
}

// writeWAV writes samples [from, to) of a 440 Hz tone, 16-bit mono at
// 44.1 kHz, preceded by a streaming WAV header when from is 0.
func writeWAV(w io.Writer, from, to int) {
	if from == 0 {
		hdr := make([]byte, 44)
		copy(hdr, "RIFF")
		binary.LittleEndian.PutUint32(hdr[4:], 0xFFFFFFFF)
		copy(hdr[8:], "WAVEfmt ")
		binary.LittleEndian.PutUint32(hdr[16:], 16)
		binary.LittleEndian.PutUint16(hdr[20:], 1)     // PCM
		binary.LittleEndian.PutUint16(hdr[22:], 1)     // mono
		binary.LittleEndian.PutUint32(hdr[24:], 44100) // rate
		binary.LittleEndian.PutUint32(hdr[28:], 88200) // bytes per second
		binary.LittleEndian.PutUint16(hdr[32:], 2)     // block align
		binary.LittleEndian.PutUint16(hdr[34:], 16)    // bits
		copy(hdr[36:], "data")
		binary.LittleEndian.PutUint32(hdr[40:], 0xFFFFFFFF)
		_, _ = w.Write(hdr)
	}
	pcm := make([]byte, 2*(to-from))
	for i := range to - from {
		v := 0.25 * math.Sin(2*math.Pi*440*float64(from+i)/44100)
		binary.LittleEndian.PutUint16(pcm[2*i:], uint16(int16(v*32767)))
	}
	_, _ = w.Write(pcm)
}
