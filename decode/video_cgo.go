package decode

// The few FFmpeg calls video decoding needs that go-astiav does not
// expose: a frame's best-effort timestamp.

//#cgo pkg-config: libavutil
//#include <libavutil/frame.h>
//
//static int64_t onair_best_effort_ts(const AVFrame *f) { return f->best_effort_timestamp; }
import "C"

import "github.com/asticode/go-astiav"

// bestEffortTS returns the frame's timestamp as FFmpeg estimates it
// (pts, or a guess from dts when pts is missing or broken).
func bestEffortTS(f *astiav.Frame) int64 {
	return int64(C.onair_best_effort_ts((*C.AVFrame)(f.UnsafePointer())))
}
