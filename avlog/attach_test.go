package avlog_test

import (
	"log/slog"
	"strings"
	"testing"

	"github.com/asticode/go-astiav"
	"github.com/onair-go/onair/avlog"
	"github.com/onair-go/onair/internal/logtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func newLogger(level slog.Level) (*slog.Logger, *logtest.Buffer) {
	var b logtest.Buffer
	return b.Logger(level), &b
}

func codecContext(t *testing.T, name string) *astiav.CodecContext {
	t.Helper()
	c := astiav.FindEncoderByName(name)
	require.NotNil(t, c, name)
	cc := astiav.AllocCodecContext(c)
	require.NotNil(t, cc)
	return cc
}

// TestAttach: each attached context's messages go to its own logger,
// filtered by that logger's level; a message of no attached context goes
// to the logger attached last; detaching ends it, and a stale detach does
// not remove a later attachment of the same context.
func TestAttach(t *testing.T) {
	astiav.SetLogLevel(astiav.LogLevelInfo)
	defer avlog.Reset()
	l1, b1 := newLogger(slog.LevelWarn)
	l2, b2 := newLogger(slog.LevelInfo)
	mp3, aac := codecContext(t, "libmp3lame"), codecContext(t, "aac")
	d1 := avlog.Attach(mp3, l1)
	d2 := avlog.Attach(aac, l2)

	astiav.Log(mp3, astiav.LogLevelWarning, "%s", "mp3 warning\n")
	astiav.Log(mp3, astiav.LogLevelInfo, "%s", "mp3 info\n")
	astiav.Log(aac, astiav.LogLevelInfo, "%s", "aac info\n")
	astiav.Log(nil, astiav.LogLevelError, "%s", "no context\n")
	assert.Contains(t, b1.String(), `level=WARN msg="mp3 warning" ffmpeg=libmp3lame`)
	assert.NotContains(t, b1.String(), "mp3 info", "below l1's level")
	assert.Contains(t, b2.String(), `level=INFO msg="aac info" ffmpeg=aac`)
	assert.Contains(t, b2.String(), `level=ERROR msg="no context"`, "the latest attachment takes what has no owner")
	assert.NotContains(t, b2.String(), "mp3")
	assert.NotContains(t, b1.String(), "aac")

	// A context attached again: the stale detach leaves the new one.
	l3, b3 := newLogger(slog.LevelInfo)
	d3 := avlog.Attach(mp3, l3)
	d1()
	d1()
	astiav.Log(mp3, astiav.LogLevelWarning, "%s", "again\n")
	assert.Contains(t, b3.String(), "again")
	assert.NotContains(t, b1.String(), "again")
	d3()
	d2()
	mp3.Free()
	aac.Free()
	astiav.Log(nil, astiav.LogLevelError, "%s", "after detach\n")
	assert.NotContains(t, b2.String()+b3.String(), "after detach")
}

// TestAttachRoute: with a routed logger, messages of no attached context
// go to it, attached ones still to their own.
func TestAttachRoute(t *testing.T) {
	routed, br := newLogger(slog.LevelInfo)
	own, bo := newLogger(slog.LevelInfo)
	avlog.Route(routed, slog.LevelInfo)
	defer avlog.Reset()
	cc := codecContext(t, "aac")
	detach := avlog.Attach(cc, own)
	astiav.Log(cc, astiav.LogLevelWarning, "%s", "owned\n")
	astiav.Log(nil, astiav.LogLevelWarning, "%s", "unowned\n")
	cc.Free()
	detach()
	assert.Contains(t, bo.String(), "owned")
	assert.NotContains(t, bo.String(), "unowned")
	assert.Contains(t, br.String(), "unowned")
	assert.Equal(t, 1, strings.Count(br.String(), "\n"), "%s", br.String())
}

// TestAttachNothing: no logger, a discarding logger or no context attach
// nothing.
func TestAttachNothing(t *testing.T) {
	defer avlog.Reset()
	routed, br := newLogger(slog.LevelInfo)
	avlog.Route(routed, slog.LevelInfo)
	cc := codecContext(t, "aac")
	defer cc.Free()
	for _, l := range []*slog.Logger{nil, slog.New(slog.DiscardHandler)} {
		avlog.Attach(cc, l)()
		detach := avlog.Attach(cc, l)
		astiav.Log(cc, astiav.LogLevelWarning, "%s", "to the route\n")
		detach()
	}
	avlog.Attach(nil, routed)()
	assert.Equal(t, 2, strings.Count(br.String(), "to the route"))
}
