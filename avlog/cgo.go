package avlog

/*
#cgo pkg-config: libavutil
#include <stdarg.h>
#include <stdio.h>
#include <libavutil/log.h>

extern void onairAvlogLine(int level, char *component, char *msg);

// onair_avlog formats each message into a bounded buffer (vsnprintf: long
// messages are cut, never written past the buffer) and hands it to Go with
// the name of the component that logged it.
static void onair_avlog(void *ptr, int level, const char *fmt, va_list vl) {
	if (level > av_log_get_level()) return;
	char msg[2048];
	vsnprintf(msg, sizeof msg, fmt, vl);
	const char *name = "";
	if (ptr) {
		AVClass *avc = *(AVClass **)ptr;
		if (avc && avc->item_name) name = avc->item_name(ptr);
	}
	onairAvlogLine(level, (char *)name, msg);
}

static void onair_avlog_install(void) { av_log_set_callback(onair_avlog); }
static void onair_avlog_reset(void) { av_log_set_callback(av_log_default_callback); }
*/
import "C"

import "sync/atomic"

// sink receives the messages; nil drops them. FFmpeg's callback is
// process-wide, so this is too.
var sink atomic.Pointer[func(level int, component, msg string)]

//export onairAvlogLine
func onairAvlogLine(level C.int, component, msg *C.char) {
	if f := sink.Load(); f != nil {
		(*f)(int(level), C.GoString(component), C.GoString(msg))
	}
}

func install(f func(level int, component, msg string)) {
	sink.Store(&f)
	C.onair_avlog_install()
}

func reset() {
	C.onair_avlog_reset()
	sink.Store(nil)
}
