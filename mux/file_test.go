package mux_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/asticode/go-astiav"
	"github.com/onair-go/onair"
	"github.com/onair-go/onair/internal/avmux/avmuxtest"
	"github.com/onair-go/onair/mux"
	"github.com/onair-go/onair/onairtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMain(m *testing.M) {
	astiav.SetLogLevel(astiav.LogLevelError)
	os.Exit(m.Run())
}

// run builds a graph on a manual clock with the given outputs and ticks it.
func run(t *testing.T, ticks int, outputs ...onair.Source) {
	t.Helper()
	g, clk := onairtest.StartGraph(t, nil, outputs...)
	for range ticks {
		clk.Tick()
	}
	require.NoError(t, g.Close())
}

// checkDecodes asserts that ffmpeg decodes path with no message.
func checkDecodes(t *testing.T, path string) {
	t.Helper()
	out, err := avmuxtest.DecodeErrors(path, nil)
	require.NoError(t, err)
	assert.Empty(t, out, "decoding %s", path)
}

func sumDur(p *avmuxtest.Probe) float64 {
	d := 0.0
	for _, k := range p.Packets {
		v, _ := strconv.ParseFloat(k.DurTime, 64)
		d += v
	}
	return d
}

func TestFileCreatedOnlyWithData(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "late.aac")
	var n int
	sine := onair.Sine(440, nil)
	enc := newEncSource(t, sine, rendition{"audio_aac", "aac", 64000})
	out, err := mux.File(enc, path, &mux.FileOptions{OnClose: func(string) { n++ }})
	require.NoError(t, err)
	g, clk := onairtest.StartGraph(t, nil, out)
	clk.Tick() // first frame: the AAC encoder holds its first samples
	_, err = os.Stat(path)
	assert.True(t, os.IsNotExist(err), "no file before the first packet")
	for range 49 {
		clk.Tick()
	}
	assert.Equal(t, path, out.Path())
	require.NoError(t, g.Close())
	assert.Equal(t, 1, n, "OnClose once")
	p, err := avmuxtest.ProbeFile(path, true)
	require.NoError(t, err)
	require.Len(t, p.Streams, 1)
	assert.Equal(t, "aac", p.Streams[0].CodecName)
	checkDecodes(t, path)
}

func TestFileRotationHourly(t *testing.T) {
	dir := t.TempDir()
	start := time.Date(2024, 5, 1, 10, 59, 58, 0, time.UTC)
	enc := newEncSource(t, onair.Sine(440, nil), rendition{"enc", "aac", 64000})
	var closed []string
	out, err := mux.File(enc, filepath.Join(dir, "archive-%Y%m%d-%H.aac"), &mux.FileOptions{
		Start:   start,
		OnClose: func(p string) { closed = append(closed, filepath.Base(p)) },
	})
	require.NoError(t, err)
	run(t, 200, out) // 4 s: 2 before 11:00, 2 after
	assert.Equal(t, []string{"archive-20240501-10.aac", "archive-20240501-11.aac"}, closed)
	checkNoGap(t, dir, closed, enc, 7, []float64{2, 2})
}

func TestFileRotationEverySecond(t *testing.T) {
	dir := t.TempDir()
	start := time.Date(2024, 12, 31, 23, 59, 58, 500_000_000, time.UTC)
	enc := newEncSource(t, onair.Sine(440, nil), rendition{"enc", "libmp3lame", 128000})
	var closed []string
	out, err := mux.File(enc, filepath.Join(dir, "s-%y%j-%H%M%S.mp3"), &mux.FileOptions{
		Start:   start,
		OnClose: func(p string) { closed = append(closed, filepath.Base(p)) },
	})
	require.NoError(t, err)
	run(t, 150, out) // 3 s from 23:59:58.5
	assert.Equal(t, []string{"s-24366-235958.mp3", "s-24366-235959.mp3", "s-25001-000000.mp3", "s-25001-000001.mp3"}, closed)
	checkNoGap(t, dir, closed, enc, 0, []float64{0.5, 1, 1, 0.5})
}

