package encode

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/asticode/go-astiav"
	"github.com/onair-go/onair"
)

// defaultHandOff is how much audio a shared encoder hands to its codec's
// goroutine at a time while data flows (AudioOptions.HandOff). The clock
// goroutine copies each frame's samples into the job being filled; once
// it holds that much audio (5 frames at the default 20 ms) it goes to the
// codec's goroutine, and its packets are placed in the frame that hands
// over the next job, so 100 to 200 ms after their samples. Meanwhile the
// encoders of one clock run in parallel with each other and with the
// clock goroutine, and each has a whole job's worth of ticks to finish
// before the clock waits for it. A job per frame would cost a hand-off, a goroutine wake-up and
// a codec call per encoder and per tick; on the bench-encode workload
// that per-tick cost was about 10 % of the CPU at 20 ms frames, and the
// wake-ups left the second core idle more often.
//
// The hand-off is deterministic: which packets a frame carries depends on
// the frames, never on the scheduling. It empties at once, so that
// nothing is held back when the data stops:
//   - at an input frame with a track mark: the packets up to it, and those
//     of the frame itself, are in the frame, at their positions (the mark
//     and the packets stay in step for muxers that cut or tag there); so
//     is the frame before a track that starts at a frame's start, when
//     the input knows where its track ends (Node.Remaining); when it does
//     not, up to 200 ms of the ending track's packets come after the mark;
//   - at a short input frame (the input ran out): the codec is drained too;
//   - when the input fails without one (ready, then not): in the tick it
//     fails (see sharedGen.Ready);
//   - in Close's drain tick.
//
// Video hands over every frame, placed in the next frame: a job holds a
// copy of its pictures, and the codecs have threads of their own.
const defaultHandOff = 100 * time.Millisecond

// batchSize is how many main-rate samples a job holds before it is
// handed over: handOff of audio, or any frame's worth (1) when handOff is
// not positive.
func batchSize(f *onair.Format, handOff time.Duration) int {
	if handOff <= 0 {
		return 1
	}
	return max(1, int(int64(f.SampleRate)*int64(handOff)/int64(time.Second)))
}

// counters are the atomics behind [Stats].
type counters struct{ encodes, frames, packets, streams, errors, cpuNS atomic.Int64 }

func (c *counters) snapshot() Stats {
	return Stats{
		Encodes: c.encodes.Load(),
		Frames:  c.frames.Load(),
		Packets: c.packets.Load(),
		Streams: c.streams.Load(),
		Errors:  c.errors.Load(),
		CPU:     time.Duration(c.cpuNS.Load()),
	}
}

// encJob is one or more frames' worth of input for the worker goroutine,
// and what came out of it. The input is copied: a graph frame is only
// valid during its tick.
type encJob struct {
	enc   codecEncoder
	feed  feeder
	track onair.Track // the copied input
	n     int         // input positions to feed (0: none), copied so far
	flush bool        // drain the codec after feeding

	packets []onair.Packet
	frames  int64 // codec frames sent by enc so far
	err     error
	emit    PacketFunc

	// Storage of the copied input, reused from job to job.
	audio  [][]float32
	picBuf [][]byte
}

func newJob() *encJob {
	j := &encJob{}
	j.emit = func(p onair.Packet) error {
		j.packets = append(j.packets, p)
		return nil
	}
	return j
}

// run encodes the job; it runs on the worker goroutine.
func (j *encJob) run() {
	j.err = nil
	if j.n > 0 {
		j.err = j.feed.feed(j.enc, &j.track, j.n, j.emit)
	}
	if j.err == nil && j.flush {
		j.err = j.enc.Flush(j.emit)
	}
	j.frames = j.enc.Frames()
}

