package av

// Conversions between onair pictures and AVFrames, shared by the decoders
// (AVFrame to picture), the encoders (picture to AVFrame) and the filter
// operators (both ways).

//#cgo pkg-config: libavutil
//#include <libavutil/frame.h>
//#include <libavutil/imgutils.h>
//#include <libavutil/pixdesc.h>
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
//
//static int onair_copy_plane(AVFrame *f, int i, const uint8_t *src, int stride, int len) {
//	const AVPixFmtDescriptor *d = av_pix_fmt_desc_get(f->format);
//	int lines[4];
//	int ret, h;
//	if (!d || i < 0 || i > 3) return AVERROR(EINVAL);
//	ret = av_image_fill_linesizes(lines, f->format, f->width);
//	if (ret < 0) return ret;
//	if (lines[i] <= 0 || !f->data[i]) return 0;
//	h = f->height;
//	if (i == 1 || i == 2) h = -((-h) >> d->log2_chroma_h);
//	if (stride < lines[i] || (long)stride * (h - 1) + lines[i] > (long)len) return AVERROR(EINVAL);
//	av_image_copy_plane(f->data[i], f->linesize[i], src, stride, lines[i], h);
//	return 0;
//}
import "C"

import (
	"fmt"
	"unsafe"

	"github.com/asticode/go-astiav"
	"github.com/onair-go/onair"
)

// PlaneLayout is how a picture of some size and pixel format is laid out
// in one buffer with no row padding (av_image_copy_to_buffer, align 1).
type PlaneLayout struct {
	Strides [4]int
	Sizes   [4]int
	Total   int
}

// ImageLayout returns the layout of a w×h picture of pixel format pf.
func ImageLayout(pf astiav.PixelFormat, w, h int) (PlaneLayout, error) {
	var lines [4]C.int
	var sizes [4]C.int64_t
	if ret := C.onair_image_layout(C.int(pf), C.int(w), C.int(h), &lines[0], &sizes[0]); ret < 0 {
		return PlaneLayout{}, fmt.Errorf("no layout for a %dx%d %s picture: %w", w, h, pf, astiav.Error(ret))
	}
	var l PlaneLayout
	for i := range 4 {
		l.Strides[i] = int(lines[i])
		l.Sizes[i] = int(sizes[i])
		l.Total += l.Sizes[i]
	}
	return l, nil
}

// PictureFromFrame copies f, a picture of the size and pixel format
// (named name) that l was computed for, into fresh Go memory: a picture is
// shared by the consumers of a frame and may be kept by them, so its
// planes are never reused. The picture's Pos is 0.
func PictureFromFrame(f *astiav.Frame, name string, l PlaneLayout) (onair.Picture, error) {
	buf := make([]byte, l.Total)
	n, err := f.ImageCopyToBuffer(buf, 1)
	if err != nil {
		return onair.Picture{}, Wrap("av_image_copy_to_buffer", err)
	}
	if n != l.Total {
		return onair.Picture{}, fmt.Errorf("picture copy wrote %d bytes, want %d", n, l.Total)
	}
	p := onair.Picture{Width: f.Width(), Height: f.Height(), PixelFormat: name, Strides: l.Strides}
	off := 0
	for i, sz := range l.Sizes {
		if sz > 0 {
			p.Planes[i] = buf[off : off+sz : off+sz]
			off += sz
		}
	}
	return p, nil
}

// CopyPicture copies p's planes into f, an allocated frame of p's size and
// pixel format.
func CopyPicture(f *astiav.Frame, p *onair.Picture) error {
	for i := range p.Planes {
		if err := copyPlane(f, i, p.Planes[i], p.Strides[i]); err != nil {
			return err
		}
	}
	return nil
}

// copyPlane copies plane i of a picture (rows of stride bytes) into f.
func copyPlane(f *astiav.Frame, i int, src []byte, stride int) error {
	if len(src) == 0 {
		return nil
	}
	c := (*C.AVFrame)(f.UnsafePointer())
	if ret := C.onair_copy_plane(c, C.int(i), (*C.uint8_t)(unsafe.Pointer(&src[0])), C.int(stride), C.int(len(src))); ret < 0 {
		return fmt.Errorf("picture plane %d (stride %d, %d bytes) does not fit a %dx%d %s frame", i, stride, len(src), f.Width(), f.Height(), f.PixelFormat())
	}
	return nil
}
