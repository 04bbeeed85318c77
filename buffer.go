package onair

import (
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// BufferOptions configure [NewBuffer]. A zero BufferOptions is valid.
type BufferOptions struct {
	// ID names the buffer. It defaults to "buffer"; its input side is
	// named ID+".input".
	ID string
	// Prebuffer is how much audio the buffer waits for before it becomes
	// ready, at start and after each underflow. It defaults to 1s.
	Prebuffer time.Duration
	// Max is the most audio the buffer holds; above it the oldest data is
	// dropped. It defaults to 10s and must be larger than Prebuffer (it is
	// raised to Prebuffer plus one frame when the graph format needs it).
	Max time.Duration
	// Logger receives the underflow and overflow logs. It defaults to the
	// graph's logger.
	Logger *slog.Logger
}

// BufferStats describes a buffer at one moment.
type BufferStats struct {
	// Buffered is the audio held now.
	Buffered time.Duration
	// Buffering reports whether the buffer waits for its prebuffer (it is
	// unready meanwhile).
	Buffering bool
	// Underflows counts the times the buffer ran empty; Overflows the
	// times it had to drop data, and Dropped the audio dropped in all.
	Underflows, Overflows int
	Dropped               time.Duration
}

// Buffer is a buffer between two clocks, made by [NewBuffer]: a source
// that plays, in its own clock, what the buffer's input side wrote in the
// clock of the buffered source.
//
// Its methods are safe to call from any goroutine.
type Buffer struct {
	node *Node
	in   *Output
	src  Source
	opts BufferOptions

	mu        sync.Mutex // guards everything below, shared by both clocks
	ring      pcmRing
	awake     bool
	buffering bool
	overflow  bool // inside an overflow episode (logged once)
	prebuf    int  // samples
	maxLen    int  // samples
	rate      int
	frameRate Rational // of the graph's video, zero without video
	stats     BufferStats
	dropped   int64 // samples
	log       *slog.Logger
}

// NewBuffer returns a source that plays src through a buffer, so that src and
// the returned source can belong to different clocks: the buffer's input
// side is an output, owned by the buffer, that pulls src in src's clock and
// writes into the buffer; the returned source has no children and takes the
// clock of its consumers (pin them with [Assign]).
//
// The buffer is unready until it holds [BufferOptions.Prebuffer] of audio.
// When it runs empty (underflow) it logs it and prebuffers again; when it
// would hold more than [BufferOptions.Max] it drops the oldest data and
// logs it. Track marks and metadata travel with the audio at their exact
// positions; when data is dropped, a track mark and the last metadata of
// the dropped span are kept at the new start, so consumers still see the
// track change and the current metadata.
//
// Every track of src's frames is carried, at its exact positions: audio
// tracks of any name (an audio track missing from a frame is silent
// there), video tracks and packet tracks with their [StreamInfo] (a frame
// the buffer plays holds the packets of one stream per track: it ends
// early where the stream changes). Pictures and packets are kept by
// reference, never copied, so the buffer holds at most Max of them: a
// second of 720p yuv420p video at 25 pictures per second is about 35 MB.
// An overflow drops the same span of every track. When the graph format
// has video and the buffer carries a video track, that span is rounded up
// to a whole number of picture intervals of the graph frame rate (when the
// buffer holds that much), so that pictures on the frame-rate grid stay
// on it: downstream, one picture still comes per interval, with no gap and
// no repeat.
//
// The returned source is fallible. Errors of src are logged by src's clock
// and never reach the consumer. opts may be nil; NewBuffer returns an
// error wrapping [ErrInvalidOption] for invalid options.
func NewBuffer(src Source, opts *BufferOptions) (*Buffer, error) {
	if src == nil {
		return nil, fmt.Errorf("%w: Buffer of a nil source", ErrInvalidOption)
	}
	o := valueOr(opts)
	if o.ID == "" {
		o.ID = "buffer"
	}
	if o.Prebuffer == 0 {
		o.Prebuffer = time.Second
	}
	if o.Max == 0 {
		o.Max = max(10*time.Second, 2*o.Prebuffer)
	}
	switch {
	case o.Prebuffer < 0:
		return nil, fmt.Errorf("%w: buffer %q: negative prebuffer %v", ErrInvalidOption, o.ID, o.Prebuffer)
	case o.Max <= o.Prebuffer:
		return nil, fmt.Errorf("%w: buffer %q: max %v must be larger than prebuffer %v", ErrInvalidOption, o.ID, o.Max, o.Prebuffer)
	}
	b := &Buffer{src: src, opts: o, buffering: true}
	b.in = NewOutput(src, bufferInput{b}, &OutputOptions{ID: o.ID + ".input", Fallible: true})
	b.node = NewNode((*bufferGen)(b), &NodeOptions{ID: o.ID, Fallible: true, Owned: []Source{b.in}})
	return b, nil
}

// Node returns the buffer's graph node.
func (b *Buffer) Node() *Node { return b.node }

// Input returns the output that feeds the buffer in the source's clock.
func (b *Buffer) Input() *Output { return b.in }

// Stats returns the buffer's fill level and counters.
func (b *Buffer) Stats() BufferStats {
	b.mu.Lock()
	defer b.mu.Unlock()
	s := b.stats
	s.Buffering = b.buffering
	if b.rate > 0 {
		s.Buffered = samplesDuration(b.ring.len(), b.rate)
		s.Dropped = samplesDuration(int(b.dropped), b.rate)
	}
	return s
}

func samplesDuration(n, rate int) time.Duration {
	return time.Duration(int64(n) * int64(time.Second) / int64(rate))
}

// bufferGen is the generator of a buffer's node: Buffer's fields with
// the node methods kept out of the public API.
type bufferGen Buffer

// WakeUp allocates the buffer storage (once) and starts prebuffering.
func (b *bufferGen) WakeUp(f *Format) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.rate = f.SampleRate
	b.frameRate = Rational{}
	if f.Video != nil {
		b.frameRate = f.Video.FrameRate
	}
	b.prebuf = f.Samples(b.opts.Prebuffer)
	b.maxLen = max(f.Samples(b.opts.Max), b.prebuf+f.FrameSize())
	b.ring.reserve(f.Channels, b.maxLen)
	b.ring.reset()
	b.buffering = true
	b.overflow = false
	b.awake = true
	b.log = b.opts.Logger
	if b.log == nil {
		b.log = b.node.logger()
	}
	return nil
}

