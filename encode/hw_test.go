package encode_test

import (
	"log/slog"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/encode"
	"github.com/onair-go/onair/hw"
	"github.com/onair-go/onair/internal/logtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// missingHere reports whether spec's hardware is missing on this machine
// as far as the build and /dev tell: this project's FFmpeg has no CUDA
// (see the hw package doc); VAAPI needs a DRM render node.
func missingHere(t *testing.T, spec string) bool {
	t.Helper()
	typ, _, err := hw.ParseDevice(spec)
	require.NoError(t, err)
	if !hw.Supported(typ) {
		return true
	}
	// In the build: present when it opens here (a CUDA build on a machine
	// without libcuda or a GPU does not).
	d, err := hw.Open(spec)
	if err != nil {
		return true
	}
	require.NoError(t, d.Close())
	return false
}

// frameCounts returns, per video stream of path, "WxH:frames".
func frameCounts(t *testing.T, path string) []string {
	t.Helper()
	out, err := exec.Command("ffprobe", "-v", "error", "-count_frames", "-select_streams", "v",
		"-show_entries", "stream=width,height,nb_read_frames", "-of", "csv=p=0", path).CombinedOutput()
	require.NoError(t, err, "%s", out)
	var l []string
	for _, line := range strings.Fields(string(out)) {
		f := strings.Split(line, ",")
		require.Len(t, f, 3, line)
		l = append(l, f[0]+"x"+f[1]+":"+f[2])
	}
	return l
}

// TestEncoderMixedDevices is seed 004's mixed streams: a CPU video
// stream and a "cuda" one (then a "vaapi" one) with two audio streams in
// one MKV. Where the device is missing, the hardware stream is encoded in
// software with one logged reason, and the file holds every frame.
func TestEncoderMixedDevices(t *testing.T) {
	for _, spec := range []string{"cuda", "vaapi"} {
		t.Run(spec, func(t *testing.T) {
			missing := missingHere(t, spec)
			w := &logtest.Handler{}
			enc := encode.New(nil)
			cpu, err := enc.AddVideo(320, 240, onair.Rational{Num: 30, Den: 1}, &encode.VideoOptions{Device: "cpu", Preset: "ultrafast"})
			require.NoError(t, err)
			opts := &encode.VideoOptions{Device: spec, Logger: slog.New(w), GOP: 30}
			if missing {
				opts.Preset = "ultrafast" // the libx264 fallback's settings
			}
			dev, err := enc.AddVideo(160, 120, onair.Rational{Num: 30, Den: 1}, opts)
			require.NoError(t, err)
			en, err := enc.AddAudio(44100, 2, nil)
			require.NoError(t, err)
			fr, err := enc.AddAudio(44100, 2, nil)
			require.NoError(t, err)
			path := filepath.Join(t.TempDir(), "multi.mkv")
			require.NoError(t, enc.Open(path, ""))
			require.NoError(t, cpu.AddFrames(pictures(320, 240, 30)...))
			require.NoError(t, dev.AddFrames(pictures(320, 240, 30)...), "pictures of another size are scaled")
			require.NoError(t, en.AddSamples(sine(44100, 2, 44100, 440)))
			require.NoError(t, fr.AddSamples(sine(44100, 2, 44100, 660)))
			require.NoError(t, enc.Close())

			assert.Equal(t, []string{"320x240:30", "160x120:30"}, frameCounts(t, path))
			p := ffprobe(t, path, nil)
			require.Len(t, p.Streams, 4)
			assert.Equal(t, "h264", p.Streams[1].CodecName)
			assert.Empty(t, decodeErrors(t, path, nil))
			msgs := w.Messages(slog.LevelWarn)
			if !missing {
				assert.Empty(t, msgs, "encoded on %s", spec)
				return
			}
			require.Len(t, msgs, 1, "one logged reason: %q", msgs)
			assert.Contains(t, msgs[0], "hardware video encoding unavailable")
			assert.Contains(t, msgs[0], "device="+spec)
			assert.Contains(t, msgs[0], "software=libx264")
		})
	}
}

func TestVideoDeviceStrict(t *testing.T) {
	for _, spec := range []string{"cuda", "vaapi", "vaapi:/dev/dri/renderD999"} {
		if !missingHere(t, spec) {
			continue // the device is here: strict mode succeeds (TestEncoderMixedDevices)
		}
		enc := encode.New(nil)
		_, err := enc.AddVideo(64, 48, onair.Rational{Num: 25, Den: 1}, &encode.VideoOptions{Device: spec, StrictDevice: true})
		var de *encode.DeviceError
		require.ErrorAs(t, err, &de, spec)
		assert.Equal(t, spec, de.Device)
		assert.ErrorIs(t, err, hw.ErrUnavailable)
		var he *hw.Error
		require.ErrorAs(t, err, &he)
		assert.Equal(t, "encode", he.Op)
		if spec == "cuda" && !hw.Supported("cuda") {
			assert.Contains(t, err.Error(), "no h264_nvenc encoder")
		}
		assert.Equal(t, encode.StateCreated, enc.State(), "a rejected stream leaves the encoder unchanged")
		require.NoError(t, enc.Close())
	}
}

func TestVideoDeviceUnknown(t *testing.T) {
	_, err := encode.NewVideoEncoder(64, 48, onair.Rational{Num: 25, Den: 1}, &encode.VideoOptions{Device: "nvidia"})
	var de *encode.DeviceError
	require.ErrorAs(t, err, &de, "a typo is an error even without StrictDevice")
	assert.ErrorIs(t, err, hw.ErrUnknownType)
	_, err = encode.Video(onair.Sine(440, nil), &encode.VideoOptions{Device: "cuda:0:x", Codec: "nope"})
	assert.ErrorIs(t, err, encode.ErrUnknownCodec, "an unknown codec stays an unknown codec")
}

// TestSharedVideoDeviceFallback encodes graph video with a shared encoder
// on a missing device: the encoder is opened three times (the probe and
// two streams, the input running short in between) and the reason is logged
// once; the packets decode.
func TestSharedVideoDeviceFallback(t *testing.T) {
	const spec = "vaapi"
	if !missingHere(t, spec) {
		t.Log("a VAAPI device is present: the fallback is not exercised, the hardware path is")
	}
	format := onair.Format{Video: &onair.VideoFormat{Width: 160, Height: 120, FrameRate: onair.Rational{Num: 25, Den: 1}}}
	clk := onair.NewClock("test", &onair.ClockOptions{Kind: onair.Manual})
	g, err := onair.NewGraph(&onair.GraphOptions{Clock: clk, SyncCallbacks: true, Format: format})
	require.NoError(t, err)
	tick := 0
	pos := 0
	src := onair.NewNode(onair.GeneratorFunc(func(f *onair.Frame) error {
		tick++
		k := f.Free()
		if tick == 26 {
			k /= 2 // one short frame: the stream ends and a new one starts
		}
		start := f.Len()
		n := f.Extend(k)
		for i := range n {
			if (pos+i)%1764 == 0 {
				p := testPicture(160, 120, (pos+i)/1764)
				p.Pos = start + i
				f.AddPicture("video", p)
			}
		}
		pos += n
		return nil
	}), &onair.NodeOptions{ID: "pictures", Fallible: true})
	w := &logtest.Handler{}
	v, err := encode.Video(src, &encode.VideoOptions{Device: spec, Preset: "ultrafast", GOP: 25, Logger: slog.New(w)})
	require.NoError(t, err)
	var packets, keys int
	streams := map[uint64]bool{}
	sink := onair.Sink(v, func(f *onair.Frame) error {
		if tr := f.Track("video"); tr != nil && tr.Stream != nil {
			streams[tr.Stream.ID] = true
			for _, p := range tr.Packets {
				packets++
				if p.Key {
					keys++
				}
			}
		}
		return nil
	}, &onair.OutputOptions{Fallible: true})
	require.NoError(t, g.Add(sink))
	require.NoError(t, g.Start())
	for range 80 {
		clk.Tick()
	}
	require.NoError(t, g.Close())
	assert.Len(t, streams, 2, "the short frame ended the first stream")
	assert.Greater(t, packets, 25)
	assert.GreaterOrEqual(t, keys, 2, "each stream starts with a keyframe")
	if missingHere(t, spec) {
		assert.Len(t, w.Messages(slog.LevelWarn), 1, "one reason for the probe and both streams: %q", w.Messages(slog.LevelWarn))
	}
}
