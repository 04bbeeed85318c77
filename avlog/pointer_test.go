package avlog_test

import (
	"log/slog"
	"testing"

	"github.com/asticode/go-astiav"
	"github.com/onair-go/onair/avlog"
	"github.com/stretchr/testify/assert"
)

// TestAttachPointer: a context attached by its address (as C code that
// go-astiav does not wrap holds it) gets its messages like one attached
// through go-astiav; nil attaches nothing.
func TestAttachPointer(t *testing.T) {
	astiav.SetLogLevel(astiav.LogLevelInfo)
	defer avlog.Reset()
	l, b := newLogger(slog.LevelInfo)
	other, bo := newLogger(slog.LevelInfo)
	cc := codecContext(t, "aac")
	defer cc.Free()
	flac := codecContext(t, "flac")
	defer flac.Free()
	dOther := avlog.Attach(flac, other)
	defer dOther()
	detach := avlog.AttachPointer(cc.UnsafePointer(), l)
	astiav.Log(cc, astiav.LogLevelWarning, "%s", "by address\n")
	assert.Contains(t, b.String(), `level=WARN msg="by address" ffmpeg=aac`)
	assert.NotContains(t, bo.String(), "by address")
	detach()
	detach()
	astiav.Log(cc, astiav.LogLevelWarning, "%s", "after detach\n")
	assert.NotContains(t, b.String(), "after detach")

	nothing := avlog.AttachPointer(nil, l)
	nothing()
}
