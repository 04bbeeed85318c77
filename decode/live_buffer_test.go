package decode_test

import (
	"log/slog"
	"testing"
	"time"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/decode"
	"github.com/onair-go/onair/internal/logtest"
	"github.com/onair-go/onair/onairtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestLiveOverrun feeds a stream faster than the clock plays it: the
// oldest audio is dropped, the drops are logged with counts that add up
// to the source's counters, and what is kept plays with the stream's
// track mark and tags at its start.
func TestLiveOverrun(t *testing.T) {
	ctx := deadline(t)
	data := readFile(t, makeTone(t, t.TempDir(), tone{name: "a.mp3", seconds: 3, codec: mp3Codec, tags: map[string]string{"title": "T"}}))
	logs := &logtest.Handler{}
	src, err := decode.Live(&decode.LiveOptions{Prebuffer: 200 * time.Millisecond, MaxBuffer: time.Second, Logger: slog.New(logs)})
	require.NoError(t, err)
	r := newRig(t, src, true)
	require.NoError(t, src.Play(ctx, newOpenGate(data), "audio/mpeg"))
	st := src.Stats()
	assert.Equal(t, time.Second, st.Buffered, "the buffer is full")
	assert.Positive(t, st.Overruns)
	assert.InDelta(t, 2*time.Second, st.Dropped, float64(20*time.Millisecond), "3s decoded, 1s kept")
	recs := logs.Find("overrun")
	require.NotEmpty(t, recs)
	var logged int64
	var loggedDrop time.Duration
	for _, rec := range recs {
		logged += logtest.Attr(rec, "overruns").Int64()
		loggedDrop += logtest.Attr(rec, "dropped").Duration()
	}
	assert.Equal(t, int64(st.Overruns), logged, "every overrun is logged, in at most one line per second")
	assert.InDelta(t, st.Dropped, loggedDrop, float64(time.Millisecond))

	r.drain(src, 200)
	assert.Equal(t, 44100, r.cap.samples)
	assert.Equal(t, []int{0, 44100}, r.cap.marks)
	require.NotEmpty(t, r.cap.meta)
	assert.Equal(t, onair.MetadataAt{Pos: 0, Metadata: r.cap.meta[0].Metadata}, r.cap.meta[0])
	assert.Equal(t, "T", r.cap.meta[0].Metadata["title"], "the tags of the dropped start are kept")
}

// TestLiveSleep closes the graph while a stream plays: Play returns an
// error wrapping ErrInactive and the buffer is emptied.
func TestLiveSleep(t *testing.T) {
	ctx := deadline(t)
	data := readFile(t, makeTone(t, t.TempDir(), tone{name: "a.mp3", codec: mp3Codec}))
	src, err := decode.Live(nil)
	require.NoError(t, err)
	g, _ := onairtest.StartGraph(t, &onairtest.Options{AsyncCallbacks: true}, onair.Sink(src, nil, &onair.OutputOptions{Fallible: true}))
	gt := newGate(data)
	done := playAsync(ctx, src, gt, "")
	gt.allow(len(data)/2, false)
	waitLive(t, ctx, src, "audio buffered", func(s decode.LiveState) bool { return s.Reading && s.Buffered > 0 })
	require.NoError(t, g.Close())
	assert.ErrorIs(t, waitErr(t, ctx, done), decode.ErrInactive)
	assert.Zero(t, src.Buffered())
	assert.ErrorIs(t, src.Play(ctx, gt, ""), decode.ErrInactive)
}

// TestLiveUnderrunAtFrameEnd runs the buffer empty exactly at the end of
// a frame: an MP3 stream without encoder delay decodes to whole MP3
// frames, which are graph frames too with 1152-sample frames. The next
// tick finds the buffer empty, which is an underrun like any other, and
// the source waits for the whole prebuffer again.
func TestLiveUnderrunAtFrameEnd(t *testing.T) {
	ctx := deadline(t)
	data := readFile(t, makeTone(t, t.TempDir(), tone{name: "a.mp3", seconds: 3, codec: append([]string{"-write_xing", "0"}, mp3Codec...)}))
	const frame = 1152
	const prebuffer = 100 * time.Millisecond
	src, err := decode.Live(&decode.LiveOptions{Prebuffer: prebuffer})
	require.NoError(t, err)
	clk := onair.NewClock("test", &onair.ClockOptions{Kind: onair.Manual})
	g, err := onair.NewGraph(&onair.GraphOptions{Clock: clk, Format: onair.Format{FrameDuration: 26122449}})
	require.NoError(t, err)
	require.Equal(t, frame, g.Format().FrameSize())
	c := &capture{}
	require.NoError(t, g.Add(onair.Sink(src, c.send, &onair.OutputOptions{Fallible: true})))
	require.NoError(t, g.Start())
	defer g.Close()
	gt := newGate(data)
	done := playAsync(ctx, src, gt, "audio/mpeg")

	// feed hands out 512-byte steps until the buffer holds at least want.
	feed := func(want time.Duration) {
		for src.Buffered() < want {
			require.Less(t, gt.handedOut(), len(data))
			gt.allow(512, false)
			gt.waitBlocked(t, ctx)
		}
	}
	feed(prebuffer)
	require.Zero(t, g.Format().Samples(src.Buffered())%frame, "whole MP3 frames are buffered")
	for src.Buffered() > 0 {
		clk.Tick()
	}
	assert.Empty(t, c.short, "full frames only: the buffer ran empty at the end of a frame")
	assert.Zero(t, src.Stats().Underruns)
	played := c.samples

	clk.Tick()
	assert.Equal(t, 1, src.Stats().Underruns, "an empty buffer at the start of a tick is an underrun")
	gt.allow(512, false)
	gt.waitBlocked(t, ctx)
	for src.Buffered() < prebuffer {
		clk.Tick()
		require.Equal(t, played, c.samples, "no audio before the prebuffer is reached again")
		gt.allow(512, false)
		gt.waitBlocked(t, ctx)
	}
	clk.Tick()
	assert.Equal(t, played+frame, c.samples, "playing again with the prebuffer")
	gt.allow(-1, true)
	require.NoError(t, waitErr(t, ctx, done))
}
