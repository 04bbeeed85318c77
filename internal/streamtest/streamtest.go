// Package streamtest holds what the tests of the network outputs and
// inputs (RTMP, SRT) share: an audio/video test source, its encodings, a
// manual-clock graph, and FFmpeg checks of the stream received.
package streamtest

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/encode"
	"github.com/onair-go/onair/internal/peertest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// AVSource is a 440 Hz sine and a moving test picture, one per video
// frame.
func AVSource(w, h int) *onair.Node {
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
			if k := pos + i; k%per == 0 {
				y, u, vv := make([]byte, w*h), make([]byte, w*h/4), make([]byte, w*h/4)
				for j := range y {
					y[j] = byte(j%w + k/per)
				}
				for j := range u {
					u[j], vv[j] = 128, byte(k/per)
				}
				f.AddPicture("video", onair.Picture{Pos: start + i, Width: w, Height: h, PixelFormat: "yuv420p",
					Planes: [4][]byte{y, u, vv}, Strides: [4]int{w, w / 2, w / 2}})
			}
		}
		pos += n
		return nil
	}), &onair.NodeOptions{ID: "av"})
}

// AVFormat is the graph format of AVSource(160, 120): 25 frames a second.
var AVFormat = onair.Format{Video: &onair.VideoFormat{Width: 160, Height: 120, FrameRate: onair.Rational{Num: 25, Den: 1}}}

// Encoded returns the source's H.264 (1 s GOP) and AAC encodings as the
// tracks "video" and "audio_aac".
func Encoded(t testing.TB, video bool) onair.Source {
	t.Helper()
	var src onair.Source = onair.Sine(440, nil)
	if video {
		src = AVSource(160, 120)
	}
	aud, err := encode.Audio(src, &encode.AudioOptions{Codec: "aac", BitRate: 96000})
	require.NoError(t, err)
	specs := []onair.TrackSpec{{Name: "audio_aac", Source: aud, Track: "audio"}}
	if video {
		vid, err := encode.Video(src, &encode.VideoOptions{GOP: 25, Threads: 1, Preset: "veryfast"})
		require.NoError(t, err)
		specs = append([]onair.TrackSpec{{Name: "video", Source: vid}}, specs...)
	}
	m, err := onair.Multitrack(specs, nil)
	require.NoError(t, err)
	return m
}

// Probed is ffprobe's view of a recording: streams and packets.
type Probed struct {
	Streams []struct {
		CodecName  string `json:"codec_name"`
		CodecType  string `json:"codec_type"`
		SampleRate string `json:"sample_rate"`
	} `json:"streams"`
	Packets []struct {
		Stream int    `json:"stream_index"`
		DTS    string `json:"dts_time"`
		Dur    string `json:"duration_time"`
		Flags  string `json:"flags"`
	} `json:"packets"`
}

// Probe runs ffprobe on path.
func Probe(t testing.TB, path string) *Probed {
	t.Helper()
	out, err := exec.Command("ffprobe", "-v", "error", "-show_streams", "-show_packets", "-of", "json", path).Output()
	require.NoError(t, err, "ffprobe %s", path)
	var p Probed
	require.NoError(t, json.Unmarshal(out, &p))
	return &p
}

// CheckStream checks the recorded FLV: the codecs, monotonic timestamps
// per stream, no gap longer than gap between packets of a stream, video
// starting at a keyframe, and about want seconds of audio (some when
// want is negative).
func CheckStream(t testing.TB, p *Probed, video bool, want, gap float64) {
	t.Helper()
	codecs := map[string]string{}
	for _, s := range p.Streams {
		codecs[s.CodecType] = s.CodecName
	}
	wantCodecs := map[string]string{"audio": "aac"}
	if video {
		wantCodecs["video"] = "h264"
	}
	assert.Equal(t, wantCodecs, codecs)
	last := map[int]float64{}
	first := map[int]bool{}
	audio := 0.0
	for i, pk := range p.Packets {
		dts, err := strconv.ParseFloat(pk.DTS, 64)
		require.NoError(t, err)
		if l, ok := last[pk.Stream]; ok {
			assert.GreaterOrEqual(t, dts, l, "packet %d: dts goes back", i)
			assert.Less(t, dts-l, gap, "packet %d: a gap of %.3fs in stream %d", i, dts-l, pk.Stream)
		} else {
			first[pk.Stream] = strings.Contains(pk.Flags, "K")
		}
		last[pk.Stream] = dts
		if st := p.Streams[pk.Stream]; st.CodecType == "audio" {
			rate, err := strconv.ParseFloat(st.SampleRate, 64)
			require.NoError(t, err)
			audio += 1024 / rate
		}
	}
	for i, s := range p.Streams {
		if s.CodecType == "video" {
			assert.True(t, first[i], "video starts at a keyframe")
		}
	}
	if len(p.Packets) > 0 {
		t.Logf("received %d packets, dts %s to %s", len(p.Packets), p.Packets[0].DTS, p.Packets[len(p.Packets)-1].DTS)
	}
	if want >= 0 {
		assert.InDelta(t, want, audio, want*0.25+0.5, "audio received")
	} else {
		assert.Positive(t, audio, "audio received")
	}
}

// TickUntil ticks the manual clock until cond holds (2 minutes at most).
func TickUntil(t testing.TB, clk *onair.Clock, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for !cond() {
		require.True(t, time.Now().Before(deadline), "timed out waiting for: %s", what)
		clk.Tick()
	}
}

// WaitFor waits (without ticking) for cond: the network goroutine's work.
func WaitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	require.NoError(t, peertest.Poll(ctx, 10*time.Millisecond, func() error {
		if cond() {
			return nil
		}
		return errors.New(what)
	}))
}

// NewGraph starts a graph of out on a manual clock.
func NewGraph(t testing.TB, format onair.Format, out onair.Source) (*onair.Graph, *onair.Clock) {
	t.Helper()
	clk := onair.NewClock("test", &onair.ClockOptions{Kind: onair.Manual})
	g, err := onair.NewGraph(&onair.GraphOptions{Clock: clk, SyncCallbacks: true, Format: format})
	require.NoError(t, err)
	require.NoError(t, g.Add(out))
	require.NoError(t, g.Start())
	return g, clk
}

// Live is a graph running on a real-time clock (network peers such as
// RTMP servers expect a stream at its pace, not in bursts).
type Live struct {
	G      *onair.Graph
	cancel context.CancelFunc
	done   chan error
	closed bool
}

// RunLive starts a graph of out on a real-time clock.
func RunLive(t testing.TB, format onair.Format, out onair.Source) *Live {
	t.Helper()
	clk := onair.NewClock("live", nil)
	g, err := onair.NewGraph(&onair.GraphOptions{Clock: clk, Format: format})
	require.NoError(t, err)
	require.NoError(t, g.Add(out))
	ctx, cancel := context.WithCancel(context.Background())
	l := &Live{G: g, cancel: cancel, done: make(chan error, 1)}
	go func() { l.done <- g.Run(ctx) }()
	t.Cleanup(func() { _ = l.Stop() })
	return l
}

// Time returns the stream time played so far.
func (l *Live) Time() time.Duration { return l.G.Status()[0].Time }

// WaitTime waits until d more of stream time has played.
func (l *Live) WaitTime(t testing.TB, d time.Duration) {
	t.Helper()
	end := l.Time() + d
	WaitFor(t, "stream time", func() bool { return l.Time() >= end })
}

// Stop stops the clock and closes the graph (idempotent).
func (l *Live) Stop() error {
	if l.closed {
		return nil
	}
	l.closed = true
	l.cancel()
	<-l.done
	return l.G.Close()
}
