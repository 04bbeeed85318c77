package av

// #cgo pkg-config: libavcodec
// #include <libavcodec/avcodec.h>
import "C"

// CodecVersion returns the version of the libavcodec linked at run time.
// FFmpeg 7.x has major version 61.
func CodecVersion() (major, minor, micro int) {
	v := uint32(C.avcodec_version())
	return int(v >> 16), int(v >> 8 & 0xff), int(v & 0xff)
}
