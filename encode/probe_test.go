package encode_test

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"math"
	"os/exec"
	"strconv"
	"testing"

	"github.com/onair-go/onair"
	"github.com/stretchr/testify/require"
)

// probe is ffprobe's view of a file (-show_streams -show_format).
type probe struct {
	Format struct {
		FormatName string `json:"format_name"`
		Duration   string `json:"duration"`
	} `json:"format"`
	Streams []probeStream `json:"streams"`
}

type probeStream struct {
	Index      int    `json:"index"`
	CodecName  string `json:"codec_name"`
	CodecType  string `json:"codec_type"`
	Profile    string `json:"profile"`
	SampleRate string `json:"sample_rate"`
	Channels   int    `json:"channels"`
	Width      int    `json:"width"`
	Height     int    `json:"height"`
	StartTime  string `json:"start_time"`
	Padding    int    `json:"initial_padding"`
	Duration   string `json:"duration"`
}

func (p *probe) duration() float64 { return atof(p.Format.Duration) }

func (s *probeStream) rate() int { n, _ := strconv.Atoi(s.SampleRate); return n }

// start is when the stream's content starts: its first timestamp plus
// the encoder priming a decoder discards (AAC's 1024 samples in Matroska).
func (s *probeStream) start() float64 {
	st := atof(s.StartTime)
	if s.Padding > 0 && s.rate() > 0 {
		st += float64(s.Padding) / float64(s.rate())
	}
	return st
}
func (s *probeStream) length() float64 { return atof(s.Duration) }

func atof(s string) float64 { f, _ := strconv.ParseFloat(s, 64); return f }

// ffprobe probes a file, or stdin when data is not nil.
func ffprobe(t *testing.T, path string, data []byte) *probe {
	t.Helper()
	cmd := exec.Command("ffprobe", "-v", "error", "-show_streams", "-show_format", "-of", "json", path)
	if data != nil {
		cmd.Args[len(cmd.Args)-1] = "pipe:0"
		cmd.Stdin = bytes.NewReader(data)
	}
	out, err := cmd.Output()
	require.NoError(t, err, "ffprobe %s: %s", path, exitStderr(err))
	var p probe
	require.NoError(t, json.Unmarshal(out, &p))
	return &p
}

// decodeErrors decodes every stream of a file (or of data on stdin) and
// returns what FFmpeg reports at level error.
func decodeErrors(t *testing.T, path string, data []byte) string {
	t.Helper()
	in := path
	if data != nil {
		in = "pipe:0"
	}
	cmd := exec.Command("ffmpeg", "-v", "error", "-nostdin", "-i", in, "-f", "null", "-")
	if data != nil {
		cmd.Stdin = bytes.NewReader(data)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	require.NoError(t, cmd.Run(), "ffmpeg decode %s: %s", path, stderr.String())
	return stderr.String()
}

// packets lists the packets of a file (stream, pts, dts, size), one line
// each.
func packets(t *testing.T, path string) string {
	t.Helper()
	out, err := exec.Command("ffprobe", "-v", "error", "-show_packets", "-show_entries", "packet=stream_index,pts,dts,size,flags",
		"-of", "csv=p=0", path).Output()
	require.NoError(t, err, "ffprobe %s: %s", path, exitStderr(err))
	return string(out)
}

// decodePCM decodes the first audio stream of a file to mono s16 samples.
func decodePCM(t *testing.T, path string, data []byte) []int16 {
	t.Helper()
	in := path
	if data != nil {
		in = "pipe:0"
	}
	cmd := exec.Command("ffmpeg", "-v", "error", "-nostdin", "-i", in, "-map", "0:a:0", "-ac", "1", "-f", "s16le", "-")
	if data != nil {
		cmd.Stdin = bytes.NewReader(data)
	}
	out, err := cmd.Output()
	require.NoError(t, err, "ffmpeg decode %s: %s", path, exitStderr(err))
	pcm := make([]int16, len(out)/2)
	require.NoError(t, binary.Read(bytes.NewReader(out), binary.LittleEndian, pcm))
	return pcm
}

func exitStderr(err error) string {
	if ee, ok := err.(*exec.ExitError); ok {
		return string(ee.Stderr)
	}
	return ""
}

// sine returns n samples of a sine at freq Hz on each of channels planes.
func sine(rate, channels, n int, freq float64) [][]float32 {
	planes := make([][]float32, channels)
	for c := range planes {
		planes[c] = make([]float32, n)
		for i := range planes[c] {
			planes[c][i] = 0.5 * float32(math.Sin(2*math.Pi*freq*float64(i)/float64(rate)+float64(c)))
		}
	}
	return planes
}

// testPicture returns a yuv420p picture whose content moves with index i.
func testPicture(w, h, i int) onair.Picture {
	y := make([]byte, w*h)
	u := make([]byte, w*h/4)
	v := make([]byte, w*h/4)
	for r := range h {
		for c := range w {
			y[r*w+c] = byte(c + r + 4*i)
		}
	}
	for k := range u {
		u[k] = byte(128 + i)
		v[k] = byte(128 - i)
	}
	return onair.Picture{Width: w, Height: h, PixelFormat: "yuv420p",
		Planes: [4][]byte{y, u, v}, Strides: [4]int{w, w / 2, w / 2}}
}
