package decode_test

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/decode"
	"github.com/onair-go/onair/fault"
	"github.com/onair-go/onair/internal/faulttest"
	"github.com/onair-go/onair/internal/logtest"
	"github.com/onair-go/onair/internal/peertest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const srtSecret = "onair-test-passphrase"

// srtSender runs ffmpeg sending a live 440 Hz AAC sine as MPEG-TS to
// (caller) or from (listener) the SRT url.
func srtSender(t *testing.T, url string) *peertest.Proc {
	return peertest.Start(t, "", "", "ffmpeg", "-nostdin", "-v", "error", "-re", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
		"-c:a", "aac", "-b:a", "96k", "-f", "mpegts", url)
}

// waitUntil polls cond (the helper goroutine's work: no ticking).
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	require.NoError(t, peertest.Poll(ctx, 10*time.Millisecond, func() error {
		if cond() {
			return nil
		}
		return errors.New(what)
	}), what)
}

// checkSine checks that the last half second of what played since
// sample before is a 440 Hz sine (880 sign changes a second), and that
// nothing was missing (the source was ready for every tick).
func checkSine(t *testing.T, r *rig, before, ticks int, what string) {
	t.Helper()
	const rate = 44100 // the graph's default
	played := r.cap.audio[0][before:]
	require.Len(t, played, ticks*rate/50, "%s: a whole frame every tick", what)
	assert.InDelta(t, 440, zeroCrossings(played[len(played)-rate/2:]), 10, "%s: a 440 Hz sine", what)
}

// zeroCrossings counts sign changes.
func zeroCrossings(a []float32) int {
	n := 0
	for i := 1; i < len(a); i++ {
		if (a[i-1] < 0) != (a[i] < 0) {
			n++
		}
	}
	return n
}

// TestSRTListener: the source listens (encrypted), FFmpeg calls it and
// sends a sine; FFmpeg is killed and a new one calls: the source plays
// both streams, each as a track.
func TestSRTListener(t *testing.T) {
	port := peertest.FreeUDPPort(t)
	addr := "127.0.0.1:" + strconv.Itoa(port)
	var connects atomic.Int32
	logs := &logtest.Handler{}
	fl := faulttest.New()
	fl.Next = logs
	src, err := decode.SRT(addr, &decode.SRTOptions{
		Listener: true, Passphrase: srtSecret, Prebuffer: 500 * time.Millisecond, Timeout: 2 * time.Second,
		MinDelay: 50 * time.Millisecond, OnConnect: func() { connects.Add(1) }, Logger: fl.Logger(),
	})
	require.NoError(t, err)
	r := newRig(t, src, true)
	r.run(1) // wakes the source: it listens
	url := "srt://" + addr + "?mode=caller&passphrase=" + srtSecret
	ff := srtSender(t, url)
	ctx := deadline(t)
	live := decode.SRTLive(src)
	waitLive(t, ctx, live, "1 s buffered", func(s decode.LiveState) bool { return s.Buffered >= time.Second })
	before := r.cap.samples
	r.run(40)
	checkSine(t, r, before, 40, "first stream")

	ff.Kill()
	waitLive(t, ctx, live, "the lost peer noticed", func(s decode.LiveState) bool { return !s.Playing })
	r.drain(src, 1000)
	assert.False(t, src.Node().Ready(), "unready after the stream ended")
	srtSender(t, url)
	waitLive(t, ctx, live, "a second stream buffered", func(s decode.LiveState) bool {
		return s.Playing && s.Buffered >= time.Second
	})
	assert.Equal(t, int32(2), connects.Load())
	before = r.cap.samples
	r.run(40)
	checkSine(t, r, before, 40, "second stream")
	assert.Len(t, slices.Compact(slices.Clone(r.cap.marks)), 2, "one track per stream (the end of one and the start of the next at one position): %v", r.cap.marks)

	// The lost peer is one reconnect record (and a wait that timed out
	// with no caller, one more each), each counted once.
	require.NoError(t, src.Close())
	attempts := len(logs.Find("srt stream: ended")) + len(logs.Find("cannot connect")) + len(logs.Find("rejected"))
	require.Positive(t, len(logs.Find("srt stream: ended")))
	fl.Check(t, fault.Reconnect, fault.KeySource, src.Node().ID(), attempts, fault.KeyURL, fault.KeyRetryIn, fault.KeyErr)
}

// TestSRTCaller: the source calls FFmpeg listening; a wrong passphrase
// is a clear error (retried only at MaxDelay), the right one plays.
func TestSRTCaller(t *testing.T) {
	port := peertest.FreeUDPPort(t)
	addr := "127.0.0.1:" + strconv.Itoa(port)
	srtSender(t, "srt://"+addr+"?mode=listener&passphrase="+srtSecret)

	bad, err := decode.SRT(addr, &decode.SRTOptions{Passphrase: "not-the-passphrase", Timeout: 2 * time.Second, MaxDelay: time.Hour})
	require.NoError(t, err)
	rb := newRig(t, bad, true)
	rb.run(1)
	waitUntil(t, "refused", func() bool { return bad.Err() != nil })
	assert.ErrorIs(t, bad.Err(), decode.ErrSRTRejected)
	assert.NotContains(t, bad.Err().Error(), "not-the-passphrase")
	require.NoError(t, bad.Close())

	good, err := decode.SRT(addr, &decode.SRTOptions{Passphrase: srtSecret, Prebuffer: 500 * time.Millisecond})
	require.NoError(t, err)
	r := newRig(t, good, true)
	r.run(1)
	waitLive(t, deadline(t), decode.SRTLive(good), "1 s buffered", func(s decode.LiveState) bool { return s.Buffered >= time.Second })
	before := r.cap.samples
	r.run(40)
	checkSine(t, r, before, 40, "caller")
}

func TestSRTOptions(t *testing.T) {
	for _, o := range []*decode.SRTOptions{{Passphrase: "short"}, {Timeout: -1}, {MinDelay: 2, MaxDelay: 1}} {
		_, err := decode.SRT("127.0.0.1:9", o)
		assert.ErrorIs(t, err, onair.ErrInvalidOption)
	}
	_, err := decode.SRT("nowhere", nil)
	assert.ErrorIs(t, err, onair.ErrInvalidOption)
}
