package encode

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/asticode/go-astiav"
	"github.com/onair-go/onair"
)

// pipeTime is about how long a shared audio encoder's packets trail their
// input while data flows: the packets the codec makes from frame N's
// samples are placed in frame N+depth, depth = pipeTime in frames (at
// least one; 5 at the default 20 ms frames). Meanwhile the codec works on
// a goroutine of its own, so that the encoders of one clock run in
// parallel with each other and with the clock goroutine, and a deep
// hand-off lets each drift ahead of the others by a few frames instead of
// meeting them at every tick: an AAC encoder gets one or two codec frames
// from a tick, an MP3 encoder the other way round. (On 2 cores, the
// bench-encode workload kept 1.85 cores busy 4 frames deep against 1.79
// one frame deep, alternated over 5 rounds.)
//
// The hand-off is deterministic: frame N carries exactly the packets of
// the inputs up to frame N-depth, except where the pipe is emptied at
// once, so that nothing is held back for longer than the data flows:
//   - an input frame with a track mark: the packets up to it, and those of
//     the frame itself, are in the frame, at their positions (the mark
//     and the packets stay in step for muxers that cut or tag there); so
//     is the frame before a track that starts at a frame's start, when
//     the input knows where its track ends (Node.Remaining); when it does
//     not, the packets of the last depth frames of the ending track come
//     after the mark;
//   - a short input frame (the input ran out): the codec is drained too;
//   - the input failing without one (ready, then not): the packets in the
//     pipe go out in the tick it fails (see sharedGen.Ready);
//   - Close's drain tick.
//
// Video keeps one frame: a job holds a copy of its pictures, and the codecs
// have threads of their own.
const pipeTime = 100 * time.Millisecond

// pipeDepth is the depth of the hand-off for frames of f's duration.
func pipeDepth(f *onair.Format, kind onair.TrackKind) int {
	if kind != onair.AudioTrack || f.FrameDuration <= 0 {
		return 1
	}
	return max(1, int((pipeTime+f.FrameDuration-1)/f.FrameDuration))
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

// encJob is one frame's worth of input for the worker goroutine, and what
// came out of it. The input is copied: a graph frame is only valid during
// its tick.
type encJob struct {
	enc   codecEncoder
	feed  feeder
	track onair.Track // the copied input
	n     int         // input positions to feed (0: none)
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
// runs on a worker goroutine, started by the first frame and stopped by
// sleep; every other method runs on the caller's goroutine (the clock's),
// which hands frames over through a bounded queue of depth+1 jobs.
// The codec is touched by the caller only while no job is in flight.
type trackEnc struct {
	feed   feeder
	format *onair.Format
	stats  *counters

	depth  int // jobs left in flight from frame to frame (see pipeTime)
	enc    codecEncoder
	pos    int64 // main-rate samples fed to enc
	frames int64 // codec frames sent by retired encoders

	jobs, done chan *encJob
	free       []*encJob
	inflight   int
	wg         sync.WaitGroup
}

// setFormat sets the graph format, and with it the depth of the hand-off:
// pipeTime deep, or one frame when not deep.
func (e *trackEnc) setFormat(f *onair.Format, deep bool) {
	e.format = f
	e.depth = 1
	if deep {
		e.depth = pipeDepth(f, e.feed.kind())
	}
}

// encode feeds the first n positions of the raw track t and appends to
// out the packets that are ready, at positions in [base, base+n) derived
// from their timestamps. Frame N's input comes out in frame N+depth; with
// sync (the frame has a track mark), everything in flight comes out in
// this frame, its own input included; when the input ran out (short), the
// codec is drained into this frame too and the next data starts a new
// stream. Errors of the codec come back with the frame the job's packets
// go to.
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
	j := e.job()
	e.feed.copyIn(j, t, n)
	j.n, j.flush = n, short
	start := e.pos
	e.pos += int64(n)
	e.stats.encodes.Add(1)
	e.submit(j)
	keep := e.depth
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

// drain hands over everything the codec holds (the jobs in flight, then
// the codec's delay) into out at positions in [base, base+n), and retires
// the encoder.
func (e *trackEnc) drain(out *onair.Track, base, n int) error {
	if e.enc == nil {
		return nil
	}
	stream := e.enc.Stream()
	out.Stream = stream
	j := e.job()
	j.n, j.flush = 0, true
	e.submit(j)
	var err error
	for e.inflight > 0 {
		err = joinErr(err, e.collect(out, stream, base, n, e.pos))
	}
	e.retire()
	return err
}

// flush hands over the packets of the jobs in flight into out at
// positions in [base, base+n), without draining the codec: the input
// failed, and the stream goes on if it comes back.
func (e *trackEnc) flush(out *onair.Track, base, n int) error {
	if e.enc == nil {
		return nil
	}
	stream := e.enc.Stream()
	out.Stream = stream
	var err error
	for e.inflight > 0 {
		err = joinErr(err, e.collect(out, stream, base, n, e.pos))
	}
	return err
}

// sleep drops the jobs in flight, stops the worker, drains the codec
// (dropping the packets) and releases it.
func (e *trackEnc) sleep() {
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
	e.free = append(e.free, j)
}

// submit queues j for the worker, starting it first if needed. The queue
// never fills: at most depth+1 jobs are in flight.
func (e *trackEnc) submit(j *encJob) {
	j.enc = e.enc
	if e.jobs == nil {
		d := max(e.depth, 1)
		e.jobs = make(chan *encJob, d+1)
		e.done = make(chan *encJob, d+1)
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
