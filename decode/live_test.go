package decode_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"testing"
	"time"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/decode"
	"github.com/onair-go/onair/internal/logtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var mp3Codec = []string{"-c:a", "libmp3lame", "-b:a", "128k"}

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return b
}

// TestLivePipe plays MP3 and Ogg streams through an io.Pipe: the audio
// that comes out has the stream's length, starts with a track mark and
// the stream's tags, and ends with a track mark after which the source is
// unready.
func TestLivePipe(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		tone        tone
		contentType string
		slack       int // samples of encoder delay and padding the stream cannot tell
	}{
		{tone: tone{name: "live.mp3", codec: mp3Codec}, contentType: "audio/mpeg"},
		{tone: tone{name: "live.ogg", codec: []string{"-c:a", "libvorbis"}}, contentType: "application/ogg"},
		{tone: tone{name: "live.opus", rate: 48000, codec: []string{"-c:a", "libopus", "-f", "ogg"}}, contentType: ""},
		// ADTS carries neither tags nor the encoder delay: the priming
		// frame and the last frame's padding are played.
		{tone: tone{name: "live.aac", codec: []string{"-c:a", "aac", "-f", "adts"}}, contentType: "audio/aac", slack: 2048},
		{tone: tone{name: "live.flac", rate: 22050, channels: 1, codec: []string{"-c:a", "flac"}}, contentType: "audio/flac"},
	}
	for _, tc := range cases {
		t.Run(tc.tone.name, func(t *testing.T) {
			ctx := deadline(t)
			tc.tone.tags = map[string]string{"title": "Live " + tc.tone.name}
			data := readFile(t, makeTone(t, dir, tc.tone))
			var connects, disconnects int
			var discErr error
			src, err := decode.Live(&decode.LiveOptions{
				Prebuffer:    500 * time.Millisecond,
				OnConnect:    func() { connects++ },
				OnDisconnect: func(err error) { disconnects++; discErr = err },
			})
			require.NoError(t, err)
			r := newRig(t, src, true)

			pr, pw := io.Pipe()
			go func() {
				_, err := pw.Write(data)
				pw.CloseWithError(err)
			}()
			require.NoError(t, waitErr(t, ctx, playAsync(ctx, src, pr, tc.contentType)), "a stream that ends is a clean end")
			assert.Equal(t, 1, connects)
			assert.Equal(t, 1, disconnects)
			assert.NoError(t, discErr)
			assert.False(t, src.Connected())

			r.drain(src, 500)
			frame := r.g.Format().FrameSize()
			assert.InDelta(t, 2*44100+tc.slack/2, r.cap.samples, float64(frame+tc.slack/2), "decoded length within one frame")
			assert.Equal(t, []int{0, r.cap.samples}, r.cap.marks, "one track: marks at its start and end")
			if tc.slack == 0 {
				require.NotEmpty(t, r.cap.meta)
				assert.Equal(t, 0, r.cap.meta[0].Pos)
				assert.Equal(t, "Live "+tc.tone.name, r.cap.meta[0].Metadata["title"], "the stream's tags")
			}
			assert.False(t, src.Node().Ready(), "unready after the stream ended")
			assert.Zero(t, src.Buffered())
			for ch, a := range r.cap.audio {
				assert.Greater(t, rms(a[frame:len(a)-frame]), 0.05, "channel %d carries the tone", ch)
			}
		})
	}
}

