package speaker_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/speaker"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// childEnv names the test a re-executed test binary must run for real.
// oto allows one context per process, created with the ALSA
// configuration of the moment, so each test that opens the real device
// runs in a process of its own with the environment it needs.
const childEnv = "ONAIR_SPEAKER_CHILD"

// inChild reports whether this process is the child run of test t. When
// it is not, it re-runs the test binary with only t, with ALSA reading
// alsaConf instead of the system's configuration, requires the child to
// pass and returns its output.
func inChild(t *testing.T, alsaConf string) (child bool, out string) {
	t.Helper()
	if os.Getenv(childEnv) == t.Name() {
		return true, ""
	}
	conf := filepath.Join(t.TempDir(), "asound.conf")
	require.NoError(t, os.WriteFile(conf, []byte(alsaConf), 0o644))
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^"+t.Name()+"$", "-test.v", "-test.count=1", "-test.timeout=90s")
	cmd.Env = append(os.Environ(), childEnv+"="+t.Name(), "ALSA_CONFIG_PATH="+conf)
	b, err := cmd.CombinedOutput()
	require.NoError(t, err, "child test failed:\n%s", b)
	require.Contains(t, string(b), "--- PASS: "+t.Name(), "the child ran the test:\n%s", b)
	return false, string(b)
}

// Two seconds of sine through oto and ALSA's null device (it takes audio
// as fast as it comes; CI machines have no sound card): every tick of the
// device clock queued exactly one frame, the device took all of it but
// the queue's content, and Run ended by the test's cancel, not by a
// device error. Another speaker of the process shares the context; one
// with another rate gets ErrFormatMismatch.
func TestNullDevice(t *testing.T) {
	child, out := inChild(t, "pcm.!default { type null }\n")
	if !child {
		m := regexp.MustCompile(`null device: ticks=(\d+) written=(\d+) consumed=(\d+) underruns=(\d+)`).FindStringSubmatch(out)
		require.NotNil(t, m, "the child reports its counts:\n%s", out)
		t.Log(m[0])
		return
	}
	ctx, cancel := context.WithCancelCause(t.Context())
	defer cancel(nil)
	sine := onair.Sine(440, nil)
	ticks := 0
	src := onair.NewNode(onair.GeneratorFunc(func(f *onair.Frame) error {
		sn := sine.Node()
		in := sn.Peek()
		sn.Consume(f.Append(in, 0, in.Len()))
		if ticks++; ticks == 100 { // 2s of 20ms frames
			cancel(errDone)
		}
		return nil
	}), &onair.NodeOptions{ID: "two-seconds", Children: []onair.Source{sine}})
	spk, err := speaker.New(src, &speaker.Options{OnError: cancel})
	require.NoError(t, err)
	g, err := onair.NewGraph(nil)
	require.NoError(t, err)
	require.NoError(t, g.Add(spk))
	require.ErrorIs(t, g.Run(ctx), errDone, "Run ends by the test's cancel, not by a device error")
	require.NoError(t, spk.Err())
	require.NoError(t, spk.Close(), "Close after the graph's Close")

	frame := g.Format().FrameSize()
	s := spk.Stats()
	n := spk.Clock().Ticks()
	assert.Equal(t, uint64(100), n)
	assert.Equal(t, int64(n)*int64(frame), s.Written, "one frame queued per tick")
	assert.LessOrEqual(t, s.Consumed, s.Written)
	assert.LessOrEqual(t, s.Written-s.Consumed, int64(5*frame), "the device took all but the queue (100ms)")
	assert.Zero(t, s.Silence)
	t.Logf("null device: ticks=%d written=%d consumed=%d underruns=%d", n, s.Written, s.Consumed, s.Underruns)

	dev, err := speaker.Default(speaker.DeviceConfig{SampleRate: 44100, Channels: 2})
	require.NoError(t, err, "a second speaker shares the context")
	require.NoError(t, dev.Close())
	require.NoError(t, dev.Close())
	_, err = speaker.Default(speaker.DeviceConfig{SampleRate: 48000, Channels: 2})
	require.ErrorIs(t, err, speaker.ErrFormatMismatch)
	assert.Contains(t, err.Error(), "it plays 44100 Hz, 2 channel(s), this graph has 48000 Hz, 2 channel(s)")
}

// Without a sound card (here: an ALSA configuration that defines no
// device) the graph's Run returns the ALSA error; so does every later
// speaker of the process, since oto cannot create a second context.
func TestNoSoundCard(t *testing.T) {
	if child, _ := inChild(t, "# no devices\n"); !child {
		return
	}
	for i := range 2 {
		spk, err := speaker.New(onair.Sine(440, nil), &speaker.Options{ID: "speaker" + strconv.Itoa(i)})
		require.NoError(t, err)
		g, err := onair.NewGraph(nil)
		require.NoError(t, err)
		require.NoError(t, g.Add(spk))
		err = g.Run(t.Context())
		var se *onair.SourceError
		require.ErrorAs(t, err, &se, "attempt %d", i)
		assert.Equal(t, "speaker"+strconv.Itoa(i)+".device", se.Source)
		assert.Contains(t, err.Error(), "open the default sound device: oto: ALSA error at snd_pcm_open")
		t.Log(err)
	}
}