// Sleep empties the buffer; its storage is kept for the next wake-up.
func (b *bufferGen) Sleep() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.awake = false
	b.ring.reset()
	b.buffering = true
}

// Ready reports whether the buffer has data to play: after the prebuffer,
// until it runs empty.
func (b *bufferGen) Ready() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.buffering {
		if b.ring.len() < b.prebuf || b.ring.len() == 0 {
			return false
		}
		b.buffering = false
		b.log.Debug("buffer ready", "source", b.node.id, "buffered", samplesDuration(b.ring.len(), b.rate))
	}
	if b.ring.len() == 0 {
		b.underflow()
		return false
	}
	return true
}

// underflow starts prebuffering again. Call with b.mu held.
func (b *bufferGen) underflow() {
	b.buffering = true
	b.stats.Underflows++
	b.log.Warn("buffer emptied: buffering again", "source", b.node.id, "prebuffer", b.opts.Prebuffer)
}

// Generate plays buffered data.
func (b *bufferGen) Generate(f *Frame) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.buffering {
		return nil
	}
	b.ring.pop(f, f.Free())
	if f.Free() > 0 && b.ring.len() == 0 {
		b.underflow()
	}
	return nil
}

// Skip drops the rest of the current track from the buffer; when the
// buffer holds no track change it also skips the source. Skip is called
// through [Node.Skip].
func (b *bufferGen) Skip() {
	b.mu.Lock()
	m, ok := b.ring.firstMarkAfter(b.ring.head)
	if ok {
		b.ring.drop(int(m - b.ring.head))
	} else {
		b.ring.drop(b.ring.len())
	}
	b.mu.Unlock()
	if !ok {
		b.src.Node().Skip()
	}
}

// write is the input side: it runs in the source's clock.
func (b *Buffer) write(f *Frame) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.awake {
		return
	}
	n := f.Len()
	if over := b.ring.len() + n - b.maxLen; over > 0 {
		k := min(b.dropLen(over), b.ring.len())
		b.ring.dropKeep(k)
		b.dropped += int64(k)
		if !b.overflow {
			b.overflow = true
			b.stats.Overflows++
			b.log.Warn("buffer overrun: dropping the oldest data", "source", b.node.id,
				"dropped", samplesDuration(k, b.rate), "max", b.opts.Max)
		}
		if n > b.maxLen {
			// A frame larger than the whole buffer: keep its end.
			b.ring.push(f, n-b.maxLen, n)
			return
		}
	} else if n > 0 && b.maxLen-(b.ring.len()+n) >= b.dropLen(1)-1 {
		// The episode ends when a frame fits with the room that rounding
		// a drop up may have made to spare.
		b.overflow = false
	}
	b.ring.push(f, 0, n)
}

// dropLen returns how much to drop to make room for over samples: over,
// rounded up to whole picture intervals of the graph frame rate when the
// buffer carries video, so that the pictures kept stay on the grid the
// dropped ones were on. Call with b.mu held.
func (b *Buffer) dropLen(over int) int {
	if b.frameRate.Num <= 0 || b.frameRate.Den <= 0 || !b.ring.hasVideo() {
		return over
	}
	// An interval is den/num samples.
	num, den := int64(b.frameRate.Num), int64(b.frameRate.Den)*int64(b.rate)
	m := (int64(over)*num + den - 1) / den
	return int((m*den + num/2) / num)
}

// bufferInput is the sender of a buffer's input output.
type bufferInput struct{ b *Buffer }

func (s bufferInput) Send(f *Frame) error {
	s.b.write(f)
	return nil
}
