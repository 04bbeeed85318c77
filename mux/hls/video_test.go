package hls_test

import (
	"context"
	"math"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/encode"
	"github.com/onair-go/onair/mux"
	"github.com/onair-go/onair/mux/hls"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// avSource makes a 440 Hz sine on the main audio track and a moving
// picture on the main video track, one picture per video frame.
func avSource(w, h int) *onair.Node {
	pos := 0
	return onair.NewNode(onair.GeneratorFunc(func(f *onair.Frame) error {
		fm := f.Format()
		per := fm.SampleRate * fm.Video.FrameRate.Den / fm.Video.FrameRate.Num
		start := f.Len()
		n := f.Extend(f.Free())
		a := f.Audio()
		for i := range n {
			v := float32(0.3 * math.Sin(2*math.Pi*440*float64(pos+i)/float64(fm.SampleRate)))
			for c := range a {
				a[c][start+i] = v
			}
			if (pos+i)%per == 0 {
				p := picture(w, h, (pos+i)/per)
				p.Pos = start + i
				f.AddPicture("video", p)
			}
		}
		pos += n
		return nil
	}), &onair.NodeOptions{ID: "av"})
}

func picture(w, h, i int) onair.Picture {
	y := make([]byte, w*h)
	u := make([]byte, w*h/4)
	v := make([]byte, w*h/4)
	for r := range h {
		for c := range w {
			y[r*w+c] = byte(c + r + 4*i)
		}
	}
	for k := range u {
		u[k], v[k] = byte(128+i), byte(128-i)
	}
	return onair.Picture{Width: w, Height: h, PixelFormat: "yuv420p", Planes: [4][]byte{y, u, v}, Strides: [4]int{w, w / 2, w / 2}}
}

// TestVideo copies one H.264 encoding (2 s GOP, x264's default preset:
// B-frames and a lookahead that delays video packets by more than a
// second) and one AAC encoding into an MPEG-TS and an fMP4 variant, and
// the AAC alone into a third variant. Segments start on keyframes, audio
// and video of a segment cover the same time, EXTINF lists agree, and the
// master playlist gives RESOLUTION and the avc1 string of the SPS.
func TestVideo(t *testing.T) {
	dir := t.TempDir()
	format := onair.Format{Video: &onair.VideoFormat{Width: 160, Height: 120, FrameRate: onair.Rational{Num: 25, Den: 1}}}
	src := avSource(160, 120)
	vid, err := encode.Video(src, &encode.VideoOptions{GOP: 50, Threads: 1})
	require.NoError(t, err)
	aud, err := encode.Audio(src, &encode.AudioOptions{BitRate: 64000})
	require.NoError(t, err)
	multi, err := onair.Multitrack([]onair.TrackSpec{{Name: "video", Source: vid}, {Name: "audio_aac", Source: aud, Track: "audio"}}, nil)
	require.NoError(t, err)
	av := []mux.Track{mux.CopyTrack("video"), mux.CopyTrack("audio_aac")}
	variants := []hls.Variant{
		{Name: "av", Tracks: av},
		{Name: "av_fmp4", Tracks: av, Container: hls.FMP4},
		{Name: "audio", Tracks: []mux.Track{mux.CopyTrack("audio_aac"), mux.DropTrack("video")}},
	}
	out, err := hls.New(multi, dir, &hls.Options{SegmentDuration: 2 * time.Second, Window: 10, Variants: variants})
	require.NoError(t, err)
	run(t, format, 750, out) // 15 s
	url := serve(t, out)

	lists := map[string]*playlist{}
	for _, v := range variants {
		p := readPlaylist(t, filepath.Join(dir, v.Name+".m3u8"))
		lists[v.Name] = p
		assert.True(t, p.endlist)
		assert.Empty(t, ffmpegWarnings(t, url+"/"+v.Name+".m3u8"), "%s decodes", v.Name)
		for _, d := range p.extinf {
			assert.LessOrEqual(t, int(math.Round(d)), 2, "%s: EXTINF %v", v.Name, d)
		}
	}
	assert.Equal(t, lists["av"].extinf, lists["av_fmp4"].extinf)
	assert.Equal(t, lists["av"].extinf, lists["audio"].extinf, "the audio-only variant follows the video's cuts")
	full := lists["av"].extinf[:len(lists["av"].extinf)-1]
	for i, d := range full {
		assert.InDelta(t, 2.0, d, 0.041, "segment %d: keyframes every 2 s", i)
	}

	// Each MPEG-TS segment starts with a keyframe, and (after the first
	// one, where the streams start as their encoders made them) its audio
	// starts within one AAC frame of its video.
	for i, uri := range lists["av"].uris {
		pr := ffprobePackets(t, url+"/"+uri)
		require.NotEmpty(t, pr.v, uri)
		assert.True(t, pr.vKey, "%s starts with a keyframe", uri)
		if i > 0 {
			assert.InDelta(t, pr.v[0], pr.a[0], 1024.0/44100+0.001, "%s: audio and video start together", uri)
		}
	}

	// Master: RESOLUTION, FRAME-RATE and CODECS as ffprobe sees the streams.
	m := readPlaylist(t, filepath.Join(dir, "master.m3u8"))
	require.Len(t, m.streams, 3)
	attrs := attributes(m.streams[0])
	assert.Equal(t, "160x120", attrs["RESOLUTION"])
	assert.Equal(t, "25.000", attrs["FRAME-RATE"])
	pr := ffprobe(t, url+"/av.m3u8", false)
	require.Len(t, pr.Streams, 2)
	want := rfc6381(t, pr.Streams[0].CodecName, pr.Streams[0].Profile, pr.Streams[0].Level) + "," +
		rfc6381(t, pr.Streams[1].CodecName, pr.Streams[1].Profile, 0)
	assert.Equal(t, want, attrs["CODECS"])
	assert.Equal(t, attrs["CODECS"], attributes(m.streams[1])["CODECS"], "the fMP4 variant has the same streams")
	a := attributes(m.streams[2])
	assert.Equal(t, "mp4a.40.2", a["CODECS"])
	assert.NotContains(t, a, "RESOLUTION")
	t.Logf("master: %v", m.streams)
}

// packets is the start of a segment as ffprobe reads it.
type packets struct {
	v, a []float64 // pts of the video and audio packets
	vKey bool      // the first video packet is a keyframe
}

func ffprobePackets(t *testing.T, url string) packets {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	b, err := exec.CommandContext(ctx, "ffprobe", "-v", "error", "-show_entries", "packet=codec_type,pts_time,flags", "-of", "csv=p=0", url).Output()
	require.NoError(t, err)
	var p packets
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		f := strings.Split(line, ",")
		require.GreaterOrEqual(t, len(f), 3, line)
		ts := seconds(t, f[1])
		switch f[0] {
		case "video":
			if p.v == nil {
				p.vKey = strings.HasPrefix(f[2], "K")
			}
			p.v = append(p.v, ts)
		case "audio":
			p.a = append(p.a, ts)
		}
	}
	return p
}
