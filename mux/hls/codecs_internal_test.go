package hls

import (
	"testing"

	"github.com/onair-go/onair"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCodecString covers the RFC 6381 strings built from codec parameters
// that the graph tests do not make (HE-AAC, escaped object types, avcC
// records, Annex B with emulation bytes, codecs without extradata).
func TestCodecString(t *testing.T) {
	for _, c := range []struct {
		name string
		info onair.StreamInfo
		want string
	}{
		{"AAC-LC 44.1 kHz stereo", onair.StreamInfo{Codec: "aac", Extradata: []byte{0x12, 0x10}}, "mp4a.40.2"},
		{"HE-AAC (SBR)", onair.StreamInfo{Codec: "aac", Extradata: []byte{0x2b, 0x92, 0x08, 0x00}}, "mp4a.40.5"},
		{"HE-AACv2 (PS)", onair.StreamInfo{Codec: "aac", Extradata: []byte{0xeb, 0x8a, 0x08, 0x00}}, "mp4a.40.29"},
		{"escaped object type 42 (USAC)", onair.StreamInfo{Codec: "aac", Extradata: []byte{0xf9, 0x40, 0x00}}, "mp4a.40.42"},
		{"AAC without extradata", onair.StreamInfo{Codec: "aac"}, "mp4a.40.2"},
		{"MP3", onair.StreamInfo{Codec: "mp3"}, "mp4a.40.34"},
		{"Opus", onair.StreamInfo{Codec: "opus"}, "opus"},
		{"FLAC", onair.StreamInfo{Codec: "flac"}, "fLaC"},
		{"AC-3", onair.StreamInfo{Codec: "ac3"}, "ac-3"},
		{"H.264 avcC High 3.1", onair.StreamInfo{Codec: "h264", Extradata: []byte{1, 0x64, 0x00, 0x1f, 0xff, 0xe1, 0, 4, 0x67, 0x64, 0x00, 0x1f}}, "avc1.64001f"},
		{"H.264 Annex B constrained baseline 3.0", onair.StreamInfo{Codec: "h264", Extradata: []byte{0, 0, 0, 1, 0x67, 0x42, 0xc0, 0x1e, 0xda, 0, 0, 1, 0x68, 0xce}}, "avc1.42c01e"},
		{"H.264 Annex B, SPS after an AUD", onair.StreamInfo{Codec: "h264", Extradata: []byte{0, 0, 1, 0x09, 0xf0, 0, 0, 0, 1, 0x67, 0x4d, 0x40, 0x28}}, "avc1.4d4028"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := codecString(&c.info)
			require.NoError(t, err)
			assert.Equal(t, c.want, got)
		})
	}
	for _, info := range []onair.StreamInfo{
		{Codec: "h264"},
		{Codec: "h264", Extradata: []byte{0, 0, 1, 0x68, 0xce}},
		{Codec: "aac", Extradata: []byte{0x00, 0x00}},
		{Codec: "vp9"},
	} {
		_, err := codecString(&info)
		assert.Error(t, err, "%s % x", info.Codec, info.Extradata)
	}
	s, err := variantCodecs([]*onair.StreamInfo{{Codec: "h264", Extradata: []byte{1, 0x42, 0xc0, 0x0d}}, {Codec: "aac"}, {Codec: "aac"}})
	require.NoError(t, err)
	assert.Equal(t, "avc1.42c00d,mp4a.40.2", s, "stream order, no duplicates")
}

// FuzzAnnexB checks that extradata of any shape never panics the SPS
// reader.
func FuzzAnnexB(f *testing.F) {
	f.Add([]byte{0, 0, 0, 1, 0x67, 0x42, 0xc0, 0x1e})
	f.Add([]byte{0, 0, 1})
	f.Add([]byte{1, 0x64})
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := avcString(b)
		if err == nil && len(s) != len("avc1.000000") {
			t.Fatalf("avcString(% x) = %q", b, s)
		}
	})
}
