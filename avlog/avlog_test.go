package avlog_test

import (
	"bytes"
	"log/slog"
	"os"
	"strings"
	"testing"

	"github.com/asticode/go-astiav"
	"github.com/onair-go/onair/avlog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRoute logs through FFmpeg's av_log at several levels and checks
// which messages reach the slog handler, and how.
func TestRoute(t *testing.T) {
	var buf bytes.Buffer
	l := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	avlog.Route(l, slog.LevelWarn)
	defer avlog.Reset()

	astiav.Log(nil, astiav.LogLevelError, "%s", "an error from ffmpeg\n")
	astiav.Log(nil, astiav.LogLevelWarning, "%s", "a warning from ffmpeg\n")
	astiav.Log(nil, astiav.LogLevelInfo, "%s", "info below the level\n")
	// A component's message carries its name.
	fc := astiav.AllocFormatContext()
	require.NotNil(t, fc)
	defer fc.Free()
	astiav.Log(fc, astiav.LogLevelWarning, "%s", "from a format context\n")

	out := buf.String()
	assert.Contains(t, out, `level=ERROR msg="an error from ffmpeg"`)
	assert.Contains(t, out, `level=WARN msg="a warning from ffmpeg"`)
	assert.NotContains(t, out, "info below the level")
	assert.Contains(t, out, `msg="from a format context" ffmpeg=`)
	assert.Equal(t, 3, strings.Count(out, "\n"), "%s", out)
}

func TestRouteNilDiscards(t *testing.T) {
	avlog.Route(nil, slog.LevelInfo)
	defer avlog.Reset()
	assert.Equal(t, astiav.LogLevelQuiet, astiav.GetLogLevel())
}

func Example() {
	// Send FFmpeg's warnings and errors to the program's logger.
	avlog.Route(slog.New(slog.NewTextHandler(os.Stderr, nil)), slog.LevelWarn)
	defer avlog.Reset()
}

// TestRouteLongMessage logs a message longer than the format buffer: it
// is cut, and nothing is written past the buffer (the race detector and
// the C stack would catch it).
func TestRouteLongMessage(t *testing.T) {
	var buf bytes.Buffer
	avlog.Route(slog.New(slog.NewTextHandler(&buf, nil)), slog.LevelWarn)
	defer avlog.Reset()
	astiav.Log(nil, astiav.LogLevelError, "%s", strings.Repeat("x", 10000)+"\n")
	out := buf.String()
	assert.Contains(t, out, strings.Repeat("x", 2000))
	assert.NotContains(t, out, strings.Repeat("x", 2048))
}