// TestLivePrebuffer feeds an MP3 stream a little at a time: the source is
// unready until the prebuffer is decoded, then plays; when the buffer
// runs empty while connected it is unready again (underrun, logged once)
// until the prebuffer refills, and the track goes on without a mark.
func TestLivePrebuffer(t *testing.T) {
	ctx := deadline(t)
	data := readFile(t, makeTone(t, t.TempDir(), tone{name: "a.mp3", seconds: 4, codec: mp3Codec}))
	logs := &logtest.Handler{}
	const prebuffer = 500 * time.Millisecond
	src, err := decode.Live(&decode.LiveOptions{Prebuffer: prebuffer, Logger: slog.New(logs)})
	require.NoError(t, err)
	r := newRig(t, src, true)
	g := newGate(data)
	done := playAsync(ctx, src, g, "audio/mpeg")

	// feedUntil hands out 1 KiB steps until the buffer holds want, ticking
	// once per step; it returns the number of steps.
	feedUntil := func(want time.Duration, tick bool) int {
		steps := 0
		for src.Buffered() < want {
			require.Less(t, g.handedOut(), len(data), "the stream ended before %v was buffered", want)
			g.allow(1024, false)
			g.waitBlocked(t, ctx)
			steps++
			if tick && src.Buffered() < want {
				before := r.cap.samples
				r.clk.Tick()
				require.Equal(t, before, r.cap.samples, "no audio before the prebuffer is reached (buffered %v)", src.Buffered())
				require.False(t, src.Node().Ready())
			}
		}
		return steps
	}
	feedUntil(prebuffer, true)
	t.Logf("ready after %d bytes of a 128 kb/s stream (%v of audio); connected=%v", g.handedOut(), src.Buffered(), src.Connected())
	assert.True(t, src.Connected())
	r.clk.Tick()
	frame := r.g.Format().FrameSize()
	require.Equal(t, frame, r.cap.samples, "plays once the prebuffer is reached")

	// Play the buffer out: underrun.
	for range 200 {
		r.clk.Tick()
		if !src.Node().Ready() {
			break
		}
	}
	played := r.cap.samples
	st := src.Stats()
	assert.Equal(t, 1, st.Underruns)
	assert.True(t, st.Buffering)
	assert.True(t, st.Connected)
	assert.Len(t, logs.Find("underrun"), 1, "one underrun, logged once")
	r.clk.Tick()
	assert.Equal(t, played, r.cap.samples, "unready after the underrun")

	// Refill: ready again only at the prebuffer, same track.
	feedUntil(prebuffer, true)
	r.clk.Tick()
	assert.Equal(t, played+frame, r.cap.samples, "plays again once the prebuffer refilled")
	assert.Equal(t, []int{0}, r.cap.marks, "an underrun does not end the track")
	assert.Len(t, logs.Find("underrun"), 1)

	g.allow(-1, true)
	require.NoError(t, waitErr(t, ctx, done))
	r.drain(src, 1000)
	assert.Equal(t, r.cap.samples, r.cap.marks[len(r.cap.marks)-1], "track mark at the end of the stream")
}

// TestLiveInsertMetadata inserts metadata in the middle of a stream: it
// comes out exactly at the audio decoded when it was inserted.
func TestLiveInsertMetadata(t *testing.T) {
	ctx := deadline(t)
	data := readFile(t, makeTone(t, t.TempDir(), tone{name: "a.mp3", seconds: 3, codec: mp3Codec}))
	src, err := decode.Live(&decode.LiveOptions{Prebuffer: 200 * time.Millisecond})
	require.NoError(t, err)
	r := newRig(t, src, true)
	g := newGate(data)
	done := playAsync(ctx, src, g, "")
	g.allow(len(data)/3, false)
	g.waitBlocked(t, ctx)
	r.run(10)
	want := r.cap.samples + r.g.Format().Samples(src.Buffered())
	src.InsertMetadata(onair.Metadata{"title": "mid"})
	g.allow(-1, true)
	require.NoError(t, waitErr(t, ctx, done))
	r.drain(src, 1000)
	var got []int
	for _, m := range r.cap.meta {
		if m.Metadata["title"] == "mid" {
			got = append(got, m.Pos)
		}
	}
	assert.Equal(t, []int{want}, got, "metadata at the write position when it was inserted")
	assert.Equal(t, []int{0, r.cap.samples}, r.cap.marks, "metadata does not end the track by default")
}

// TestLiveChainedOgg plays a chained Ogg stream (two links with their
// own comments): the second title comes out where the second link starts,
// within one Vorbis frame.
func TestLiveChainedOgg(t *testing.T) {
	ctx := deadline(t)
	dir := t.TempDir()
	vorbis := []string{"-c:a", "libvorbis"}
	a := readFile(t, makeTone(t, dir, tone{name: "a.ogg", seconds: 1, codec: vorbis, tags: map[string]string{"title": "One"}}))
	b := readFile(t, makeTone(t, dir, tone{name: "b.ogg", seconds: 1, codec: vorbis, tags: map[string]string{"title": "Two"}}))
	src, err := decode.Live(&decode.LiveOptions{Prebuffer: 200 * time.Millisecond, NewTrackOnMetadata: true})
	require.NoError(t, err)
	r := newRig(t, src, true)
	pr, pw := io.Pipe()
	go func() {
		_, err := pw.Write(append(append([]byte{}, a...), b...))
		pw.CloseWithError(err)
	}()
	require.NoError(t, waitErr(t, ctx, playAsync(ctx, src, pr, "audio/ogg")))
	r.drain(src, 1000)
	assert.InDelta(t, 2*44100, r.cap.samples, float64(r.g.Format().FrameSize()))
	titles := map[string]int{}
	for _, m := range r.cap.meta {
		titles[m.Metadata["title"]] = m.Pos
	}
	require.Contains(t, titles, "One")
	require.Contains(t, titles, "Two", "the second link's comments: %v", r.cap.meta)
	assert.Equal(t, 0, titles["One"])
	const vorbisFrame = 2048
	assert.InDelta(t, 44100, titles["Two"], vorbisFrame, "second title where the second link starts")
	require.Len(t, r.cap.marks, 3, "NewTrackOnMetadata: a track per link")
	assert.Equal(t, titles["Two"], r.cap.marks[1])
}

