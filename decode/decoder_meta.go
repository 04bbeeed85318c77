package decode

import (
	"fmt"
	"maps"
	"math"
	"net/url"
	"path"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/asticode/go-astiav"
	"github.com/onair-go/onair"
)

// channelLayout returns FFmpeg's default layout for n channels.
// defaultLayout gives a frame whose channels have no order (WAV without a
// channel mask, raw PCM) the default layout for its channel count. The
// resampler takes such a frame's layout as changed on every frame and
// would be rebuilt each time, dropping the samples it buffered.
//
// It runs for every decoded frame, so it allocates no string: buf takes
// the layout's description (at least 1024 bytes, as go-astiav's String
// uses, reused by the caller).
func defaultLayout(f *astiav.Frame, buf []byte) {
	l := f.ChannelLayout()
	n := l.Channels()
	if n < 1 {
		return
	}
	k, err := l.Describe(buf)
	if err != nil || k > len(buf) {
		return
	}
	var want [32]byte
	w := append(strconv.AppendInt(want[:0], int64(n), 10), " channels"...)
	if string(buf[:k]) != string(w) {
		return
	}
	if def, err := channelLayout(n); err == nil {
		f.SetChannelLayout(def)
	}
}

func channelLayout(n int) (astiav.ChannelLayout, error) {
	switch n {
	case 1:
		return astiav.ChannelLayoutMono, nil
	case 2:
		return astiav.ChannelLayoutStereo, nil
	case 3:
		return astiav.ChannelLayoutSurround, nil
	case 4:
		return astiav.ChannelLayoutQuad, nil
	case 5:
		return astiav.ChannelLayout5Point0Back, nil
	case 6:
		return astiav.ChannelLayout5Point1Back, nil
	case 7:
		return astiav.ChannelLayout6Point1, nil
	case 8:
		return astiav.ChannelLayout7Point1, nil
	}
	return astiav.ChannelLayout{}, fmt.Errorf("%w: %d channels (decode supports 1 to 8)", onair.ErrInvalidFormat, n)
}

// readTags collects container and stream tags (lower-case keys), the
// entry's metadata (which wins), "filename", a "title" from the file name
// when none is set, and the cue points.
func (d *decoder) readTags(extra onair.Metadata) {
	m := collectTags(d.fc.Metadata(), d.st.Metadata())
	maps.Copy(m, extra)
	m["filename"] = d.path
	if strings.TrimSpace(m["title"]) == "" {
		if t := titleOfPath(d.path); t != "" {
			m["title"] = t
		}
	}
	d.tags = m
	d.cueIn = d.cueSamples(m[CueInKey])
	d.cueOut = d.cueSamples(m[CueOutKey])
	if d.cueOut <= d.cueIn {
		d.cueOut = 0
	}
}

// titleOfPath returns the title a file without a title tag plays under:
// its base name without the extension ("Artist - Song" for
// /music/Artist - Song.mp3), as players and Icecast directories show it
// (an empty StreamTitle is what listeners would get otherwise). For a URL
// it is the base name of the URL's path, unescaped.
func titleOfPath(p string) string {
	base := filepath.Base(p)
	if strings.Contains(p, "://") {
		u, err := url.Parse(p)
		if err != nil {
			return ""
		}
		base = path.Base(u.Path)
	}
	if base == "." || base == "/" || base == "" {
		return ""
	}
	if t := strings.TrimSuffix(base, path.Ext(base)); strings.TrimSpace(t) != "" {
		return t
	}
	return base
}

// cueSamples parses a cue point in seconds; invalid values count as none.
func (d *decoder) cueSamples(v string) int64 {
	s, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil || s <= 0 || math.IsInf(s, 0) || math.IsNaN(s) || s > 1e7 {
		return 0
	}
	return int64(math.Round(s * float64(d.rate)))
}

// readLength estimates the track length from the stream or container
// duration.
func (d *decoder) readLength() {
	var total int64 = -1
	if dur, tb := d.st.Duration(), d.st.TimeBase(); dur > 0 && dur != astiav.NoPtsValue && tb.Den() > 0 {
		total = rescale(dur, int64(tb.Num())*int64(d.rate), int64(tb.Den()))
	} else if dur := d.fc.Duration(); dur > 0 && dur != astiav.NoPtsValue {
		total = rescale(dur, int64(d.rate), int64(astiav.TimeBase))
	}
	d.end = d.cueOut
	if total < 0 {
		return
	}
	if d.st.Duration() > 0 && strings.HasPrefix(d.fc.InputFormat().Name(), "mov,") && (d.end == 0 || total < d.end) {
		// MP4 durations are exact (edit lists): cut the encoder's padding
		// of the last frame, as gapless players do.
		d.end = total
	}
	if d.cueOut > 0 && d.cueOut < total {
		total = d.cueOut
	}
	d.length = max(0, total-d.cueIn)
}

func rescale(v, num, den int64) int64 {
	return int64(math.Round(float64(v) * float64(num) / float64(den)))
}

// collectTags gathers the tags of dictionaries into metadata with
// lower-case keys; for a key in several, the first dictionary wins (pass
// the container's before the stream's).
func collectTags(dicts ...*astiav.Dictionary) onair.Metadata {
	m := onair.Metadata{}
	for _, dict := range dicts {
		if dict == nil {
			continue
		}
		var e *astiav.DictionaryEntry
		for {
			if e = dict.Get("", e, astiav.NewDictionaryFlags(astiav.DictionaryFlagIgnoreSuffix)); e == nil {
				break
			}
			if k := strings.ToLower(e.Key()); m[k] == "" {
				m[k] = e.Value()
			}
		}
	}
	return m
}
