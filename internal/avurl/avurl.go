// Package avurl reads and writes bytes through FFmpeg's network protocols
// (rtmp://, srt://, and any other URL libavformat opens), with the write
// errors go-astiav's IOContext does not report and an interrupt that
// unblocks a call in progress from another goroutine.
package avurl

/*
#cgo pkg-config: libavformat libavutil
#include <stdlib.h>
#include <libavformat/avio.h>
#include <libavutil/dict.h>
#include <libavutil/error.h>

static int avurl_interrupt_cb(void *opaque) {
	return __atomic_load_n((int *)opaque, __ATOMIC_SEQ_CST);
}

static int avurl_open(AVIOContext **pb, const char *url, int flags, int *flag, AVDictionary **opts) {
	AVIOInterruptCB cb = { avurl_interrupt_cb, flag };
	return avio_open2(pb, url, flags, &cb, opts);
}

static int avurl_write(AVIOContext *pb, const unsigned char *buf, int size, int flush) {
	avio_write(pb, buf, size);
	if (flush)
		avio_flush(pb);
	return pb->error;
}

static int avurl_read(AVIOContext *pb, unsigned char *buf, int size) {
	return avio_read_partial(pb, buf, size);
}

static void avurl_set_flag(int *flag, int v) {
	__atomic_store_n(flag, v, __ATOMIC_SEQ_CST);
}
*/
import "C"

import (
	"errors"
	"fmt"
	"io"
	"sync"
	"time"
	"unsafe"
)

// ErrInterrupted reports a call ended by [Conn.Interrupt].
var ErrInterrupted = errors.New("avurl: interrupted")

// Error is a failure of an FFmpeg protocol call: Op is "open", "write" or
// "read", Code FFmpeg's error code (a negative AVERROR).
type Error struct {
	Op   string
	URL  string
	Code int
	// Elapsed is how long the call took before it failed.
	Elapsed time.Duration
}

func (e *Error) Error() string {
	buf := make([]byte, 256)
	C.av_strerror(C.int(e.Code), (*C.char)(unsafe.Pointer(&buf[0])), C.size_t(len(buf)))
	n := 0
	for n < len(buf) && buf[n] != 0 {
		n++
	}
	return fmt.Sprintf("%s %s: %s (%d)", e.Op, e.URL, buf[:n], e.Code)
}

// Errno returns the POSIX error number of the code (AVERROR(e) = -e), 0
// when it is not one.
func (e *Error) Errno() int {
	if e.Code < 0 && e.Code > -4096 {
		return -e.Code
	}
	return 0
}

// Conn is an open URL. Write and Read must not be called concurrently
// with each other or with Close; Interrupt may be called from any
// goroutine at any time, before or after Close.
type Conn struct {
	mu   sync.Mutex // guards pb against Close
	pb   *C.AVIOContext
	flag *C.int // interrupt flag, C memory (read by FFmpeg's callback)
	url  string // for errors, without secrets

	// Buffered, set before the first Write, leaves written data in
	// FFmpeg's buffer until it holds a whole protocol packet (SRT: 1316
	// bytes) instead of flushing after each Write: fewer, fuller
	// packets, for a delay of at most one packet.
	Buffered bool
}

// Open opens url for writing (write set) or reading, with the protocol
// options opts (FFmpeg's AVOption names, such as "rw_timeout",
// "passphrase" or "latency"). It blocks while the protocol connects (or,
// for a listener, waits for its peer); Interrupt ends the wait. Open is
// called once per Conn.
func (c *Conn) Open(url string, write bool, opts map[string]string) error {
	cu := C.CString(url)
	defer C.free(unsafe.Pointer(cu))
	var dict *C.AVDictionary
	for k, v := range opts {
		ck, cv := C.CString(k), C.CString(v)
		C.av_dict_set(&dict, ck, cv, 0)
		C.free(unsafe.Pointer(ck))
		C.free(unsafe.Pointer(cv))
	}
	defer C.av_dict_free(&dict)
	flags := C.int(C.AVIO_FLAG_READ)
	if write {
		flags = C.AVIO_FLAG_WRITE
	}
	var pb *C.AVIOContext
	start := time.Now()
	if ret := C.avurl_open(&pb, cu, flags, c.flag, &dict); ret < 0 {
		err := c.err("open", int(ret))
		if ae, ok := err.(*Error); ok {
			ae.Elapsed = time.Since(start)
		}
		return err
	}
	c.mu.Lock()
	c.pb = pb
	c.mu.Unlock()
	return nil
}

// New returns an unopened Conn whose Open can be interrupted. shown names
// the URL in errors.
func New(shown string) *Conn {
	f := (*C.int)(C.calloc(1, C.size_t(unsafe.Sizeof(C.int(0)))))
	return &Conn{flag: f, url: shown}
}

// Interrupt makes the call in progress, and every later one, fail with
// [ErrInterrupted].
func (c *Conn) Interrupt() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.flag != nil {
		C.avurl_set_flag(c.flag, 1)
	}
}

func (c *Conn) interrupted() bool {
	return c.flag != nil && C.avurl_interrupt_cb(unsafe.Pointer(c.flag)) != 0
}

func (c *Conn) err(op string, code int) error {
	if c.interrupted() {
		return fmt.Errorf("%w: %s %s", ErrInterrupted, op, c.url)
	}
	if code == int(C.AVERROR_EOF) {
		return io.EOF
	}
	return &Error{Op: op, URL: c.url, Code: code}
}

// Write sends p whole (flushed to the protocol unless Buffered).
func (c *Conn) Write(p []byte) (int, error) {
	if c.pb == nil {
		return 0, fmt.Errorf("avurl: write to %s: not open", c.url)
	}
	if len(p) == 0 {
		return 0, nil
	}
	flush := C.int(1)
	if c.Buffered {
		flush = 0
	}
	if ret := C.avurl_write(c.pb, (*C.uchar)(unsafe.Pointer(&p[0])), C.int(len(p)), flush); ret < 0 {
		return 0, c.err("write", int(ret))
	}
	return len(p), nil
}

// Read reads what the protocol has, at most len(p) bytes; the end of the
// stream is io.EOF.
func (c *Conn) Read(p []byte) (int, error) {
	if c.pb == nil {
		return 0, fmt.Errorf("avurl: read from %s: not open", c.url)
	}
	if len(p) == 0 {
		return 0, nil
	}
	ret := C.avurl_read(c.pb, (*C.uchar)(unsafe.Pointer(&p[0])), C.int(len(p)))
	if ret < 0 {
		return 0, c.err("read", int(ret))
	}
	if ret == 0 {
		return 0, c.err("read", int(C.AVERROR_EOF))
	}
	return int(ret), nil
}

// Close closes the connection and frees the Conn. It is idempotent.
func (c *Conn) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	var err error
	if c.pb != nil {
		if ret := C.avio_closep(&c.pb); ret < 0 && !c.interrupted() {
			err = &Error{Op: "close", URL: c.url, Code: int(ret)}
		}
		c.pb = nil
	}
	if c.flag != nil {
		C.free(unsafe.Pointer(c.flag))
		c.flag = nil
	}
	return err
}
