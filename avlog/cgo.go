package avlog

/*
#cgo pkg-config: libavutil
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <libavutil/log.h>

extern int onairAvlogLine(int level, char *component, char *msg, uintptr_t ctx, uintptr_t parent, uintptr_t grandparent);

// onair_parent returns the context FFmpeg logs ptr's messages under, as
// av_log_default_callback does (AVClass.parent_log_context_offset), or NULL.
static void *onair_parent(void *ptr) {
	if (!ptr) return NULL;
	AVClass *avc = *(AVClass **)ptr;
	if (!avc || !avc->parent_log_context_offset) return NULL;
	void *parent = *(void **)((uint8_t *)ptr + avc->parent_log_context_offset);
	if (!parent || !*(AVClass **)parent) return NULL;
	return parent;
}

// onair_avlog formats each message into a bounded buffer (vsnprintf: long
// messages are cut, never written past the buffer) and hands it to Go with
// the name of the component that logged it and the context and its
// parents. A message Go does not take goes to FFmpeg's default callback
// (standard error).
static void onair_avlog(void *ptr, int level, const char *fmt, va_list vl) {
	if (level > av_log_get_level()) return;
	va_list copy;
	va_copy(copy, vl);
	char msg[2048];
	vsnprintf(msg, sizeof msg, fmt, vl);
	const char *name = "";
	if (ptr) {
		AVClass *avc = *(AVClass **)ptr;
		if (avc && avc->item_name) name = avc->item_name(ptr);
	}
	void *parent = onair_parent(ptr);
	void *grand = onair_parent(parent);
	if (!onairAvlogLine(level, (char *)name, msg, (uintptr_t)ptr, (uintptr_t)parent, (uintptr_t)grand))
		av_log_default_callback(ptr, level, fmt, copy);
	va_end(copy);
}

static void onair_avlog_install(void) { av_log_set_callback(onair_avlog); }
*/
import "C"

//export onairAvlogLine
func onairAvlogLine(level C.int, component, msg *C.char, ctx, parent, grand C.uintptr_t) C.int {
	l := routes.loggerFor(uintptr(ctx), uintptr(parent), uintptr(grand))
	if l == nil {
		return 0
	}
	logLine(l, int(level), C.GoString(component), C.GoString(msg))
	return 1
}

func installCallback() { C.onair_avlog_install() }
