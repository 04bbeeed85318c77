package encode

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/asticode/go-astiav"
	"github.com/onair-go/onair"
)

// pipeDepth is how many frames a shared encoder's packets trail their
// input: the packets the codec makes from frame N's samples are placed in
// frame N+pipeDepth. Meanwhile the codec works on a goroutine of its own,
// so that the encoders of one clock run in parallel with each other and
// with the clock goroutine. The hand-off is deterministic: frame N always
// carries exactly the packets of the inputs up to frame N-pipeDepth
// (except when the codec is drained, see trackEnc.encode).
//
// A deeper hand-off absorbs more of the jitter between encoders (on 2
// cores, the bench-encode workload used a median 1.64 cores with 4
// frames against 1.58 with 1), but every frame of it is also data held
// back when the input fails without a short frame (it comes out when the
// input is back, or at Close), and latency: one frame it is.
const pipeDepth = 1

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
// which hands frames over through a bounded queue of pipeDepth+1 jobs.
// The codec is touched by the caller only while no job is in flight.
type trackEnc struct {
	feed   feeder
	format *onair.Format
	stats  *counters

	enc    codecEncoder
	pos    int64 // main-rate samples fed to enc
	frames int64 // codec frames sent by retired encoders

	jobs, done chan *encJob
	free       []*encJob
	inflight   int
	wg         sync.WaitGroup
}

// encode feeds the first n positions of the raw track t and appends to
// out the packets that are ready, at positions in [base, base+n) derived
// from their timestamps. Frame N's input comes out in frame N+pipeDepth;
// when the input ran out (short), the codec is drained into this frame
// (waiting for the worker) and the next data starts a new stream. Errors
// of the codec come back with the frame the job's packets go to.
func (e *trackEnc) encode(t *onair.Track, n int, short bool, out *onair.Track, base int) error {
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
	keep := pipeDepth
	if short {
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
// never fills: at most pipeDepth+1 jobs are in flight.
func (e *trackEnc) submit(j *encJob) {
	j.enc = e.enc
	if e.jobs == nil {
		e.jobs = make(chan *encJob, pipeDepth+1)
		e.done = make(chan *encJob, pipeDepth+1)
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
