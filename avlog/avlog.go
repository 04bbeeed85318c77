// Package avlog sends FFmpeg's own log messages to [slog.Logger]s.
//
// FFmpeg logs through one process-wide callback (av_log): its messages,
// such as "[mp3float] Could not update timestamps for skipped samples",
// go to the standard error of the process by default. The onair sources,
// encoders and outputs take this over: each [Attach]es the FFmpeg
// contexts it opens (codec, format and IO contexts, bitstream filters) to
// the logger it was given, so that FFmpeg's messages about them reach
// that logger, at the matching level, with the attribute "ffmpeg" naming
// the FFmpeg component, and nothing reaches standard error. Components
// given no logger attach nothing.
//
// A message that belongs to no attached context (a resampler, a network
// protocol, FFmpeg itself) goes to the logger of [Route] when one is
// routed, else to the logger attached last that is still attached, else
// to standard error as FFmpeg does by default.
//
// FFmpeg's level filter (av_log_set_level, Info by default; [Route] sets
// it) is applied inside FFmpeg, so messages below it cost nothing; each
// logger then keeps what its handler enables. Messages are formatted into
// a bounded buffer (2 KiB): a longer one is cut, never written past it.
//
// Because FFmpeg's callback is process-wide, the table of attached
// contexts is the one piece of package state here: it mirrors FFmpeg's
// own.
package avlog

import (
	"context"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"unsafe"

	"github.com/asticode/go-astiav"
)

// Route sends FFmpeg's messages at level min and above that belong to no
// attached context to l, and sets FFmpeg's level to min (for every
// message, attached ones included). A nil l silences FFmpeg entirely.
// FFmpeg's levels map to slog's: panic, fatal and error to Error,
// warning to Warn, info to Info, verbose and debug to Debug. Each record
// has the attribute "ffmpeg" naming the component (the codec, muxer or
// demuxer) when FFmpeg gives one. The last call wins.
func Route(l *slog.Logger, min slog.Level) {
	if l == nil {
		astiav.SetLogLevel(astiav.LogLevelQuiet)
		routes.setFallback(nil)
		return
	}
	astiav.SetLogLevel(toFFmpeg(min))
	routes.setFallback(l)
}

// Reset undoes [Route]: FFmpeg's level is Info again, and messages of no
// attached context go to the logger attached last, or to standard error.
func Reset() {
	routes.setFallback(nil)
	astiav.SetLogLevel(astiav.LogLevelInfo)
}

// Attach sends FFmpeg's messages about ctx (a codec, format, IO or
// bitstream filter context, or any context FFmpeg logs as its child) to
// l, until detach is called. Call detach after freeing ctx, so that what
// FFmpeg logs while freeing it (an encoder's statistics) reaches l too;
// detach is idempotent and never removes a later attachment of a context
// at the same address. A nil l, one whose handler is
// [slog.DiscardHandler] or a nil or freed ctx attaches nothing. Attach
// installs the package's callback in FFmpeg the first time.
func Attach(ctx astiav.Classer, l *slog.Logger) (detach func()) {
	if l == nil || l.Handler() == slog.DiscardHandler || ctx == nil {
		return func() {}
	}
	ptr := classPointer(ctx.Class())
	if ptr == 0 {
		return func() {}
	}
	return routes.attach(ptr, l)
}

// An astiav.Class holds the AVClass and the context it describes; go-astiav
// does not export the context's address, which FFmpeg's callback gets. The
// array types fail to compile if the struct's size changes, and
// TestClassPointer checks the field read against CodecContext.UnsafePointer.
type classLayout struct {
	class, ptr unsafe.Pointer
}

var (
	_ [unsafe.Sizeof(astiav.Class{}) - unsafe.Sizeof(classLayout{})]byte
	_ [unsafe.Sizeof(classLayout{}) - unsafe.Sizeof(astiav.Class{})]byte
)

func classPointer(c *astiav.Class) uintptr {
	if c == nil {
		return 0
	}
	return uintptr((*classLayout)(unsafe.Pointer(c)).ptr)
}

// owner is one attachment.
type owner struct {
	ptr uintptr
	l   *slog.Logger
}

// router is the routing table behind FFmpeg's callback.
type router struct {
	once     sync.Once
	mu       sync.RWMutex
	byPtr    map[uintptr]*owner
	order    []*owner // attachments, oldest first
	fallback *slog.Logger
	routed   bool
}

// routes is FFmpeg's process-wide callback's table (see the package doc).
var routes router

func (r *router) install() { r.once.Do(installCallback) }

func (r *router) setFallback(l *slog.Logger) {
	r.mu.Lock()
	r.fallback, r.routed = l, l != nil
	r.mu.Unlock()
	if l != nil {
		r.install()
	}
}

func (r *router) attach(ptr uintptr, l *slog.Logger) func() {
	o := &owner{ptr: ptr, l: l}
	r.mu.Lock()
	if r.byPtr == nil {
		r.byPtr = map[uintptr]*owner{}
	}
	r.byPtr[ptr] = o
	r.order = append(r.order, o)
	r.mu.Unlock()
	r.install()
	var once sync.Once
	return func() { once.Do(func() { r.detach(o) }) }
}

func (r *router) detach(o *owner) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.byPtr[o.ptr] == o {
		delete(r.byPtr, o.ptr)
	}
	if i := slices.Index(r.order, o); i >= 0 {
		r.order = slices.Delete(r.order, i, i+1)
	}
}

// loggerFor returns the logger of the first attached context among ptrs
// (a context, its parent, its grandparent), else the routed logger, else
// the latest attachment's, else nil (FFmpeg's default callback).
func (r *router) loggerFor(ptrs ...uintptr) *slog.Logger {
	r.mu.RLock()
	defer r.mu.RUnlock()
	for _, p := range ptrs {
		if p == 0 {
			continue
		}
		if o := r.byPtr[p]; o != nil {
			return o.l
		}
	}
	if r.routed {
		return r.fallback
	}
	if k := len(r.order); k > 0 {
		return r.order[k-1].l
	}
	return nil
}

// logLine logs one FFmpeg message to l.
func logLine(l *slog.Logger, lvl int, name, msg string) {
	msg = strings.TrimSpace(msg)
	if msg == "" {
		return
	}
	level := toSlog(astiav.LogLevel(lvl))
	ctx := context.Background()
	if !l.Enabled(ctx, level) {
		return
	}
	if name != "" {
		l.Log(ctx, level, msg, "ffmpeg", name)
		return
	}
	l.Log(ctx, level, msg)
}

func toSlog(l astiav.LogLevel) slog.Level {
	switch {
	case l <= astiav.LogLevelError:
		return slog.LevelError
	case l <= astiav.LogLevelWarning:
		return slog.LevelWarn
	case l <= astiav.LogLevelInfo:
		return slog.LevelInfo
	}
	return slog.LevelDebug
}

func toFFmpeg(l slog.Level) astiav.LogLevel {
	switch {
	case l <= slog.LevelDebug:
		return astiav.LogLevelDebug
	case l <= slog.LevelInfo:
		return astiav.LogLevelInfo
	case l <= slog.LevelWarn:
		return astiav.LogLevelWarning
	}
	return astiav.LogLevelError
}
