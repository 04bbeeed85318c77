package whip

import "time"

// jitter orders the RTP packets of a publisher by sequence number. A missing
// packet is waited for until a later one has waited delay; then it counts as
// lost (the decoder conceals it). Packets that come after their turn, and
// duplicates, are dropped. It is not safe for concurrent use.
type jitter struct {
	delay   time.Duration
	size    int // most packets held; beyond, the missing one is lost
	next    uint16
	started bool
	held    map[uint16]held

	late, lost uint64 // counters
}

type held struct {
	payload []byte
	at      time.Time
}

// maxJump is a sequence jump taken as a new stream (the publisher
// restarted its sender) rather than a loss.
const maxJump = 1000

func newJitter(delay time.Duration, size int) *jitter {
	return &jitter{delay: delay, size: size, held: map[uint16]held{}}
}

// push adds a packet that arrived at now.
func (j *jitter) push(seq uint16, payload []byte, now time.Time) {
	if !j.started {
		j.started, j.next = true, seq
	}
	d := int16(seq - j.next)
	switch {
	case d > maxJump || d < -maxJump:
		clear(j.held) // a new stream
		j.next = seq
	case d < 0:
		j.late++
		return
	}
	if _, dup := j.held[seq]; dup {
		return
	}
	j.held[seq] = held{payload: payload, at: now}
}

// pop returns the next packet in order when it is there (lost false), or
// reports it lost (lost true, payload nil) when a later packet has waited
// longer than delay or too many are held. ok is false when the next packet
// may still come.
func (j *jitter) pop(now time.Time) (payload []byte, lost, ok bool) {
	if h, found := j.held[j.next]; found {
		delete(j.held, j.next)
		j.next++
		return h.payload, false, true
	}
	if len(j.held) == 0 {
		return nil, false, false
	}
	if len(j.held) < j.size {
		waited := false
		for _, h := range j.held {
			if now.Sub(h.at) >= j.delay {
				waited = true
				break
			}
		}
		if !waited {
			return nil, false, false
		}
	}
	j.next++
	j.lost++
	return nil, true, true
}

// wait returns how long until pop may report a loss (0: nothing held).
func (j *jitter) wait(now time.Time) time.Duration {
	if len(j.held) == 0 {
		return 0
	}
	first := time.Time{}
	for _, h := range j.held {
		if first.IsZero() || h.at.Before(first) {
			first = h.at
		}
	}
	return max(first.Add(j.delay).Sub(now), time.Millisecond)
}
