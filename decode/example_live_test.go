package decode_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/decode"
)

// wavTone returns a WAV file of a 440 Hz stereo tone at 44.1 kHz.
func wavTone(seconds float64) []byte {
	n := int(seconds * 44100)
	var b bytes.Buffer
	le := binary.LittleEndian
	b.WriteString("RIFF")
	_ = binary.Write(&b, le, uint32(36+n*4))
	b.WriteString("WAVEfmt ")
	// PCM, 2 channels, 44100 Hz, 4 bytes a sample, 16 bits.
	for _, v := range []any{uint32(16), uint16(1), uint16(2), uint32(44100), uint32(44100 * 4), uint16(4), uint16(16)} {
		_ = binary.Write(&b, le, v)
	}
	b.WriteString("data")
	_ = binary.Write(&b, le, uint32(n*4))
	for i := range n {
		v := int16(8000 * math.Sin(2*math.Pi*440*float64(i)/44100))
		_ = binary.Write(&b, le, []int16{v, v})
	}
	return b.Bytes()
}

// tracker records what an output receives.
type tracker struct {
	samples int
	marks   []int
	titles  []string
	at      []int // sample position of each title
}

func (t *tracker) send(f *onair.Frame) error {
	for _, m := range f.Marks() {
		t.marks = append(t.marks, t.samples+m)
	}
	for _, m := range f.Metadata() {
		if title := m.Metadata["title"]; title != "" {
			t.titles = append(t.titles, fmt.Sprintf("%q by %q", title, m.Metadata["artist"]))
			t.at = append(t.at, t.samples+m.Pos)
		}
	}
	t.samples += f.Len()
	return nil
}

// Feed a live source from a byte stream: Play decodes it on the calling
// goroutine (here a WAV file in memory; usually a network connection),
// and the clock plays the buffered audio as one track.
func ExampleLive() {
	live, err := decode.Live(&decode.LiveOptions{ID: "studio", Prebuffer: 500 * time.Millisecond})
	if err != nil {
		panic(err)
	}
	clk := onair.NewClock("main", &onair.ClockOptions{Kind: onair.Manual})
	g, err := onair.NewGraph(&onair.GraphOptions{Clock: clk})
	if err != nil {
		panic(err)
	}
	tr := &tracker{}
	if err := g.Add(onair.Sink(live, tr.send, &onair.OutputOptions{Fallible: true})); err != nil {
		panic(err)
	}
	if err := g.Start(); err != nil {
		panic(err)
	}
	defer g.Close()

	err = live.Play(context.Background(), bytes.NewReader(wavTone(1)), "audio/wav")
	fmt.Println("play:", err, "buffered:", live.Buffered())
	for range 60 {
		clk.Tick()
	}
	fmt.Println("played:", tr.samples, "track marks:", tr.marks, "buffered:", live.Buffered())
	// Output:
	// play: <nil> buffered: 1s
	// played: 44100 track marks: [0 44100] buffered: 0s
}

// Play an Icecast-like HTTP stream with ICY metadata: the title sent
// after half a second of audio comes out there (within one packet of the
// stream, here 93 ms of WAV).
func ExampleHTTP() {
	wav := wavTone(1)
	const metaint = 88200 // half a second of this stream
	meta := "StreamTitle='The Artist - The Song';"
	block := make([]byte, 1+(len(meta)+15)/16*16)
	block[0] = byte(len(block) / 16)
	copy(block[1:], meta)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "audio/wav")
		w.Header().Set("icy-metaint", fmt.Sprint(metaint))
		// A metadata block after every metaint bytes: the title, then
		// empty blocks (no change).
		for i, data := 0, wav; len(data) > 0; i++ {
			n := min(metaint, len(data))
			_, _ = w.Write(data[:n])
			data = data[n:]
			switch {
			case n < metaint:
			case i == 0:
				_, _ = w.Write(block)
			default:
				_, _ = w.Write([]byte{0})
			}
		}
	}))
	defer srv.Close()

	ended := make(chan error, 1)
	src, err := decode.HTTP(srv.URL+"/live.wav", &decode.HTTPOptions{
		MinDelay:     time.Hour, // do not reconnect in this example
		OnDisconnect: func(err error) { ended <- err },
	})
	if err != nil {
		panic(err)
	}
	defer src.Close()
	clk := onair.NewClock("main", &onair.ClockOptions{Kind: onair.Manual})
	g, err := onair.NewGraph(&onair.GraphOptions{Clock: clk})
	if err != nil {
		panic(err)
	}
	tr := &tracker{}
	if err := g.Add(onair.Sink(src, tr.send, &onair.OutputOptions{Fallible: true})); err != nil {
		panic(err)
	}
	if err := g.Start(); err != nil { // wakes the source up: it connects
		panic(err)
	}
	defer g.Close()

	select {
	case err := <-ended:
		fmt.Println("stream ended:", err)
	case <-time.After(30 * time.Second):
		fmt.Println("the stream did not end")
	}
	for range 60 {
		clk.Tick()
	}
	fmt.Println("played:", tr.samples)
	fmt.Println(tr.titles)
	for _, at := range tr.at {
		fmt.Println("after half a second:", math.Abs(float64(at)/44100-0.5) < 0.1)
	}
	// Output:
	// stream ended: <nil>
	// played: 44100
	// ["The Song" by "The Artist"]
	// after half a second: true
}