// trackEnc encodes one raw track, frame after frame, into packets placed
// on the frame grid: the engine of [Shared] and [TrackEncoder]. Its codec
// runs on a worker goroutine, started by the first job and stopped by
// sleep; every other method runs on the caller's goroutine (the clock's),
// which fills a job with frames until it holds batch samples (one frame
// until the stream has given its first packet; see defaultHandOff) and
// hands it over through a queue where one job waits at most. The codec is
// touched by the caller only while no job is in flight.
type trackEnc struct {
	feed    feeder
	format  *onair.Format
	stats   *counters
	handOff time.Duration // audio per job; not positive: one frame

	batch  int     // samples of a job before it is handed over
	primed bool    // the stream gave packets: jobs of batch samples (before: of a frame)
	fill   *encJob // the job being filled, or nil
	enc    codecEncoder
	pos    int64 // main-rate samples fed to enc
	frames int64 // codec frames sent by retired encoders

	jobs, done chan *encJob
	free       []*encJob
	inflight   int
	wg         sync.WaitGroup
}

// setFormat sets the graph format, and with it the size of the jobs.
func (e *trackEnc) setFormat(f *onair.Format) {
	e.format = f
	e.batch = batchSize(f, e.handOff)
}

// encode copies the first n positions of the raw track t into the job
// being filled and, when the job is full, hands it over and appends to
// out the packets of the job handed over before it, at positions in
// [base, base+n) derived from their timestamps. With sync (the frame has a
// track mark, or the next one starts a track) the job goes at once and
// everything in flight comes out in this frame, its own input included;
// when the input ran out (short), the codec is drained into this frame
// too and the next data starts a new stream. Errors of the codec come
// back with the frame the job's packets go to.
func (e *trackEnc) encode(t *onair.Track, n int, short, sync bool, out *onair.Track, base int) error {
	if e.enc == nil {
		enc, err := e.feed.open(t, e.format)
		if err != nil {
			e.stats.errors.Add(1)
			return err
		}
		e.enc = enc
		e.stats.streams.Add(1)
	}
	stream := e.enc.Stream()
	out.Stream = stream
	if e.fill == nil {
		e.fill = e.job()
	}
	j := e.fill
	e.feed.copyIn(j, t, n)
	j.n += n
	start := e.pos
	e.pos += int64(n)
	e.stats.encodes.Add(1)
	// Until its first packet, a stream hands every frame over: the first
	// packets come out a frame or two after the codec's delay, not after
	// two full jobs (a listener's first byte, a start-up).
	if j.n < e.batch && e.primed && !short && !sync {
		return nil
	}
	e.fill = nil
	j.flush = short
	e.submit(j)
	keep := 1
	if short || sync {
		keep = 0
	}
	var err error
	for e.inflight > keep {
		err = joinErr(err, e.collect(out, stream, base, n, start))
	}
	if short {
		e.retire()
	}
	return err
}

// drain hands over everything the codec holds (the job being filled and
// the one in flight, then the codec's delay) into out at positions in
// [base, base+n), and retires the encoder.
func (e *trackEnc) drain(out *onair.Track, base, n int) error {
	return e.empty(out, base, n, true)
}

// pending reports whether input was taken that has not come out yet.
func (e *trackEnc) pending() bool { return e.fill != nil || e.inflight > 0 }

// flush hands over the job being filled and places the packets of every
// job in flight into out at positions in [base, base+n), without
// draining the codec: the input failed, and the stream goes on if it
// comes back.
func (e *trackEnc) flush(out *onair.Track, base, n int) error {
	return e.empty(out, base, n, false)
}

// empty hands over the job being filled and places the packets of every
// job in flight into out at positions in [base, base+n); with drain, the
// codec's delay too (in a job of its own when none was being filled), and
// the encoder retires.
func (e *trackEnc) empty(out *onair.Track, base, n int, drain bool) error {
	if e.enc == nil {
		return nil
	}
	stream := e.enc.Stream()
	out.Stream = stream
	j := e.fill
	if j == nil && drain {
		j = e.job()
	}
	e.fill = nil
	if j != nil {
		j.flush = drain
		e.submit(j)
	}
	var err error
	for e.inflight > 0 {
		err = joinErr(err, e.collect(out, stream, base, n, e.pos))
	}
	if drain {
		e.retire()
	}
	return err
}

