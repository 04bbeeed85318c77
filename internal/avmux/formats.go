package avmux

import (
	"path"
	"strings"
)

// FormatOfPath returns the container (an FFmpeg muxer name) that the
// extension of a stream path or mount names: .mp3 → "mp3", .aac/.adts →
// "adts", .ogg/.oga/.opus → "ogg", .webm → "webm", .flac → "flac", .ts →
// "mpegts"; "" for any other. The network outputs (icecast, listen) use
// it to pick a mount's format.
func FormatOfPath(p string) string {
	switch strings.ToLower(path.Ext(p)) {
	case ".mp3":
		return "mp3"
	case ".aac", ".adts":
		return "adts"
	case ".ogg", ".oga", ".opus":
		return "ogg"
	case ".webm":
		return "webm"
	case ".flac":
		return "flac"
	case ".ts":
		return "mpegts"
	}
	return ""
}

// ContentType returns the HTTP Content-Type of a container's bytes
// (audio/mpeg for "mp3", audio/aac for "adts", audio/ogg for the Ogg
// formats, video/mp2t for "mpegts", ...), or "" for a format it does not
// know.
func ContentType(format string) string {
	switch format {
	case "mp3":
		return "audio/mpeg"
	case "adts":
		return "audio/aac"
	case "ogg", "oga", "opus", "spx":
		return "audio/ogg"
	case "ogv":
		return "video/ogg"
	case "webm":
		return "audio/webm"
	case "matroska":
		return "audio/x-matroska"
	case "flac":
		return "audio/flac"
	case "mpegts":
		return "video/mp2t"
	}
	return ""
}
