package decode

// The few FFmpeg calls video decoding needs that go-astiav does not
// expose: a frame's best-effort timestamp and the plane layout of a packed
// picture buffer.

//#cgo pkg-config: libavutil
//#include <libavutil/frame.h>
//#include <libavutil/imgutils.h>
//
//static int64_t onair_best_effort_ts(const AVFrame *f) { return f->best_effort_timestamp; }
//
//static int onair_image_layout(int fmt, int w, int h, int lines[4], int64_t sizes[4]) {
//	ptrdiff_t l[4];
//	size_t s[4];
//	int ret = av_image_fill_linesizes(lines, fmt, w);
//	if (ret < 0) return ret;
//	for (int i = 0; i < 4; i++) l[i] = lines[i];
//	ret = av_image_fill_plane_sizes(s, fmt, h, l);
//	if (ret < 0) return ret;
//	for (int i = 0; i < 4; i++) sizes[i] = (int64_t)s[i];
//	return 0;
//}
import "C"

import (
	"fmt"

	"github.com/asticode/go-astiav"
)

// bestEffortTS returns the frame's timestamp as FFmpeg estimates it
// (pts, or a guess from dts when pts is missing or broken).
func bestEffortTS(f *astiav.Frame) int64 {
	return int64(C.onair_best_effort_ts((*C.AVFrame)(f.UnsafePointer())))
}

// planeLayout is how a picture of some size and format is laid out in one
// buffer with no row padding (av_image_copy_to_buffer with align 1).
type planeLayout struct {
	strides [4]int
	sizes   [4]int
	total   int
}

func imageLayout(pf astiav.PixelFormat, w, h int) (planeLayout, error) {
	var lines [4]C.int
	var sizes [4]C.int64_t
	if ret := C.onair_image_layout(C.int(pf), C.int(w), C.int(h), &lines[0], &sizes[0]); ret < 0 {
		return planeLayout{}, fmt.Errorf("no layout for a %dx%d %s picture: %w", w, h, pf, astiav.Error(ret))
	}
	var l planeLayout
	for i := range 4 {
		l.strides[i] = int(lines[i])
		l.sizes[i] = int(sizes[i])
		l.total += l.sizes[i]
	}
	return l, nil
}
