package avlog

import (
	"log/slog"
	"unsafe"
)

// AttachPointer is [Attach] for an FFmpeg context that go-astiav does not
// wrap, such as a filter context created by C code: ptr is the address of
// the context (a struct whose first field is its AVClass pointer). A nil
// ptr attaches nothing.
func AttachPointer(ptr unsafe.Pointer, l *slog.Logger) (detach func()) {
	if l == nil || l.Handler() == slog.DiscardHandler || ptr == nil {
		return func() {}
	}
	return routes.attach(uintptr(ptr), l)
}
