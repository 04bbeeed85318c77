// Package avlog sends FFmpeg's own log messages to a [slog.Logger].
//
// FFmpeg logs through one process-wide callback (av_log): its messages,
// such as "[mp3float] Could not update timestamps for skipped samples",
// go to the standard error of the process by default, whatever logger the
// onair sources and outputs were given. [Route] sends them to a
// [slog.Logger] instead, at the matching level, with the FFmpeg component
// that logged them. Because FFmpeg's callback is process-wide, so is
// Route: the last call wins, and [Reset] restores FFmpeg's default.
//
// The level filter is applied inside FFmpeg, so messages below it cost
// nothing. Messages are formatted into a bounded buffer (2 KiB): a longer
// one is cut, never written past it.
package avlog

import (
	"context"
	"log/slog"
	"strings"

	"github.com/asticode/go-astiav"
)

// Route sends FFmpeg's messages at level min and above to l (a nil l
// discards them all). FFmpeg's levels map to slog's: panic, fatal and
// error to Error, warning to Warn, info to Info, verbose and debug to
// Debug. Each record has the attribute "ffmpeg" naming the component
// (the codec, muxer or demuxer) when FFmpeg gives one.
func Route(l *slog.Logger, min slog.Level) {
	if l == nil {
		astiav.SetLogLevel(astiav.LogLevelQuiet)
		return
	}
	astiav.SetLogLevel(toFFmpeg(min))
	install(func(lvl int, name, msg string) {
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
	})
}

// Reset gives FFmpeg back its default logging: messages at info level and
// above written to standard error.
func Reset() {
	reset()
	astiav.SetLogLevel(astiav.LogLevelInfo)
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
