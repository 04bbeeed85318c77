package encode_test

import (
	"fmt"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/encode"
)

// An AudioEncoder takes samples in any chunk sizes and regroups them into
// the codec's frames (1152 samples for MP3).
func ExampleNewAudioEncoder() {
	enc, err := encode.NewAudioEncoder(44100, 2, &encode.AudioOptions{Codec: "libmp3lame", BitRate: 128000})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer enc.Close()
	st := enc.Stream()
	fmt.Println(st.Codec, st.SampleRate, st.Channels, st.TimeBase, enc.FrameSize())

	var bytes int
	count := func(p onair.Packet) error { bytes += len(p.Data); return nil }
	second := sine(44100, 2, 44100, 440)
	for off := 0; off < 44100; off += 1000 {
		end := min(off+1000, 44100)
		if err := enc.Encode([][]float32{second[0][off:end], second[1][off:end]}, count); err != nil {
			fmt.Println(err)
			return
		}
	}
	if err := enc.Flush(count); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("codec frames:", enc.Frames(), "about 128 kb/s:", bytes > 15000 && bytes < 17500)
	// Output:
	// mp3 44100 2 1/44100 1152
	// codec frames: 39 about 128 kb/s: true
}

// Options are checked by name: an unknown one is an error that names it.
func ExampleOptionError() {
	_, err := encode.NewAudioEncoder(48000, 2, &encode.AudioOptions{Codec: "libopus", Options: map[string]string{"vbr": "on", "colour": "blue"}})
	fmt.Println(err)
	// Output:
	// encode: libopus: option "colour"="blue": unknown option
}
