package whip

import (
	"encoding/binary"
	"math"
)

// wavHeader is the header of an endless WAV stream of 32-bit float samples
// (WAVE_FORMAT_IEEE_FLOAT): the sizes are 0xFFFFFFFF, which FFmpeg's WAV
// demuxer reads as a stream without end.
func wavHeader(rate, channels int) []byte {
	b := make([]byte, 0, 44)
	le := binary.LittleEndian
	b = append(b, "RIFF"...)
	b = le.AppendUint32(b, math.MaxUint32)
	b = append(b, "WAVEfmt "...)
	b = le.AppendUint32(b, 16)
	b = le.AppendUint16(b, 3) // IEEE float
	b = le.AppendUint16(b, uint16(channels))
	b = le.AppendUint32(b, uint32(rate))
	b = le.AppendUint32(b, uint32(rate*channels*4))
	b = le.AppendUint16(b, uint16(channels*4))
	b = le.AppendUint16(b, 32)
	b = append(b, "data"...)
	b = le.AppendUint32(b, math.MaxUint32)
	return b
}

// appendFloats appends samples as little-endian float32.
func appendFloats(b []byte, samples []float32) []byte {
	for _, v := range samples {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
	}
	return b
}
