package decode

import (
	"math"
	"time"
)

// The silence that TrimSilence cuts: samples below SilenceLevel dBFS on
// every channel, at the start of a track (however long) and at its end
// (up to MaxTrimmedTail; a longer silence is kept, as a quiet passage).
const (
	SilenceLevel   = -60.0
	MaxTrimmedTail = 2 * time.Second
)

// trimmer cuts the silence at the edges of a track as the decoder reads
// it: a decoder with one delivers only the samples from the first sound
// to the last. Leading silence is dropped as it is read. A silent run
// after a sound is held back until more sound follows it (it is then
// delivered) or the track ends (it is then dropped); a run longer than
// maxTail is delivered instead, and so is the rest of it.
type trimmer struct {
	level   float32 // samples below it on every channel are silent
	maxTail int     // the longest silent run held back, in samples
	lead    bool    // still at the start: silence is dropped
	leadCut int64   // samples dropped at the start
	tailCut int64   // samples dropped at the end
	q       [][]float32
	ready   int   // q[:ready] is to be delivered; q[ready:] is a silent run held back
	keep    bool  // the current silent run is longer than maxTail: deliver it
	end     error // what ended the raw read (io.EOF or an error), returned once q is done
	scratch [][]float32
}

func newTrimmer(channels, rate int) *trimmer {
	return &trimmer{
		level:   float32(math.Pow(10, SilenceLevel/20)),
		maxTail: int(int64(rate) * int64(MaxTrimmedTail) / int64(time.Second)),
		lead:    true,
		q:       make([][]float32, channels),
		scratch: make([][]float32, channels),
	}
}

// trimReads bounds the raw reads of one trimmed read, so that a long
// silence being dropped does not keep the helper goroutine from its
// requests (a read may then return 0 samples and no error).
const trimReads = 8

// read fills dst as decoder.read does, with the silence cut.
func (t *trimmer) read(d *decoder, dst [][]float32) (int, error) {
	want := len(dst[0])
	n := 0
	for reads := 0; n < want; {
		if t.ready > 0 {
			k := min(t.ready, want-n)
			for c := range dst {
				copy(dst[c][n:n+k], t.q[c][:k])
				t.q[c] = t.q[c][:copy(t.q[c], t.q[c][k:])]
			}
			t.ready -= k
			n += k
			continue
		}
		if t.end != nil {
			t.tailCut += int64(len(t.q[0]))
			for c := range t.q {
				t.q[c] = t.q[c][:0]
			}
			return n, t.end
		}
		if reads == trimReads {
			return n, nil
		}
		reads++
		for c := range t.scratch {
			if cap(t.scratch[c]) < want {
				t.scratch[c] = make([]float32, want)
			}
			t.scratch[c] = t.scratch[c][:want]
		}
		k, err := d.readRaw(t.scratch)
		t.push(k)
		if err != nil {
			t.end = err
		}
	}
	return n, nil
}

// push takes the first k samples of the scratch buffer.
func (t *trimmer) push(k int) {
	s := t.scratch
	i := 0
	if t.lead {
		for i < k && t.silent(s, i) {
			i++
		}
		t.leadCut += int64(i)
		if i == k {
			return
		}
		t.lead = false
	}
	last := k - 1
	for last >= i && t.silent(s, last) {
		last--
	}
	for c := range t.q {
		t.q[c] = append(t.q[c], s[c][i:k]...)
	}
	switch {
	case last >= i: // sound: what precedes it is delivered, a new run starts after it
		t.ready = len(t.q[0]) - (k - 1 - last)
		t.keep = false
	case t.keep:
		t.ready = len(t.q[0])
	}
	if len(t.q[0])-t.ready > t.maxTail {
		t.ready = len(t.q[0])
		t.keep = true
	}
}

// silent reports whether sample j is below the level on every channel.
func (t *trimmer) silent(s [][]float32, j int) bool {
	for c := range s {
		if v := s[c][j]; v >= t.level || v <= -t.level {
			return false
		}
	}
	return true
}

// pending returns the samples read from the file and not yet delivered
// or dropped.
func (t *trimmer) pending() int64 { return int64(len(t.q[0])) }

// reset forgets what was read, after a seek: the track goes on from the
// seek point as it is, without cutting a new leading silence.
func (t *trimmer) reset() {
	for c := range t.q {
		t.q[c] = t.q[c][:0]
	}
	t.ready, t.keep, t.end, t.lead, t.tailCut = 0, false, nil, false, 0
}
