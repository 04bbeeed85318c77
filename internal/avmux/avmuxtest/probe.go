package avmuxtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os/exec"
	"strconv"
)

// Stream is one stream as ffprobe reports it.
type Stream struct {
	Index      int    `json:"index"`
	CodecName  string `json:"codec_name"`
	CodecType  string `json:"codec_type"`
	SampleRate string `json:"sample_rate"`
	Channels   int    `json:"channels"`
	Width      int    `json:"width"`
	Height     int    `json:"height"`
	Duration   string `json:"duration"`
}

// Packet is one packet as ffprobe reports it.
type Packet struct {
	StreamIndex int    `json:"stream_index"`
	PTSTime     string `json:"pts_time"`
	DurTime     string `json:"duration_time"`
	Size        string `json:"size"`
}

// Probe is ffprobe's view of a file.
type Probe struct {
	Format struct {
		FormatName string `json:"format_name"`
		Duration   string `json:"duration"`
	} `json:"format"`
	Streams []Stream `json:"streams"`
	Packets []Packet `json:"packets"`
}

// Duration returns the container duration in seconds (0 when unknown).
func (p *Probe) Duration() float64 {
	d, _ := strconv.ParseFloat(p.Format.Duration, 64)
	return d
}

// PacketDuration returns the end of the last packet in seconds (the
// largest pts_time + duration_time over packets), for inputs whose
// container duration ffprobe cannot know (a pipe). It needs a probe made
// with packets.
func (p *Probe) PacketDuration() float64 {
	end := 0.0
	for _, k := range p.Packets {
		t, _ := strconv.ParseFloat(k.PTSTime, 64)
		d, _ := strconv.ParseFloat(k.DurTime, 64)
		end = max(end, t+d)
	}
	return end
}

// ProbeFile runs ffprobe on path, with packets when packets is set.
func ProbeFile(path string, packets bool) (*Probe, error) {
	return probe(path, nil, packets)
}

// ProbeBytes runs ffprobe on data given on its standard input.
func ProbeBytes(data []byte, packets bool) (*Probe, error) {
	return probe("pipe:0", data, packets)
}

func probe(in string, stdin []byte, packets bool) (*Probe, error) {
	args := []string{"-v", "error", "-show_format", "-show_streams", "-of", "json"}
	if packets {
		args = append(args, "-show_packets")
	}
	cmd := exec.Command("ffprobe", append(args, in)...)
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("ffprobe %s: %w: %s", in, err, stderr.String())
	}
	var p Probe
	if err := json.Unmarshal(out, &p); err != nil {
		return nil, err
	}
	return &p, nil
}

// DecodeErrors decodes every stream of path (or of data, when not nil)
// with ffmpeg at log level "error" and returns what ffmpeg printed: empty
// when the file decodes cleanly.
func DecodeErrors(path string, data []byte) (string, error) {
	in := path
	if data != nil {
		in = "pipe:0"
	}
	cmd := exec.Command("ffmpeg", "-nostdin", "-v", "error", "-i", in, "-f", "null", "-")
	if data != nil {
		cmd = exec.Command("ffmpeg", "-v", "error", "-i", in, "-f", "null", "-")
		cmd.Stdin = bytes.NewReader(data)
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("ffmpeg decode %s: %w: %s", in, err, out)
	}
	return string(out), nil
}
