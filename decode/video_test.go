package decode_test

import (
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/decode"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// clip describes an H.264+AAC MP4 made by the ffmpeg program.
type clip struct {
	name    string
	size    string  // e.g. "320x240"
	rate    string  // video frame rate, e.g. "30"
	seconds float64 // duration
	flash   bool    // black video and silence, except a white flash and a tone in [1, 1.2) s
}

// makeClip writes c into dir and returns its path.
func makeClip(tb testing.TB, dir string, c clip) string {
	tb.Helper()
	d := strconv.FormatFloat(c.seconds, 'f', -1, 64)
	vsrc := "testsrc2=size=" + c.size + ":rate=" + c.rate + ":duration=" + d
	asrc := "sine=frequency=440:sample_rate=48000:duration=" + d
	if c.flash {
		vsrc = "color=c=black:size=" + c.size + ":rate=" + c.rate + ":duration=" + d +
			",drawbox=x=0:y=0:w=iw:h=ih:color=white:t=fill:enable='between(t,1,1.2)'"
		asrc = "aevalsrc='if(between(t,1,1.2),0.8*sin(2*PI*440*t),0)':s=48000:d=" + d
	}
	path := filepath.Join(dir, c.name)
	runFFmpeg(tb, "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", vsrc, "-f", "lavfi", "-i", asrc,
		"-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-g", "12",
		"-c:a", "aac", "-b:a", "96k", "-shortest", path)
	return path
}

// pictures records the pictures and audio an output received.
type pictures struct {
	capture
	pics []onair.Picture // Pos absolute (samples since the start)
}

func (c *pictures) send(f *onair.Frame) error {
	if t := f.Track(onair.MainVideo); t != nil {
		for _, p := range t.Pictures {
			p.Pos += c.samples
			c.pics = append(c.pics, p)
		}
	}
	return c.capture.send(f)
}

// videoRig runs src in a graph of format on a manual clock until src ends.
func videoRig(t *testing.T, src onair.Source, format onair.Format, ticks int) *pictures {
	t.Helper()
	clk := onair.NewClock("test", &onair.ClockOptions{Kind: onair.Manual})
	g, err := onair.NewGraph(&onair.GraphOptions{Format: format, Clock: clk, SyncCallbacks: true})
	require.NoError(t, err)
	c := &pictures{capture: capture{keep: true}}
	require.NoError(t, g.Add(onair.Sink(src, c.send, &onair.OutputOptions{Fallible: true})))
	require.NoError(t, g.Start())
	t.Cleanup(func() { require.NoError(t, g.Close()) })
	for range ticks {
		clk.Tick()
		if !src.Node().Ready() && c.frames > 0 {
			break
		}
	}
	return c
}

// videoFormat is the graph format of these tests: 44.1 kHz stereo, 20 ms
// frames, 160x120 yuv420p at 25 fps (a slot every 1764 samples).
var videoFormat = onair.Format{Video: &onair.VideoFormat{Width: 160, Height: 120, FrameRate: onair.Rational{Num: 25, Den: 1}}}

const slot = 44100 / 25

// lumaMean returns the mean of a picture's Y plane.
func lumaMean(p onair.Picture) float64 {
	sum := 0
	for y := range p.Height {
		for _, v := range p.Planes[0][y*p.Strides[0] : y*p.Strides[0]+p.Width] {
			sum += int(v)
		}
	}
	return float64(sum) / float64(p.Width*p.Height)
}

// checkGrid asserts that pics are at every slot from 0 to samples, in the
// graph's size and pixel format.
func checkGrid(t *testing.T, pics []onair.Picture, samples int) {
	t.Helper()
	want := (samples + slot - 1) / slot
	require.Len(t, pics, want, "one picture per slot of %d samples over %d samples", slot, samples)
	for i, p := range pics {
		require.Equal(t, i*slot, p.Pos, "picture %d position", i)
		require.Equal(t, 160, p.Width)
		require.Equal(t, 120, p.Height)
		require.Equal(t, "yuv420p", p.PixelFormat)
		require.Len(t, p.Planes[0], 160*120)
		require.Len(t, p.Planes[1], 80*60)
		require.Len(t, p.Planes[2], 80*60)
		require.Equal(t, [4]int{160, 80, 80, 0}, p.Strides)
	}
}

// TestFileVideo decodes a 320x240 30 fps clip into a 160x120 25 fps
// graph: 25 pictures per second at exact slots, the first at position 0.
func TestFileVideo(t *testing.T) {
	path := makeClip(t, t.TempDir(), clip{name: "v.mp4", size: "320x240", rate: "30", seconds: 3})
	src, err := decode.File(path, &decode.FileOptions{Synchronous: true})
	require.NoError(t, err)
	defer src.Close()
	c := videoRig(t, src, videoFormat, 200)
	assert.InDelta(t, 3*44100, c.samples, 2*882, "the audio lasts 3 s")
	checkGrid(t, c.pics, c.samples)
	assert.InDelta(t, 75, len(c.pics), 1, "3 s at 25 fps")
	distinct := 0
	for i := 1; i < len(c.pics); i++ {
		if &c.pics[i].Planes[0][0] != &c.pics[i-1].Planes[0][0] {
			distinct++
		}
	}
	assert.Equal(t, len(c.pics)-1, distinct, "30 fps down to 25: every slot shows a new picture")
}

// TestFileVideoSync plays a clip whose only event is a white flash with a
// tone at 1 s: the first white picture and the tone's onset are within one
// slot of each other and of 1 s. A seek into the flash shows it at once.
func TestFileVideoSync(t *testing.T) {
	for _, rate := range []string{"25", "30", "60", "24000/1001"} {
		t.Run(rate, func(t *testing.T) {
			path := makeClip(t, t.TempDir(), clip{name: "flash.mp4", size: "320x240", rate: rate, seconds: 2, flash: true})
			src, err := decode.File(path, &decode.FileOptions{Synchronous: true})
			require.NoError(t, err)
			defer src.Close()
			c := videoRig(t, src, videoFormat, 200)
			checkGrid(t, c.pics, c.samples)
			assert.Less(t, lumaMean(c.pics[0]), 20.0, "starts black")
			video, audio := -1, -1
			for _, p := range c.pics {
				if lumaMean(p) > 128 {
					video = p.Pos
					break
				}
			}
			for i, v := range c.audio[0] {
				if math.Abs(float64(v)) > 0.3 {
					audio = i
					break
				}
			}
			require.Positive(t, video, "a white picture")
			require.Positive(t, audio, "the tone")
			t.Logf("flash at %d, tone at %d (samples)", video, audio)
			assert.InDelta(t, 44100, video, slot, "flash at 1 s")
			assert.InDelta(t, 44100, audio, slot, "tone at 1 s")
			assert.InDelta(t, audio, video, slot, "picture and sound within one slot")
		})
	}
}

func TestFileVideoSeek(t *testing.T) {
	path := makeClip(t, t.TempDir(), clip{name: "flash.mp4", size: "320x240", rate: "30", seconds: 2, flash: true})
	src, err := decode.File(path, &decode.FileOptions{Synchronous: true})
	require.NoError(t, err)
	defer src.Close()
	clk := onair.NewClock("test", &onair.ClockOptions{Kind: onair.Manual})
	g, err := onair.NewGraph(&onair.GraphOptions{Format: videoFormat, Clock: clk, SyncCallbacks: true})
	require.NoError(t, err)
	c := &pictures{}
	require.NoError(t, g.Add(onair.Sink(src, c.send, &onair.OutputOptions{Fallible: true})))
	require.NoError(t, g.Start())
	defer func() { require.NoError(t, g.Close()) }()
	clk.Tick()
	require.NotEmpty(t, c.pics)
	assert.Less(t, lumaMean(c.pics[len(c.pics)-1]), 20.0)
	require.NoError(t, src.Seek(1100e6)) // 1.1 s: inside the flash
	for range 10 {                       // the source may be unready for a tick while it seeks
		if len(c.pics) > 1 {
			break
		}
		clk.Tick()
	}
	require.Len(t, c.pics, 2)
	last := c.pics[1]
	assert.Greater(t, lumaMean(last), 128.0, "after the seek the flash shows (a keyframe before it was decoded)")
	assert.Greater(t, src.Node().Remaining(), 0)
}

// TestFileVideoIgnored plays a clip in a graph without video: audio only.
func TestFileVideoIgnored(t *testing.T) {
	path := makeClip(t, t.TempDir(), clip{name: "v.mp4", size: "320x240", rate: "30", seconds: 2})
	src, err := decode.File(path, &decode.FileOptions{Synchronous: true})
	require.NoError(t, err)
	defer src.Close()
	c := videoRig(t, src, onair.Format{}, 200)
	assert.InDelta(t, 2*44100, c.samples, 2*882)
	assert.Empty(t, c.pics)
}

// TestAudioFileInVideoGraph plays an audio-only file in a graph with
// video: black pictures at every slot.
func TestAudioFileInVideoGraph(t *testing.T) {
	path := makeTone(t, t.TempDir(), tone{name: "a.mp3", codec: []string{"-c:a", "libmp3lame"}})
	src, err := decode.File(path, &decode.FileOptions{Synchronous: true})
	require.NoError(t, err)
	defer src.Close()
	c := videoRig(t, src, videoFormat, 200)
	assert.InDelta(t, 2*44100, c.samples, 2*882)
	checkGrid(t, c.pics, c.samples)
	for _, p := range c.pics {
		assert.InDelta(t, 16, lumaMean(p), 0.01, "black (limited range)")
		assert.Equal(t, byte(128), p.Planes[1][0])
	}
}

// TestPlaylistVideoGrid plays video and audio-only files in a row: the
// pictures stay on one grid across track changes (no drift however long
// the tracks are), each track starts with its own picture, and the audio
// file is black.
func TestPlaylistVideoGrid(t *testing.T) {
	dir := t.TempDir()
	a := makeClip(t, dir, clip{name: "a.mp4", size: "320x240", rate: "30", seconds: 1.03})
	b := makeTone(t, dir, tone{name: "b.wav", seconds: 0.51, codec: []string{"-c:a", "pcm_s16le"}})
	cc := makeClip(t, dir, clip{name: "c.mp4", size: "176x144", rate: "24", seconds: 0.77, flash: true})
	pl, err := decode.PlaylistOf([]string{a, b, cc}, &decode.PlaylistOptions{Synchronous: true, Once: true})
	require.NoError(t, err)
	defer pl.Close()
	c := videoRig(t, pl, videoFormat, 300)
	checkGrid(t, c.pics, c.samples)
	require.Len(t, c.marks, 4, "three track starts and the end: %v", c.marks)
	at := func(pos int) onair.Picture {
		i := (pos + slot - 1) / slot
		return c.pics[i]
	}
	assert.Greater(t, lumaMean(at(c.marks[0])), 40.0, "testsrc2 at the first track")
	assert.InDelta(t, 16, lumaMean(at(c.marks[1])), 0.01, "the wav is black")
	assert.Less(t, lumaMean(at(c.marks[2])), 20.0, "the flash clip starts black")
	assert.NotEqual(t, lumaMean(at(c.marks[0])), lumaMean(at(c.marks[2])))
}

// TestFileVideoCorrupt plays clips with damaged video data in a graph
// with video: the track plays to its end or stops early, logged, with a
// picture at every slot; nothing panics or hangs.
func TestFileVideoCorrupt(t *testing.T) {
	dir := t.TempDir()
	good := makeClip(t, dir, clip{name: "v.mp4", size: "320x240", rate: "30", seconds: 2})
	data, err := os.ReadFile(good)
	require.NoError(t, err)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 6 {
		bad := append([]byte(nil), data...)
		switch i {
		case 0: // truncated
			bad = bad[:len(bad)/2]
		default: // bytes scrambled in the middle of the media data
			for range 200 * i {
				k := len(bad)/8 + rng.IntN(len(bad)*3/4)
				bad[k] = byte(rng.Uint32())
			}
		}
		path := writeFile(t, filepath.Join(dir, "bad"+strconv.Itoa(i)+".mp4"), bad)
		src, err := decode.File(path, &decode.FileOptions{Synchronous: true})
		if err != nil {
			t.Logf("case %d refused: %v", i, err)
			continue
		}
		c := videoRig(t, src, videoFormat, 300)
		require.NoError(t, src.Close())
		checkGrid(t, c.pics, c.samples)
		t.Logf("case %d: %d samples, %d pictures", i, c.samples, len(c.pics))
	}
}
