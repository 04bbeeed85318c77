package decode_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/onair-go/onair"
	"github.com/stretchr/testify/require"
)

// tone describes a test file made by the ffmpeg program.
type tone struct {
	name     string   // file name, with the extension that selects the container
	rate     int      // sample rate
	channels int      // 1, 2 or 6
	seconds  float64  // duration
	codec    []string // ffmpeg codec arguments
	tags     map[string]string
}

// makeTone writes t into dir with the ffmpeg program and returns its path.
func makeTone(tb testing.TB, dir string, t tone) string {
	tb.Helper()
	if t.seconds == 0 {
		t.seconds = 2
	}
	if t.channels == 0 {
		t.channels = 2
	}
	if t.rate == 0 {
		t.rate = 44100
	}
	path := filepath.Join(dir, t.name)
	src := "sine=frequency=440:sample_rate=" + strconv.Itoa(t.rate) + ":duration=" + strconv.FormatFloat(t.seconds, 'f', -1, 64)
	args := []string{"-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", src, "-ac", strconv.Itoa(t.channels)}
	args = append(args, t.codec...)
	for k, v := range t.tags {
		args = append(args, "-metadata", k+"="+v)
	}
	args = append(args, path)
	runFFmpeg(tb, args...)
	return path
}

func runFFmpeg(tb testing.TB, args ...string) {
	tb.Helper()
	out, err := exec.Command("ffmpeg", args...).CombinedOutput()
	require.NoError(tb, err, "ffmpeg %s: %s", strings.Join(args, " "), out)
}

// capture records what an output received.
type capture struct {
	samples int
	frames  int
	short   []int // tick indexes of frames shorter than a full frame
	marks   []int // absolute positions
	meta    []onair.MetadataAt
	audio   [][]float32
	keep    bool
}

func (c *capture) send(f *onair.Frame) error {
	for _, m := range f.Marks() {
		c.marks = append(c.marks, c.samples+m)
	}
	for _, m := range f.Metadata() {
		c.meta = append(c.meta, onair.MetadataAt{Pos: c.samples + m.Pos, Metadata: m.Metadata})
	}
	if f.Len() < f.Size() {
		c.short = append(c.short, c.frames)
	}
	if c.keep {
		a := f.Audio()
		if c.audio == nil {
			c.audio = make([][]float32, len(a))
		}
		for ch := range a {
			c.audio[ch] = append(c.audio[ch], a[ch]...)
		}
	}
	c.samples += f.Len()
	c.frames++
	return nil
}

// rig is a graph on a manual clock with one output that captures src.
type rig struct {
	clk *onair.Clock
	g   *onair.Graph
	out *onair.Output
	cap *capture
}

func newRig(t *testing.T, src onair.Source, fallible bool) *rig {
	t.Helper()
	clk := onair.NewClock("test", &onair.ClockOptions{Kind: onair.Manual})
	g, err := onair.NewGraph(&onair.GraphOptions{Clock: clk, SyncCallbacks: true})
	require.NoError(t, err)
	r := &rig{clk: clk, g: g, cap: &capture{keep: true}}
	r.out = onair.Sink(src, r.cap.send, &onair.OutputOptions{Fallible: fallible})
	require.NoError(t, g.Add(r.out))
	require.NoError(t, g.Start())
	t.Cleanup(func() { require.NoError(t, g.Close()) })
	return r
}

// run ticks the clock n times.
func (r *rig) run(n int) {
	for range n {
		r.clk.Tick()
	}
}

// runUntilDone ticks until src has ended (at most max ticks).
func (r *rig) runUntilDone(src onair.Source, max int) {
	for range max {
		r.clk.Tick()
		if !src.Node().Ready() && r.cap.frames > 0 {
			return
		}
	}
}

func writeFile(t *testing.T, path string, data []byte) string {
	t.Helper()
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	require.NoError(t, os.WriteFile(path, data, 0o644))
	return path
}

var _ = context.Background
