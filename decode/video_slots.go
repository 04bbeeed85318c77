package decode

import (
	"math"

	"github.com/asticode/go-astiav"
	"github.com/onair-go/onair"
	"github.com/onair-go/onair/internal/av"
)

// readPacket reads the next packet for the audio decoder; with video,
// the video path shares the demuxer (see video.readAudio).
func (d *decoder) readPacket(pkt *astiav.Packet) error {
	if d.vid == nil || d.vid.st == nil {
		return d.fc.ReadFrame(pkt)
	}
	return d.vid.readAudio(pkt)
}

// pictures appends to dst the pictures of the n samples just read, with
// positions relative to their first sample.
func (d *decoder) pictures(dst []onair.Picture, n int) []onair.Picture {
	if d.vid == nil || n <= 0 {
		return dst
	}
	return d.vid.pictures(dst, d.pos-int64(n), int64(n), d.cueIn)
}

// pictures appends the pictures for file positions [from, from+n): one
// at each slot of the graph frame rate counted from the track start
// (cueIn), plus one at from when a track starts or a seek landed there.
func (v *video) pictures(dst []onair.Picture, from, n, cueIn int64) []onair.Picture {
	end := from + n
	if v.first {
		v.first = false
		dst = v.emit(dst, from, from)
		v.slot = v.slotAfter(from, cueIn)
	}
	if !v.active() {
		return dst // the picture stays as it is: consumers repeat it
	}
	for {
		sp := v.slotPos(v.slot, cueIn)
		if sp >= end {
			return dst
		}
		if sp >= from {
			dst = v.emit(dst, sp, from)
		}
		v.slot++
	}
}

func (v *video) emit(dst []onair.Picture, at, from int64) []onair.Picture {
	v.fill(at + v.half)
	p := v.pick(at)
	p.Pos = int(at - from)
	return append(dst, p)
}

// pick returns the picture on screen at file position p.
func (v *video) pick(p int64) onair.Picture {
	lim := p + v.half
	for len(v.queue) >= 2 && v.queue[1].pos <= lim {
		v.recycle(v.queue[0].f)
		v.queue = v.queue[:copy(v.queue, v.queue[1:])]
	}
	if len(v.queue) > 0 && v.queue[0].pos <= lim {
		q := v.queue[0]
		if q.id != v.lastID {
			pic, err := v.sc.scale(q.f)
			if err != nil {
				v.fail(err)
				return v.current()
			}
			v.last, v.lastID = pic, q.id
		}
		return v.last
	}
	return v.current()
}

// current is the picture shown when no decoded picture is due: the last
// one, or black before the first.
func (v *video) current() onair.Picture {
	if v.lastID != 0 {
		return v.last
	}
	if v.black == nil {
		b, err := v.sc.black()
		if err != nil {
			// Only allocation can fail here; an empty picture of the right
			// size keeps the track playing.
			b = onair.Picture{Width: v.sc.width, Height: v.sc.height, PixelFormat: v.sc.name}
		}
		v.black = &b
	}
	return *v.black
}

// slotPos is the file position of track slot k.
func (v *video) slotPos(k, cueIn int64) int64 { return cueIn + k*v.rate*v.den/v.num }

// slotAfter returns the first track slot after file position p.
func (v *video) slotAfter(p, cueIn int64) int64 {
	k := max(0, (p-cueIn)*v.num/(v.rate*v.den))
	for v.slotPos(k, cueIn) <= p {
		k++
	}
	return k
}

// seekPoint returns the stream and timestamp a seek to file position abs
// uses: the video stream when there is one, so that the seek lands on a
// keyframe at or before the target (the audio drops what precedes it).
func (v *video) seekPoint(index int, ts, abs int64) (int, int64) {
	if !v.active() {
		return index, ts
	}
	sec := float64(abs)/float64(v.rate) + v.origin
	return v.st.Index(), int64(math.Floor(sec * v.tbDen / v.tbNum))
}

// reset forgets what was read and decoded, after a seek.
func (v *video) reset() {
	v.dropPackets(&v.vpkts)
	v.dropPackets(&v.apkts)
	v.dropFrames()
	if v.cc != nil {
		av.FlushDecoder(v.cc)
	}
	v.demuxEOF, v.sentEOF, v.decEOF = false, false, false
	v.bad = 0
	v.lastPos = 0
	v.first = true
}

// packet returns a free packet.
func (v *video) packet() *astiav.Packet {
	if n := len(v.pkts); n > 0 {
		p := v.pkts[n-1]
		v.pkts = v.pkts[:n-1]
		return p
	}
	return astiav.AllocPacket()
}

// hold moves pkt's reference into a packet of the read-ahead queues.
func (v *video) hold(pkt *astiav.Packet) *astiav.Packet {
	q := v.packet()
	q.MoveRef(pkt)
	return q
}

func (v *video) dropPackets(l *[]*astiav.Packet) {
	for _, p := range *l {
		p.Unref()
		v.pkts = append(v.pkts, p)
	}
	clear(*l)
	*l = (*l)[:0]
}

// frame returns a free, empty frame.
func (v *video) frame() *astiav.Frame {
	if n := len(v.frames); n > 0 {
		f := v.frames[n-1]
		v.frames = v.frames[:n-1]
		return f
	}
	return astiav.AllocFrame()
}

func (v *video) recycle(f *astiav.Frame) {
	f.Unref()
	v.frames = append(v.frames, f)
}

func (v *video) dropFrames() {
	for _, q := range v.queue {
		v.recycle(q.f)
	}
	clear(v.queue)
	v.queue = v.queue[:0]
}

// closeCodec frees the decoder (the video then plays black or frozen).
func (v *video) closeCodec() {
	v.st = nil
	if v.cc != nil {
		// go-astiav keeps get_format callbacks in a global map keyed by
		// context: remove ours before the context goes.
		v.cc.SetPixelFormatCallback(nil)
		v.cc.Free()
		v.cc = nil
	}
	if v.detachLog != nil {
		v.detachLog()
		v.detachLog = nil
	}
}

// close frees everything. It is idempotent.
func (v *video) close() {
	if v == nil {
		return
	}
	v.dropPackets(&v.vpkts)
	v.dropPackets(&v.apkts)
	v.dropFrames()
	for _, p := range v.pkts {
		p.Free()
	}
	v.pkts = nil
	for _, f := range v.frames {
		f.Free()
	}
	v.frames = nil
	if v.in != nil {
		v.in.Free()
		v.in = nil
	}
	v.closeCodec()
	v.sc.close()
}