// TestLiveErrors covers Play's refusals and failures: a second stream
// while one plays, garbage, a stream that ends before its format is
// known, Play before the graph runs, cancellation, Close and invalid
// options.
func TestLiveErrors(t *testing.T) {
	ctx := deadline(t)
	data := readFile(t, makeTone(t, t.TempDir(), tone{name: "a.mp3", codec: mp3Codec}))

	_, err := decode.Live(&decode.LiveOptions{Prebuffer: time.Second, MaxBuffer: time.Second})
	assert.ErrorIs(t, err, onair.ErrInvalidOption)
	_, err = decode.Live(&decode.LiveOptions{Format: "no-such-format"})
	assert.ErrorIs(t, err, onair.ErrInvalidOption)

	src, err := decode.Live(nil)
	require.NoError(t, err)
	assert.ErrorIs(t, src.Play(ctx, newGate(data), ""), decode.ErrInactive, "Play before the graph runs")
	newRig(t, src, true)

	// Busy.
	g := newGate(data)
	done := playAsync(ctx, src, g, "audio/mpeg")
	g.allow(len(data)/2, false)
	waitLive(t, ctx, src, "connected", func(s decode.LiveState) bool { return s.Connected })
	err = src.Play(ctx, newGate(data), "audio/mpeg")
	assert.ErrorIs(t, err, decode.ErrBusy)

	// Close interrupts the blocked Read (SetReadDeadline) and ends Play.
	require.NoError(t, src.Close())
	assert.ErrorIs(t, waitErr(t, ctx, done), decode.ErrClosed)
	assert.ErrorIs(t, src.Play(ctx, newGate(data), ""), decode.ErrClosed)
	require.NoError(t, src.Close(), "Close is idempotent")

	src, err = decode.Live(nil)
	require.NoError(t, err)
	newRig(t, src, true)
	rng := rand.New(rand.NewPCG(1, 2))
	garbage := make([]byte, 64<<10)
	for i := range garbage {
		garbage[i] = byte(rng.Uint32())
	}
	g = newGate(garbage)
	g.allow(-1, true)
	err = src.Play(ctx, g, "")
	var pe *decode.PathError
	assert.ErrorAs(t, err, &pe, "garbage is not a stream: %v", err)
	t.Logf("garbage: %v", err)

	// Garbage that never ends fails once the probe size is read.
	err = src.Play(ctx, &randReader{rng}, "audio/mpeg")
	assert.ErrorAs(t, err, &pe, "endless garbage: %v", err)
	t.Logf("endless garbage: %v", err)

	g = newGate(data[:100])
	g.allow(-1, true)
	err = src.Play(ctx, g, "audio/mpeg")
	assert.ErrorAs(t, err, &pe, "a stream cut before its format is known: %v", err)

	// An error of the reader is returned as such.
	boom := errors.New("connection reset")
	err = src.Play(ctx, io.MultiReader(newOpenGate(data[:len(data)/2]), &errReader{boom}), "audio/mpeg")
	assert.ErrorIs(t, err, boom)

	// Cancellation.
	cctx, cancel := context.WithCancel(ctx)
	g = newGate(data)
	done = playAsync(cctx, src, g, "audio/mpeg")
	g.allow(len(data)/2, false)
	waitLive(t, ctx, src, "connected", func(s decode.LiveState) bool { return s.Connected && s.Reading })
	cancel()
	assert.ErrorIs(t, waitErr(t, ctx, done), context.Canceled)
	assert.False(t, src.Connected())
}

type randReader struct{ rng *rand.Rand }

func (r *randReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(r.rng.Uint32())
	}
	return len(p), nil
}

type errReader struct{ err error }

func (r *errReader) Read([]byte) (int, error) { return 0, r.err }

// newOpenGate returns a gate that hands out all of data, then io.EOF.
func newOpenGate(data []byte) *gate {
	g := newGate(data)
	g.allow(-1, true)
	return g
}
