package pcmtest

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"math"
	"os"
)

// WriteWAV writes planar audio as a 32-bit float WAV file.
func WriteWAV(path string, rate int, audio [][]float32) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	b := bufio.NewWriterSize(f, 1<<16)
	ch, n := len(audio), len(audio[0])
	le := binary.LittleEndian
	data := n * ch * 4
	b.WriteString("RIFF")
	_ = binary.Write(b, le, uint32(36+data))
	b.WriteString("WAVEfmt ")
	for _, v := range []any{uint32(16), uint16(3), uint16(ch), uint32(rate), uint32(rate * ch * 4), uint16(ch * 4), uint16(32)} {
		_ = binary.Write(b, le, v)
	}
	b.WriteString("data")
	_ = binary.Write(b, le, uint32(data))
	buf := make([]byte, 4)
	for i := range n {
		for c := range ch {
			le.PutUint32(buf, math.Float32bits(audio[c][i]))
			b.Write(buf)
		}
	}
	if err := b.Flush(); err != nil {
		return err
	}
	return f.Close()
}

// ReadWAV reads a 16-bit PCM or 32-bit float WAV file into planar audio.
func ReadWAV(path string) (rate int, audio [][]float32, err error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return 0, nil, err
	}
	le := binary.LittleEndian
	if len(raw) < 12 || string(raw[:4]) != "RIFF" || string(raw[8:12]) != "WAVE" {
		return 0, nil, fmt.Errorf("%s: not a WAV file", path)
	}
	var format, ch, bits int
	for p := 12; p+8 <= len(raw); {
		id, size := string(raw[p:p+4]), int(le.Uint32(raw[p+4:]))
		body := raw[p+8 : min(p+8+size, len(raw))]
		switch id {
		case "fmt ":
			format, ch, rate, bits = int(le.Uint16(body)), int(le.Uint16(body[2:])), int(le.Uint32(body[4:])), int(le.Uint16(body[14:]))
			if format == 0xFFFE && len(body) >= 26 {
				format = int(le.Uint16(body[24:]))
			}
		case "data":
			if ch == 0 {
				return 0, nil, fmt.Errorf("%s: data before fmt", path)
			}
			step := bits / 8
			n := len(body) / (step * ch)
			audio = make([][]float32, ch)
			for c := range audio {
				audio[c] = make([]float32, n)
			}
			for i := range n {
				for c := range ch {
					o := (i*ch + c) * step
					switch {
					case format == 1 && bits == 16:
						audio[c][i] = float32(int16(le.Uint16(body[o:]))) / 32768
					case format == 3 && bits == 32:
						audio[c][i] = math.Float32frombits(le.Uint32(body[o:]))
					default:
						return 0, nil, fmt.Errorf("%s: format %d with %d bits not supported", path, format, bits)
					}
				}
			}
			return rate, audio, nil
		}
		p += 8 + size + size%2
	}
	return 0, nil, fmt.Errorf("%s: no data chunk", path)
}
