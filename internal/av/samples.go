package av

/*
#cgo pkg-config: libavcodec libavutil
#include <libavcodec/avcodec.h>
#include <libavutil/frame.h>
*/
import "C"

import (
	"unsafe"

	"github.com/asticode/go-astiav"
)

// Float32Plane returns channel ch of f's samples as a slice of f's own
// memory, without copying. f must hold planar float32 audio (fltp) with
// more than ch channels. The slice is valid until f is unreferenced,
// reused or freed.
func Float32Plane(f *astiav.Frame, ch int) []float32 {
	c := (*C.AVFrame)(f.UnsafePointer())
	n := int(c.nb_samples)
	if n <= 0 || ch < 0 || ch >= int(c.ch_layout.nb_channels) {
		return nil
	}
	planes := unsafe.Slice(c.extended_data, ch+1)
	return unsafe.Slice((*float32)(unsafe.Pointer(planes[ch])), n)
}

// FlushDecoder resets a decoder's internal state (avcodec_flush_buffers),
// as needed after a seek.
func FlushDecoder(cc *astiav.CodecContext) {
	C.avcodec_flush_buffers((*C.AVCodecContext)(cc.UnsafePointer()))
}

// DefaultLayout returns FFmpeg's default layout for n channels.
func DefaultLayout(n int) astiav.ChannelLayout {
	switch n {
	case 1:
		return astiav.ChannelLayoutMono
	case 3:
		return astiav.ChannelLayout2Point1
	case 4:
		return astiav.ChannelLayout4Point0
	case 5:
		return astiav.ChannelLayout5Point0Back
	case 6:
		return astiav.ChannelLayout5Point1Back
	case 7:
		return astiav.ChannelLayout6Point1
	case 8:
		return astiav.ChannelLayout7Point1
	}
	return astiav.ChannelLayoutStereo
}
