package dynamics_test

import (
	"errors"
	"math"
	"path/filepath"
	"testing"
	"time"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/dynamics"
	"github.com/onair-go/onair/internal/pcmtest"
	"github.com/onair-go/onair/loudness"
	"github.com/onair-go/onair/onairtest"
)

// ramp returns n samples per channel whose values encode their index.
func ramp(channels, n, offset int) [][]float32 {
	out := make([][]float32, channels)
	for c := range out {
		out[c] = make([]float32, n)
		for i := range n {
			out[c][i] = float32((offset+i)%997)/10000 + float32(c)/100000
		}
	}
	return out
}

// Below the ceiling the limiter is transparent: every sample, mark and
// metadata comes out, in place, and as many samples as went in.
func TestLimitSampleExact(t *testing.T) {
	lens := []int{1000, 4410, 3, 12345, 882}
	var tracks []pcmtest.Track
	total := 0
	for i, n := range lens {
		tracks = append(tracks, pcmtest.Track{Audio: ramp(2, n, total), Metadata: onair.Metadata{"title": string(rune('a' + i))}})
		total += n
	}
	l, err := dynamics.Limit(pcmtest.Source("in", tracks...), nil)
	if err != nil {
		t.Fatal(err)
	}
	c := onairtest.Collect(t, l, 200, nil)
	if c.Len() != total {
		t.Fatalf("%d samples out, %d in", c.Len(), total)
	}
	checkPrefix(t, c, lens, total)
	// An input that is unready every other tick and does not end: the
	// held samples wait, and are drained when the graph closes.
	l, err = dynamics.Limit(onairtest.Stutter(pcmtest.Source("in", tracks...)), nil)
	if err != nil {
		t.Fatal(err)
	}
	c = onairtest.Collect(t, l, 200, nil)
	if c.Len() != total {
		t.Fatalf("%d samples out of a stuttering input, %d in", c.Len(), total)
	}
	checkPrefix(t, c, lens, total)
}

// checkPrefix checks the first n samples of c, and its marks and metadata.
func checkPrefix(t *testing.T, c *onairtest.Capture, lens []int, total int) {
	t.Helper()
	want := ramp(2, total, 0)
	for ch := range want {
		for i, v := range want[ch][:total] {
			if c.Audio[ch][i] != v {
				t.Fatalf("channel %d sample %d = %v, want %v", ch, i, c.Audio[ch][i], v)
			}
		}
	}
	pos := 0
	if len(c.Marks) != len(lens) || len(c.Metadata) != len(lens) {
		t.Fatalf("marks %v, metadata %v", c.Marks, c.Metadata)
	}
	for i, n := range lens {
		if pos >= total {
			break
		}
		if c.Marks[i] != pos || c.Metadata[i].Pos != pos || c.Metadata[i].Metadata["title"] != string(rune('a'+i)) {
			t.Errorf("track %d: mark at %d, metadata %v at %d; want both at %d", i, c.Marks[i], c.Metadata[i].Metadata, c.Metadata[i].Pos, pos)
		}
		pos += n
	}
}

