package filter_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/filter"
	"github.com/onair-go/onair/onairtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// font is the font the drawtext tests use, from Debian's
// fonts-dejavu-core (scripts/test-deps.sh installs it).
const font = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"

var small = onair.Format{Video: &onair.VideoFormat{Width: 320, Height: 240}}

// shot is a picture received by an output, at its absolute position.
type shot struct {
	pos int
	pic onair.Picture
}

// run plays src for the given ticks on a manual clock and returns the
// pictures of its main video track; before each tick n (from 1), at(n) is
// called when not nil.
func run(t *testing.T, src onair.Source, ticks int, at func(n int)) []shot {
	t.Helper()
	var got []shot
	pos := 0
	out := onair.Sink(src, func(f *onair.Frame) error {
		if tr := f.Track(onair.MainVideo); tr != nil {
			for _, p := range tr.Pictures {
				got = append(got, shot{pos + p.Pos, p})
			}
		}
		pos += f.Len()
		return nil
	}, &onair.OutputOptions{Fallible: true})
	_, clock := onairtest.StartGraph(t, &onairtest.Options{Format: small}, out)
	for n := 1; n <= ticks; n++ {
		if at != nil {
			at(n)
		}
		clock.Tick()
	}
	return got
}

func colour(t *testing.T, c string) *filter.Still {
	t.Helper()
	s, err := filter.Colour(c, &filter.Options{Format: &small})
	require.NoError(t, err)
	return s
}

func ffmpegPath(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("ffmpeg")
	require.NoError(t, err, "ffmpeg not found: run with eval \"$(scripts/ffmpeg.sh env)\"")
	return p
}

// reference renders filters over a black 320x240 picture with the ffmpeg
// program and returns its Y plane.
func reference(t *testing.T, vf string) []byte {
	t.Helper()
	out, err := exec.Command(ffmpegPath(t), "-v", "error", "-f", "lavfi", "-i", "color=c=black:s=320x240,format=yuv420p",
		"-vf", vf, "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "yuv420p", "-").Output()
	require.NoError(t, err)
	require.Equal(t, 320*240*3/2, len(out))
	return out[:320*240]
}

// diff returns the largest and the mean absolute difference of two planes.
func diff(a, b []byte) (maxd int, mean float64) {
	sum := 0
	for i := range a {
		d := int(a[i]) - int(b[i])
		if d < 0 {
			d = -d
		}
		sum += d
		maxd = max(maxd, d)
	}
	return maxd, float64(sum) / float64(len(a))
}

// TestColourStill: a colour still shows its colour on every picture slot
// (25 fps: one picture every 1764 samples) with silent audio.
func TestColourStill(t *testing.T) {
	s := colour(t, "white")
	got := run(t, s, 50, nil)
	require.Len(t, got, 25)
	for k, sh := range got {
		assert.Equal(t, k*1764, sh.pos)
		assert.Equal(t, 320, sh.pic.Width)
		assert.Equal(t, byte(235), sh.pic.Planes[0][0])
	}
}

// TestVideoPassesPictures: a filter that keeps pictures ("null") hands
// every picture back at its position.
func TestVideoPassesPictures(t *testing.T) {
	in := run(t, colour(t, "red"), 60, nil)
	v, err := filter.NewVideo(colour(t, "red"), "hflip", &filter.Options{Format: &small})
	require.NoError(t, err)
	defer v.Close()
	out := run(t, v, 60, nil)
	require.Equal(t, len(in), len(out))
	for i := range in {
		assert.Equal(t, in[i].pos, out[i].pos)
		assert.Equal(t, in[i].pic.Planes, out[i].pic.Planes)
	}
}

// TestDrawtextTitle: drawtext's %{metadata\:title} shows the title of the
// track playing, from the first picture at or after the metadata, and the
// text drawn is the one the ffmpeg program draws with the same font, size
// and text.
func TestDrawtextTitle(t *testing.T) {
	const style = ":fontfile=" + font + ":fontsize=40:fontcolor=white:x=10:y=20"
	s := colour(t, "black")
	v, err := filter.NewVideo(s, `drawtext=text='%{metadata\:title}'`+style, &filter.Options{Format: &small})
	require.NoError(t, err)
	defer v.Close()
	got := run(t, v, 100, func(n int) {
		switch n {
		case 11:
			s.Node().InsertMetadata(onair.Metadata{"title": "Hello"}, true)
		case 51:
			s.Node().InsertMetadata(onair.Metadata{"title": "World"}, true)
		}
	})
	require.Len(t, got, 50)
	hello, world := reference(t, "drawtext=text=Hello"+style), reference(t, "drawtext=text=World"+style)
	black := reference(t, "null")
	for _, sh := range got {
		want, name := black, "no title"
		switch {
		case sh.pos >= 50*882:
			want, name = world, "World"
		case sh.pos >= 10*882:
			want, name = hello, "Hello"
		}
		maxd, mean := diff(sh.pic.Planes[0], want)
		assert.LessOrEqualf(t, maxd, 0, "picture at %d: %s differs from ffmpeg's by up to %d (mean %.3f)", sh.pos, name, maxd, mean)
	}
	assert.False(t, bytes.Equal(hello, world))
}

// TestOverlayAndImage: Overlay draws an image over the video at its
// place; Image shows a picture file.
func TestOverlayAndImage(t *testing.T) {
	dir := t.TempDir()
	logo := filepath.Join(dir, "logo, with: odd 'chars'.png")
	out, err := exec.Command(ffmpegPath(t), "-v", "error", "-f", "lavfi", "-i", "color=c=white:s=40x30", "-frames:v", "1", logo).CombinedOutput()
	require.NoError(t, err, "%s", out)

	v, err := filter.Overlay(colour(t, "black"), logo, &filter.OverlayOptions{Options: filter.Options{Format: &small}, X: "10", Y: "20"})
	require.NoError(t, err)
	defer v.Close()
	got := run(t, v, 10, nil)
	require.NotEmpty(t, got)
	y := got[len(got)-1].pic.Planes[0]
	assert.Equal(t, byte(235), y[25*320+20], "inside the logo")
	assert.Equal(t, byte(16), y[100*320+100], "outside the logo")

	img, err := filter.Image(logo, &filter.Options{Format: &small})
	require.NoError(t, err)
	assert.Equal(t, byte(235), img.Picture().Planes[0][100*320+100])

	_, err = filter.Image(filepath.Join(dir, "missing.png"), nil)
	var fe *filter.Error
	require.ErrorAs(t, err, &fe)
	assert.Contains(t, fe.Reason, "missing.png")
	_, err = filter.Overlay(colour(t, "black"), filepath.Join(dir, "missing.png"), nil)
	require.ErrorAs(t, err, &fe)
	_, err = filter.Colour("nosuchcolour", nil)
	require.ErrorAs(t, err, &fe)
	assert.Equal(t, "color", fe.Filter)
	_, err = filter.Overlay(colour(t, "black"), logo, &filter.OverlayOptions{X: "'"})
	assert.ErrorIs(t, err, filter.ErrInvalidOption)
	require.NoError(t, os.Remove(logo))
}

// TestVideoConformance runs the operators through onairtest's contract
// checks.
func TestVideoConformance(t *testing.T) {
	onairtest.TestSource(t, func() onair.Source {
		v, err := filter.NewVideo(onairtest.Stutter(colour(t, "blue")), "drawtext=text='%{metadata\\:title}':fontfile="+font, &filter.Options{Format: &small, FlushAtTracks: true})
		require.NoError(t, err)
		return v
	})
}
