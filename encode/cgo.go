package encode

// This file holds the few FFmpeg calls that go-astiav does not expose in a
// form that avoids per-call copies: writing samples and picture planes
// straight into an AVFrame, setting a codec option by name on a context and
// reading codec capabilities.

//#cgo pkg-config: libavcodec libavutil
//#include <errno.h>
//#include <stdlib.h>
//#include <string.h>
//#include <libavcodec/avcodec.h>
//#include <libavutil/frame.h>
//#include <libavutil/opt.h>
//
//static int onair_copy_samples(AVFrame *f, int plane, int offset, const void *src, int bytes) {
//	if (plane < 0 || plane >= AV_NUM_DATA_POINTERS || !f->data[plane]) return AVERROR(EINVAL);
//	memcpy(f->data[plane] + offset, src, bytes);
//	return 0;
//}
//
//static int onair_opt_set(void *obj, const char *name, const char *val) {
//	return av_opt_set(obj, name, val, AV_OPT_SEARCH_CHILDREN);
//}
//
//static int onair_codec_caps(const AVCodecContext *c) {
//	return c->codec ? c->codec->capabilities : 0;
//}
//
//static int onair_sample_rates(const AVCodecContext *c, const int **out) {
//	int n = 0;
//	*out = NULL;
//	if (avcodec_get_supported_config(c, NULL, AV_CODEC_CONFIG_SAMPLE_RATE, 0, (const void **)out, &n) < 0) return 0;
//	return n;
//}
//
//static int onair_initial_padding(const AVCodecContext *c) { return c->initial_padding; }
//static int onair_not_found(void) { return AVERROR_OPTION_NOT_FOUND; }
//static int onair_cap_small_last(void) { return AV_CODEC_CAP_SMALL_LAST_FRAME; }
//static int onair_cap_variable(void) { return AV_CODEC_CAP_VARIABLE_FRAME_SIZE; }
import "C"

import (
	"fmt"
	"unsafe"

	"github.com/asticode/go-astiav"
)

func cFrame(f *astiav.Frame) *C.AVFrame { return (*C.AVFrame)(f.UnsafePointer()) }

// copyFloats copies src into plane of f (a planar float frame), starting at
// sample offset.
func copyFloats(f *astiav.Frame, plane, offset int, src []float32) error {
	if len(src) == 0 {
		return nil
	}
	ret := C.onair_copy_samples(cFrame(f), C.int(plane), C.int(offset*4), unsafe.Pointer(&src[0]), C.int(len(src)*4))
	if ret < 0 {
		return fmt.Errorf("encode: frame has no plane %d", plane)
	}
	return nil
}

// errOptionNotFound is the FFmpeg code for an unknown option.
var errOptionNotFound = int(C.onair_not_found())

// setOption sets a codec (or codec-private) option by name on ctx.
func setOption(ctx *astiav.CodecContext, name, value string) error {
	cn := C.CString(name)
	defer C.free(unsafe.Pointer(cn))
	cv := C.CString(value)
	defer C.free(unsafe.Pointer(cv))
	ret := int(C.onair_opt_set(ctx.UnsafePointer(), cn, cv))
	if ret >= 0 {
		return nil
	}
	if ret == errOptionNotFound {
		return &OptionError{Option: name, Value: value, Err: ErrUnknownOption}
	}
	return &OptionError{Option: name, Value: value, Err: fmt.Errorf("%w: %w", ErrInvalidOption, astiav.Error(ret))}
}

// smallLastFrame reports whether the opened codec accepts a last frame
// shorter than its frame size; variable reports whether any size works.
func codecCaps(ctx *astiav.CodecContext) (smallLast, variable bool) {
	caps := C.onair_codec_caps((*C.AVCodecContext)(ctx.UnsafePointer()))
	return caps&C.onair_cap_small_last() != 0, caps&C.onair_cap_variable() != 0
}

// initialPadding returns the encoder's priming samples (AAC 1024, ...).
func initialPadding(ctx *astiav.CodecContext) int {
	return int(C.onair_initial_padding((*C.AVCodecContext)(ctx.UnsafePointer())))
}

// sampleRates returns the sample rates ctx's codec supports (nil: any).
func sampleRates(ctx *astiav.CodecContext) []int {
	var out *C.int
	n := int(C.onair_sample_rates((*C.AVCodecContext)(ctx.UnsafePointer()), &out))
	if n <= 0 || out == nil {
		return nil
	}
	rates := make([]int, n)
	for i, r := range unsafe.Slice(out, n) {
		rates[i] = int(r)
	}
	return rates
}