// trueLevel measures audio with the loudness meter.
func trueLevel(t *testing.T, rate int, audio [][]float32) loudness.Values {
	t.Helper()
	a, err := loudness.NewAnalyzer(rate, len(audio), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Write(audio); err != nil {
		t.Fatal(err)
	}
	a.Flush()
	return a.Values()
}

func gain(audio [][]float32, db float64) [][]float32 {
	g := float32(math.Pow(10, db/20))
	out := make([][]float32, len(audio))
	for c := range audio {
		out[c] = make([]float32, len(audio[c]))
		for i, v := range audio[c] {
			out[c][i] = v * g
		}
	}
	return out
}

// Music pushed 12 dB over full scale comes out of the limiter at most
// 0.1 dB above its ceiling, in true peak as the meter measures it.
func TestLimitCeiling(t *testing.T) {
	type input struct {
		name  string
		rate  int
		audio [][]float32
	}
	inputs := []input{
		{"music 44.1k", 44100, pcmtest.Music(44100, 2, 0, 30, 7)},
		{"music 48k 5.1", 48000, pcmtest.Music(48000, 6, -1, 10, 8)},
	}
	// White noise: full-band, the worst case for intersample peaks.
	noise := make([][]float32, 2)
	x := uint32(12345)
	for c := range noise {
		noise[c] = make([]float32, 5*44100)
		for i := range noise[c] {
			x ^= x << 13
			x ^= x >> 17
			x ^= x << 5
			noise[c][i] = float32(x)/float32(1<<32)*0.5 - 0.25 // ±0.25, pushed to ±1 below
		}
	}
	inputs = append(inputs, input{"white noise", 44100, noise})
	paths, _ := filepath.Glob("/usr/share/sounds/alsa/*.wav")
	if len(paths) == 0 {
		t.Fatal("no /usr/share/sounds/alsa/*.wav: run scripts/test-deps.sh (alsa-utils)")
	}
	for _, p := range paths[:3] {
		rate, audio, err := pcmtest.ReadWAV(p)
		if err != nil {
			t.Fatal(err)
		}
		inputs = append(inputs, input{filepath.Base(p), rate, audio})
	}
	for _, in := range inputs {
		for _, ceiling := range []float64{-1, -3} {
			pushed := gain(in.audio, 12)
			before := trueLevel(t, in.rate, pushed)
			l, err := dynamics.Limit(pcmtest.Source("in", pcmtest.Track{Audio: pushed}), &dynamics.LimitOptions{Ceiling: ceiling})
			if err != nil {
				t.Fatal(err)
			}
			n := len(pushed[0])
			c := onairtest.CollectDuration(t, l, time.Duration(n+in.rate)*time.Second/time.Duration(in.rate),
				&onairtest.Options{Format: onair.Format{SampleRate: in.rate, Channels: len(pushed)}})
			if c.Len() != n {
				t.Fatalf("%s: %d samples out, %d in", in.name, c.Len(), n)
			}
			after := trueLevel(t, in.rate, c.Audio)
			t.Logf("%-16s ceiling %v: true peak %.2f -> %.2f dBTP, loudness %.1f -> %.1f LUFS", in.name, ceiling,
				before.TruePeak, after.TruePeak, before.Integrated, after.Integrated)
			if after.TruePeak > ceiling+0.1 {
				t.Errorf("%s: true peak %.3f dBTP over the ceiling %v", in.name, after.TruePeak, ceiling)
			}
			if after.Integrated < before.Integrated-15 {
				t.Errorf("%s: loudness fell from %.1f to %.1f LUFS", in.name, before.Integrated, after.Integrated)
			}
		}
	}
}

func TestLimitConformance(t *testing.T) {
	onairtest.TestSource(t, func() onair.Source {
		in, err := onair.MaxDuration(onairtest.Stutter(onair.Sine(440, &onair.GenOptions{Amplitude: 4, Duration: 300 * time.Millisecond})), 2*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		l, err := dynamics.Limit(in, nil)
		if err != nil {
			t.Fatal(err)
		}
		return l
	})
}

func TestLimitAllocs(t *testing.T) {
	l, err := dynamics.Limit(onair.Noise(&onair.GenOptions{Amplitude: 3}), nil)
	if err != nil {
		t.Fatal(err)
	}
	c, err := dynamics.Compress(l, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, clk := onairtest.StartGraph(t, nil, onair.Sink(c, func(*onair.Frame) error { return nil }, nil))
	for range 10 {
		clk.Tick()
	}
	if n := testing.AllocsPerRun(200, clk.Tick); n != 0 {
		t.Errorf("%v allocations per tick", n)
	}
	if r := l.Reduction(); !(r < -3) {
		t.Errorf("reduction %v dB on noise at +9.5 dBFS", r)
	}
}

func TestLimitVideoRefused(t *testing.T) {
	l, err := dynamics.Limit(onair.Sine(440, nil), nil)
	if err != nil {
		t.Fatal(err)
	}
	g, err := onair.NewGraph(&onair.GraphOptions{Format: onair.Format{Video: &onair.VideoFormat{Width: 64, Height: 64}},
		Clock: onair.NewClock("m", &onair.ClockOptions{Kind: onair.Manual})})
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	if err := g.Add(onair.Sink(l, func(*onair.Frame) error { return nil }, nil)); err != nil {
		t.Fatal(err)
	}
	if err := g.Start(); !errors.Is(err, onair.ErrInvalidOption) {
		t.Errorf("start with video: %v", err)
	}
}