// checkNoGap checks that the files, in order, hold exactly the packets the
// encoder emitted (same sizes, in order: no gap, no overlap; hdr is the
// per-packet header the container adds, 7 for ADTS), that the sum of
// their durations is the emitted duration, that each decodes cleanly, and
// that each lasts about want[i] seconds (give or take the encoder delay).
func checkNoGap(t *testing.T, dir string, files []string, enc *encSource, hdr int, want []float64) {
	t.Helper()
	require.Len(t, files, len(want))
	var sizes []int
	total := 0.0
	for i, f := range files {
		path := filepath.Join(dir, f)
		p, err := avmuxtest.ProbeFile(path, true)
		require.NoError(t, err)
		for _, k := range p.Packets {
			n, _ := strconv.Atoi(k.Size)
			sizes = append(sizes, n-hdr)
		}
		d := sumDur(p)
		total += d
		assert.InDelta(t, want[i], d, 0.1, "duration of %s", f)
		checkDecodes(t, path)
	}
	var wantSizes []int
	var wantDur int64
	for _, p := range enc.emitted["enc"] {
		wantSizes = append(wantSizes, len(p.Data))
		wantDur += p.Duration
	}
	assert.Equal(t, wantSizes, sizes, "the files hold every packet once, in order")
	assert.InDelta(t, float64(wantDur)*enc.encs[0].Info().TimeBase.Float(), total, 0.001, "sum of durations")
}

func TestFileReopenOnDemandAndMetadata(t *testing.T) {
	dir := t.TempDir()
	src := onair.Sine(440, &onair.GenOptions{Duration: time.Second, Metadata: onair.Metadata{"title": "x"}})
	enc := newEncSource(t, src, rendition{"enc", "aac", 64000})
	var closed []string
	var durs []float64
	out, err := mux.File(enc, filepath.Join(dir, "m-%H%M%S.aac"), &mux.FileOptions{
		Start:            time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC),
		ReopenOnMetadata: func(m onair.Metadata) bool { return m["title"] == "x" },
		OnClose: func(p string) {
			// Probe now: a reopen within the same second reuses the name.
			pr, err := avmuxtest.ProbeFile(p, true)
			require.NoError(t, err)
			closed = append(closed, filepath.Base(p))
			durs = append(durs, sumDur(pr))
		},
	})
	require.NoError(t, err)
	g, clk := onairtest.StartGraph(t, nil, out)
	for i := range 125 {
		if i == 60 { // the tick that starts at 1.2 s
			out.Reopen()
		}
		clk.Tick()
	}
	require.NoError(t, g.Close())
	// Tracks (with metadata) start at 0 s, 1 s and 2 s; Reopen at 1.2 s.
	assert.Equal(t, []string{"m-000000.aac", "m-000001.aac", "m-000001.aac", "m-000002.aac"}, closed)
	require.Len(t, durs, 4)
	for i, want := range []float64{1, 0.2, 0.8, 0.5} {
		assert.InDelta(t, want, durs[i], 0.05, "file %d", i)
	}
}

func TestFileErrors(t *testing.T) {
	src := onair.Sine(440, nil)
	_, err := mux.File(src, "a-%Q.mp3", nil)
	assert.ErrorIs(t, err, mux.ErrTemplate)
	_, err = mux.File(src, "a.mp3", &mux.FileOptions{Format: "nosuch"})
	assert.ErrorIs(t, err, mux.ErrFormat)
	_, err = mux.File(src, "a.mp3", &mux.FileOptions{Options: mux.Options{Tracks: []mux.Track{mux.CopyTrack("a"), mux.DropTrack("a")}}})
	assert.ErrorIs(t, err, mux.ErrTrack)
	_, err = mux.File(src, "a.mp3", &mux.FileOptions{Options: mux.Options{Tracks: []mux.Track{{Name: "a"}}}})
	assert.ErrorIs(t, err, mux.ErrTrack)
	_, err = mux.Writer(src, &bytes.Buffer{}, "", nil)
	assert.ErrorIs(t, err, mux.ErrFormat)
}
