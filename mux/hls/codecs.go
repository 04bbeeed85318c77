package hls

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/asticode/go-astiav"
	"github.com/onair-go/onair"
)

// codecString returns the RFC 6381 codecs string of an encoded stream, as
// HLS master playlists use it, or an error when the codec is not one it
// knows.
func codecString(info *onair.StreamInfo) (string, error) {
	switch info.Codec {
	case "aac":
		return aacString(info)
	case "mp3":
		return "mp4a.40.34", nil
	case "mp2":
		return "mp4a.40.33", nil
	case "ac3":
		return "ac-3", nil
	case "eac3":
		return "ec-3", nil
	case "opus":
		return "opus", nil
	case "flac":
		return "fLaC", nil
	case "h264":
		return avcString(info.Extradata)
	}
	return "", fmt.Errorf("hls: no RFC 6381 codecs string for codec %q (set Variant.Codecs)", info.Codec)
}

// aacString is "mp4a.40.<audio object type>", the object type read from
// the AudioSpecificConfig in the extradata (ISO 14496-3 §1.6.2.1): 2 for
// AAC-LC, 5 for HE-AAC (SBR), 29 for HE-AACv2 (PS). Without extradata the
// FFmpeg profile is used, and AAC-LC assumed when it is unknown too.
func aacString(info *onair.StreamInfo) (string, error) {
	if ex := info.Extradata; len(ex) >= 2 {
		aot := int(ex[0] >> 3)
		if aot == 31 { // escape: 32 + the next 6 bits
			aot = 32 + (int(ex[0]&7)<<3 | int(ex[1]>>5))
		}
		if aot == 0 {
			return "", fmt.Errorf("hls: AAC AudioSpecificConfig % x has no object type", ex)
		}
		return fmt.Sprintf("mp4a.40.%d", aot), nil
	}
	if cp, ok := info.Params.(*astiav.CodecParameters); ok && cp != nil && cp.Profile() >= 0 {
		// FFmpeg's AAC profiles are the object type minus one.
		return fmt.Sprintf("mp4a.40.%d", int(cp.Profile())+1), nil
	}
	return "mp4a.40.2", nil
}

// avcString is "avc1.PPCCLL": profile_idc, the constraint flags byte and
// level_idc of the first SPS, in hex, read from an avcC record or from
// Annex B extradata (start codes, as libx264 writes it with global
// headers).
func avcString(ex []byte) (string, error) {
	var sps []byte
	switch {
	case len(ex) >= 4 && ex[0] == 1: // avcC: version, profile, compat, level
		sps = ex[1:4]
	default:
		for _, nal := range annexBNALs(ex) {
			if len(nal) >= 4 && nal[0]&0x1f == 7 {
				sps = nal[1:4]
				break
			}
		}
	}
	if sps == nil {
		return "", fmt.Errorf("hls: H.264 extradata holds no SPS (encode with global headers)")
	}
	return fmt.Sprintf("avc1.%02x%02x%02x", sps[0], sps[1], sps[2]), nil
}

// annexBNALs splits an Annex B byte stream into NAL units.
func annexBNALs(b []byte) [][]byte {
	var nals [][]byte
	start := -1
	for i := 0; i+2 < len(b); {
		if b[i] == 0 && b[i+1] == 0 && b[i+2] == 1 {
			if start >= 0 {
				nals = append(nals, bytes.TrimRight(b[start:i], "\x00"))
			}
			i += 3
			start = i
			continue
		}
		i++
	}
	if start >= 0 && start < len(b) {
		nals = append(nals, b[start:])
	}
	return nals
}

// variantCodecs joins the codecs strings of a variant's streams, in
// stream order, without duplicates. It returns the first error for a
// stream it cannot describe.
func variantCodecs(infos []*onair.StreamInfo) (string, error) {
	var l []string
	for _, info := range infos {
		s, err := codecString(info)
		if err != nil {
			return "", err
		}
		dup := false
		for _, x := range l {
			dup = dup || x == s
		}
		if !dup {
			l = append(l, s)
		}
	}
	return strings.Join(l, ","), nil
}
