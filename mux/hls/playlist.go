package hls

import (
	"fmt"
	"strconv"
	"strings"
)

// entry is one segment of a media playlist.
type entry struct {
	Name          string  `json:"name"`
	Duration      float64 `json:"duration"` // seconds, the EXTINF value
	Discontinuity bool    `json:"discontinuity,omitempty"`
	Init          string  `json:"init,omitempty"` // fMP4 initialization section
	Bytes         int64   `json:"bytes"`
}

// media is the state of one media playlist.
type media struct {
	MediaSequence         int64   `json:"media_sequence"`
	DiscontinuitySequence int64   `json:"discontinuity_sequence"`
	Segments              []entry `json:"segments"`
	// Retired are segments that left a live window and wait for deletion.
	Retired []entry `json:"retired,omitempty"`
}

// variantInfo is what the master playlist says of a variant, known once
// its streams are.
type variantInfo struct {
	name      string
	container Container
	codecs    string // "" when unknown
	width     int
	height    int
	frameRate float64
	bandwidth int64 // fixed (Variant.Bandwidth), 0 when measured
	bitRate   int64 // sum of the streams' nominal bit rates, 0 if unknown
}

// version returns the EXT-X-VERSION a playlist of container c needs:
// 3 for floating-point EXTINF, 7 with EXT-X-MAP (fMP4; 6 is the minimum,
// 7 is what FFmpeg and Liquidsoap write).
func version(c Container) int {
	if c == FMP4 {
		return 7
	}
	return 3
}

// formatDuration formats an EXTINF duration, in seconds with 3 decimals.
func formatDuration(d float64) string { return strconv.FormatFloat(d, 'f', 3, 64) }

// renderMedia writes a media playlist.
func renderMedia(m *media, c Container, target int, typ PlaylistType, ended bool) []byte {
	var b strings.Builder
	b.WriteString("#EXTM3U\n")
	fmt.Fprintf(&b, "#EXT-X-VERSION:%d\n", version(c))
	fmt.Fprintf(&b, "#EXT-X-TARGETDURATION:%d\n", target)
	fmt.Fprintf(&b, "#EXT-X-MEDIA-SEQUENCE:%d\n", m.MediaSequence)
	if m.DiscontinuitySequence > 0 {
		fmt.Fprintf(&b, "#EXT-X-DISCONTINUITY-SEQUENCE:%d\n", m.DiscontinuitySequence)
	}
	if typ != Live {
		fmt.Fprintf(&b, "#EXT-X-PLAYLIST-TYPE:%s\n", typ)
	}
	init := ""
	for i, e := range m.Segments {
		if e.Discontinuity && i > 0 {
			b.WriteString("#EXT-X-DISCONTINUITY\n")
		}
		if e.Init != "" && e.Init != init {
			fmt.Fprintf(&b, "#EXT-X-MAP:URI=%q\n", e.Init)
			init = e.Init
		}
		fmt.Fprintf(&b, "#EXTINF:%s,\n%s\n", formatDuration(e.Duration), e.Name)
	}
	if ended {
		b.WriteString("#EXT-X-ENDLIST\n")
	}
	return []byte(b.String())
}

// renderMaster writes the master playlist; bw and avg are each variant's
// BANDWIDTH and AVERAGE-BANDWIDTH (avg 0: left out).
func renderMaster(vs []variantInfo, bw, avg []int64) []byte {
	var b strings.Builder
	b.WriteString("#EXTM3U\n")
	v := 3
	for _, x := range vs {
		v = max(v, version(x.container))
	}
	fmt.Fprintf(&b, "#EXT-X-VERSION:%d\n", v)
	b.WriteString("#EXT-X-INDEPENDENT-SEGMENTS\n")
	for i, x := range vs {
		fmt.Fprintf(&b, "#EXT-X-STREAM-INF:BANDWIDTH=%d", bw[i])
		if avg[i] > 0 {
			fmt.Fprintf(&b, ",AVERAGE-BANDWIDTH=%d", avg[i])
		}
		if x.codecs != "" {
			fmt.Fprintf(&b, ",CODECS=%q", x.codecs)
		}
		if x.width > 0 && x.height > 0 {
			fmt.Fprintf(&b, ",RESOLUTION=%dx%d", x.width, x.height)
		}
		if x.frameRate > 0 {
			fmt.Fprintf(&b, ",FRAME-RATE=%.3f", x.frameRate)
		}
		fmt.Fprintf(&b, "\n%s.m3u8\n", x.name)
	}
	return []byte(b.String())
}
