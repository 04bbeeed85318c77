package hw

//#cgo pkg-config: libavutil
//#include <libavutil/hwcontext.h>
//
//static enum AVHWDeviceType onair_next_type(enum AVHWDeviceType t) { return av_hwdevice_iterate_types(t); }
import "C"

import "github.com/asticode/go-astiav"

// buildTypes lists the device types compiled into the linked libavutil
// (av_hwdevice_iterate_types, which go-astiav does not wrap).
func buildTypes() []astiav.HardwareDeviceType {
	var l []astiav.HardwareDeviceType
	t := C.enum_AVHWDeviceType(C.AV_HWDEVICE_TYPE_NONE)
	for {
		t = C.onair_next_type(t)
		if t == C.AV_HWDEVICE_TYPE_NONE {
			return l
		}
		l = append(l, astiav.HardwareDeviceType(t))
	}
}

// knownTypes lists every type name this FFmpeg version knows, compiled in
// or not (the names of the AVHWDeviceType values).
func knownTypes() []string {
	var l []string
	for t := 1; t < 64; t++ {
		if n := C.av_hwdevice_get_type_name(C.enum_AVHWDeviceType(t)); n != nil {
			l = append(l, C.GoString(n))
		}
	}
	return l
}
