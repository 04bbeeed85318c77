package avmux

import (
	"testing"

	"github.com/asticode/go-astiav"
	"github.com/stretchr/testify/assert"
)

func TestFiltersFor(t *testing.T) {
	annexB := []byte{0, 0, 0, 1, 0x67, 0x42}
	avcc := []byte{1, 0x42, 0xc0, 0x0d}
	cases := []struct {
		format string
		codec  astiav.CodecID
		extra  []byte
		want   []string
	}{
		{"h264", astiav.CodecIDH264, annexB, []string{"dump_extra"}},
		{"hevc", astiav.CodecIDHevc, annexB, []string{"dump_extra"}},
		{"h264", astiav.CodecIDH264, avcc, nil},     // the muxer adds h264_mp4toannexb
		{"mpegts", astiav.CodecIDH264, annexB, nil}, // mpegts inserts SPS/PPS itself
		{"mp4", astiav.CodecIDH264, annexB, nil},    // converted to avcC by movenc
		{"mpegts", astiav.CodecIDAac, []byte{0x12, 0x10}, nil},
		{"adts", astiav.CodecIDAac, []byte{0x12, 0x10}, nil},
	}
	for _, c := range cases {
		cp := astiav.AllocCodecParameters()
		cp.SetCodecID(c.codec)
		assert.NoError(t, cp.SetExtraData(c.extra))
		var got []string
		for _, s := range filtersFor(c.format, cp) {
			got = append(got, s.name)
		}
		assert.Equal(t, c.want, got, "%s/%s", c.format, c.codec.Name())
		cp.Free()
	}
}
