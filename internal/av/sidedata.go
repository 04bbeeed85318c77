package av

/*
#cgo pkg-config: libavcodec libavutil
#include <string.h>
#include <libavcodec/avcodec.h>
#include <libavcodec/packet.h>

// The result is returned by value: a Go pointer for the size would make
// every call allocate.
typedef struct { const uint8_t *data; size_t size; } onair_side_data;

static onair_side_data onair_new_extradata(const AVPacket *p) {
	onair_side_data sd;
	sd.size = 0;
	sd.data = av_packet_get_side_data(p, AV_PKT_DATA_NEW_EXTRADATA, &sd.size);
	return sd;
}

static int onair_set_new_extradata(AVPacket *p, const uint8_t *data, size_t size) {
	uint8_t *sd = av_packet_new_side_data(p, AV_PKT_DATA_NEW_EXTRADATA, size);
	if (!sd) return AVERROR(ENOMEM);
	memcpy(sd, data, size);
	return 0;
}
*/
import "C"

import (
	"errors"
	"unsafe"

	"github.com/asticode/go-astiav"
)

// go-astiav v0.39 gives no access to a packet's side data beyond display
// matrices and skip samples, nor to its C pointer. An astiav.Packet is a
// struct holding only that pointer; the two array types below fail to
// compile if its size ever differs from one pointer, and TestPacketPointer
// checks that the pointer read is the packet's.
var (
	_ [unsafe.Sizeof(astiav.Packet{}) - unsafe.Sizeof(unsafe.Pointer(nil))]byte
	_ [unsafe.Sizeof(unsafe.Pointer(nil)) - unsafe.Sizeof(astiav.Packet{})]byte
)

func cPacket(p *astiav.Packet) *C.AVPacket { return *(**C.AVPacket)(unsafe.Pointer(p)) }

// NewExtradata returns a copy of p's AV_PKT_DATA_NEW_EXTRADATA side data,
// or nil when it has none: the new codec header an encoder puts on a
// packet, such as FLAC's final STREAMINFO (with the total sample count
// and the MD5 of the audio) on its last packet.
func NewExtradata(p *astiav.Packet) []byte {
	sd := C.onair_new_extradata(cPacket(p))
	if sd.data == nil || sd.size == 0 {
		return nil
	}
	return C.GoBytes(unsafe.Pointer(sd.data), C.int(sd.size))
}

// SetNewExtradata adds data to p as AV_PKT_DATA_NEW_EXTRADATA side data,
// for the muxer (the FLAC, Matroska and MP4 muxers rewrite the stream's
// header with it at the trailer). Empty data adds nothing.
func SetNewExtradata(p *astiav.Packet, data []byte) error {
	if len(data) == 0 {
		return nil
	}
	if ret := C.onair_set_new_extradata(cPacket(p), (*C.uint8_t)(unsafe.Pointer(&data[0])), C.size_t(len(data))); ret < 0 {
		return &Error{Op: "av_packet_new_side_data", Err: errors.New("out of memory")}
	}
	return nil
}

// packetPts reads p's pts through the C pointer (for the layout test).
func packetPts(p *astiav.Packet) int64 { return int64(cPacket(p).pts) }
