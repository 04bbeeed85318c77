package encode_test

import (
	"testing"
	"time"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/encode"
	"github.com/onair-go/onair/onairtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSharedHandOff pins the hand-off between the clock goroutine and the
// encoder's goroutine, whatever the scheduling: the frames' samples go to
// the codec in jobs of 100 ms (4,410 samples: 5 frames of 882), and the
// packets made from a job are in the frame that hands over the next one,
// at its start (the sine has no track mark, which would hand a job over
// at once: TestSharedHandOffEmptiesAtMarks). With PCM (no codec delay,
// 1024-sample packets) packet k, which needs the samples up to
// 1024(k+1), comes from the first job that reaches them. The run is
// repeated to catch a dependence on timing.
func TestSharedHandOff(t *testing.T) {
	batch := encode.BatchSize(&onair.Format{SampleRate: 44100})
	require.Equal(t, 4410, batch, "100 ms")
	// The model: the frame each job's packets come out in. Until the
	// first packet came out, a job is a frame; then 100 ms.
	want := make([][]int64, 41)
	var jobs [][2]int // [end sample of the job, frame it comes out in]
	filled, end, primed, read := 0, 0, false, 0
	for i := range 40 {
		end += 882
		filled += 882
		if filled >= batch || !primed {
			if k := len(jobs) - 1; k >= 0 && jobs[k][1] < 0 {
				jobs[k][1] = i // the previous job comes out now
				primed = primed || jobs[k][0] >= 1024
				read = jobs[k][0] / 1024
			}
			jobs = append(jobs, [2]int{end, -1})
			filled = 0
		}
	}
	if filled > 0 {
		jobs = append(jobs, [2]int{end, 40}) // the job being filled
	}
	for k := range jobs {
		if jobs[k][1] < 0 {
			jobs[k][1] = 40 // the drain tick
		}
	}
	next := int64(0) // next packet's first sample
	for _, j := range jobs {
		for next+1024 <= int64(j[0]) {
			want[j[1]] = append(want[j[1]], next)
			next += 1024
		}
	}
	want[40] = append(want[40], next) // the flush: the partial last packet

	var first [][]int64
	for run := range 3 {
		enc, err := encode.Audio(onair.Sine(440, nil), &encode.AudioOptions{Codec: "pcm_s16le"})
		require.NoError(t, err)
		var frames [][]int64 // DTS of the packets of each frame
		g, clk := onairtest.StartGraph(t, nil, onair.Sink(enc, func(f *onair.Frame) error {
			var dts []int64
			for _, p := range f.Track("audio").Packets {
				require.Zero(t, p.Pos, "packets of earlier frames' input sit at the start")
				dts = append(dts, p.DTS)
			}
			frames = append(frames, dts)
			return nil
		}, nil))
		for range 40 {
			clk.Tick()
		}
		st := enc.Stats()
		require.NoError(t, g.Close())
		require.Len(t, frames, 41, "40 ticks and the drain tick")
		for i := range want {
			if len(want[i]) == 0 {
				want[i] = nil
			}
		}
		assert.Equal(t, want, frames, "run %d", run)
		assert.EqualValues(t, 40, st.Encodes, "one per frame")
		assert.EqualValues(t, read, st.Frames, "the codec frames read back before the drain tick")
		if run == 0 {
			first = frames
		} else {
			assert.Equal(t, first, frames, "same frames in every run")
		}
	}
}

// liar is an endless source whose Remaining always says its track ends
// here, as a file whose header gives a wrong length would.
type liar struct{}

func (liar) Generate(f *onair.Frame) error { f.Extend(f.Free()); return nil }
func (liar) Remaining() int                { return 0 }

// TestSharedHandOffTrustsAnEndOnce: an input that announces the end of its
// track empties the hand-off once; when the track goes on, the encoder
// goes back to handing over 100 ms at a time instead of every frame.
func TestSharedHandOffTrustsAnEndOnce(t *testing.T) {
	src := onair.NewNode(liar{}, &onair.NodeOptions{ID: "liar"})
	enc, err := encode.Audio(src, &encode.AudioOptions{Codec: "pcm_s16le"})
	require.NoError(t, err)
	withPackets := 0
	g, clk := onairtest.StartGraph(t, nil, onair.Sink(enc, func(f *onair.Frame) error {
		if len(f.Track("audio").Packets) > 0 {
			withPackets++
		}
		return nil
	}, nil))
	for range 30 {
		clk.Tick()
	}
	require.NoError(t, g.Close())
	// Frame 1 empties the hand-off (its packet is made in it), then jobs
	// of 5 frames: packets in frames 11, 16, 21, 26, and the drain tick.
	assert.LessOrEqual(t, withPackets, 7, "frames with packets: not every frame")
}

// TestSharedStartsSoon: a stream's first packets come out a frame or two
// after the codec's own delay, not after two 100 ms hand-offs (a
// listener's first byte at start-up), for each codec of a station.
func TestSharedStartsSoon(t *testing.T) {
	for _, codec := range []string{"aac", "libmp3lame", "libopus"} {
		t.Run(codec, func(t *testing.T) {
			enc, err := encode.Audio(onair.Sine(440, nil), &encode.AudioOptions{Codec: codec})
			require.NoError(t, err)
			first, frame := -1, 0
			g, clk := onairtest.StartGraph(t, nil, onair.Sink(enc, func(f *onair.Frame) error {
				if first < 0 && len(f.Track("audio").Packets) > 0 {
					first = frame
				}
				frame++
				return nil
			}, nil))
			for range 10 {
				clk.Tick()
			}
			require.NoError(t, g.Close())
			// The codecs hold back 1024 to 2112 samples (22 to 44 ms):
			// their first packet needs the third frame at most, and comes
			// out with the next one. Two 100 ms hand-offs would be 10.
			assert.GreaterOrEqual(t, first, 0, "no packet in 10 frames")
			assert.LessOrEqual(t, first, 4, "first packet in frame %d", first)
		})
	}
}

// TestSharedHandOffOption: a negative HandOff hands every frame over, and
// the packets made from frame N's samples are in frame N+1; more than 10 s
// is refused.
func TestSharedHandOffOption(t *testing.T) {
	_, err := encode.Audio(onair.Sine(440, nil), &encode.AudioOptions{Codec: "pcm_s16le", HandOff: 11 * time.Second})
	require.ErrorIs(t, err, encode.ErrInvalidOption)
	assert.Contains(t, err.Error(), "hand-off 11s")

	enc, err := encode.Audio(onair.Sine(440, nil), &encode.AudioOptions{Codec: "pcm_s16le", HandOff: -1})
	require.NoError(t, err)
	var frames [][]int64
	g, clk := onairtest.StartGraph(t, nil, onair.Sink(enc, func(f *onair.Frame) error {
		var dts []int64
		for _, p := range f.Track("audio").Packets {
			dts = append(dts, p.DTS)
		}
		frames = append(frames, dts)
		return nil
	}, nil))
	for range 10 {
		clk.Tick()
	}
	require.NoError(t, g.Close())
	// Packet k needs the samples up to 1024(k+1): it is made from frame
	// ceil(1024(k+1)/882)-1 and read in the frame after it.
	want := make([][]int64, 10)
	for k := int64(0); 1024*(k+1) <= 9*882; k++ {
		made := (1024*(k+1)+881)/882 - 1
		want[made+1] = append(want[made+1], 1024*k)
	}
	assert.Equal(t, want, frames[:10])
}

// TestSharedHandOffEmptiesAtMarks: a frame with a track mark carries the
// packets of its own input, at their positions, and of everything before
// it, so that muxers cutting or tagging at the mark find the packets of
// the ending track before it and those of the next one after it.
func TestSharedHandOffEmptiesAtMarks(t *testing.T) {
	// Tracks of 10,000 samples: marks inside frames 11, 22, 34...
	src := onairtest.Tracks("t", 10000, 10000, 10000, 10000, 10000, 10000)
	enc, err := encode.Audio(src, &encode.AudioOptions{Codec: "pcm_s16le"})
	require.NoError(t, err)
	pos := 0 // stream position of the frame
	var got []int64
	g, clk := onairtest.StartGraph(t, nil, onair.Sink(enc, func(f *onair.Frame) error {
		defer func() { pos += f.Len() }()
		marks := f.Marks()
		if len(marks) == 0 || pos == 0 {
			return nil
		}
		mark := int64(pos + marks[0])
		pkts := f.Track("audio").Packets
		require.NotEmpty(t, pkts)
		last := pkts[len(pkts)-1]
		assert.Greater(t, last.DTS+1024, int64(pos+f.Len()-1024), "frame at %d: the packets reach the frame's end", pos)
		for _, p := range pkts {
			if p.DTS+1024 <= mark {
				assert.LessOrEqual(t, p.Pos, marks[0], "packet at %d, before the mark at %d", p.DTS, mark)
			} else if p.DTS >= mark {
				assert.GreaterOrEqual(t, p.Pos, marks[0], "packet at %d, after the mark at %d", p.DTS, mark)
			}
		}
		got = append(got, mark)
		return nil
	}, &onair.OutputOptions{Fallible: true}))
	for range 60 {
		clk.Tick()
	}
	require.NoError(t, g.Close())
	assert.Equal(t, []int64{10000, 20000, 30000, 40000, 50000}, got, "the marks seen")
}