// sleep drops the job being filled and the jobs in flight, stops the
// worker, drains the codec (dropping the packets) and releases it.
func (e *trackEnc) sleep() {
	if e.fill != nil {
		e.release(e.fill)
		e.fill = nil
	}
	for e.inflight > 0 {
		e.release(<-e.done)
		e.inflight--
	}
	if e.jobs != nil {
		close(e.jobs)
		e.wg.Wait()
		e.jobs, e.done = nil, nil
	}
	if e.enc != nil {
		_ = e.enc.Flush(func(onair.Packet) error { return nil })
		e.retire()
	}
}

func (e *trackEnc) job() *encJob {
	if k := len(e.free); k > 0 {
		j := e.free[k-1]
		e.free = e.free[:k-1]
		return j
	}
	j := newJob()
	j.feed = e.feed
	return j
}

func (e *trackEnc) release(j *encJob) {
	clear(j.packets)
	j.packets = j.packets[:0]
	j.enc = nil
	j.n, j.flush = 0, false
	e.free = append(e.free, j)
}

// submit queues j for the worker, starting it first if needed. The queue
// never fills: at most two jobs are in flight.
func (e *trackEnc) submit(j *encJob) {
	j.enc = e.enc
	if e.jobs == nil {
		e.jobs = make(chan *encJob, 2)
		e.done = make(chan *encJob, 2)
		e.wg.Add(1)
		go func(jobs <-chan *encJob, done chan<- *encJob, stats *counters) {
			defer e.wg.Done()
			for j := range jobs {
				stats.cpuNS.Add(int64(timedRun(j)))
				done <- j
				// The clock goroutine, waiting for this result, was just
				// made runnable on this P: let it run now rather than
				// after the next job's cgo call (or a sysmon retake of
				// the P). Measured on 2 cores: 1.58 cores used instead
				// of 1.49.
				runtime.Gosched()
			}
		}(e.jobs, e.done, e.stats)
	}
	e.jobs <- j
	e.inflight++
}

// collect waits for the oldest job in flight and places its packets.
func (e *trackEnc) collect(out *onair.Track, st *onair.StreamInfo, base, n int, start int64) error {
	j := <-e.done
	e.inflight--
	e.primed = e.primed || len(j.packets) > 0
	e.place(out, st, j.packets, base, n, start)
	e.stats.packets.Add(int64(len(j.packets)))
	e.stats.frames.Store(e.frames + j.frames)
	err := j.err
	if err != nil {
		e.stats.errors.Add(1)
	}
	e.release(j)
	return err
}

// retire ends the current stream (no job is in flight) and closes its
// encoder: the next data opens a new one. Frames still in use keep the
// retired stream's StreamInfo, whose Params outlive the encoder.
func (e *trackEnc) retire() {
	e.frames += e.enc.Frames()
	e.stats.frames.Store(e.frames)
	e.enc.Close()
	e.enc = nil
	e.pos = 0
	e.primed = false
}

// place appends pkts to out at the positions of their DTS (main-rate
// samples since the stream started, relative to start, the stream
// position of the frame's first input sample), clamped into [base,
// base+n) and kept in order.
func (e *trackEnc) place(out *onair.Track, st *onair.StreamInfo, pkts []onair.Packet, base, n int, start int64) {
	tb := astiav.NewRational(st.TimeBase.Num, st.TimeBase.Den)
	main := astiav.NewRational(1, e.format.SampleRate)
	last := base
	if k := len(out.Packets); k > 0 {
		last = max(last, out.Packets[k-1].Pos)
	}
	for _, p := range pkts {
		at := astiav.RescaleQ(p.DTS, tb, main) - start
		pos := base + int(min(max(at, 0), int64(max(n, 1)-1)))
		pos = max(pos, last)
		last = pos
		p.Pos = pos
		out.Packets = append(out.Packets, p)
	}
}

func joinErr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}
