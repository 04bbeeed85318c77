package onair

import (
	"slices"
	"sort"
)

// This file holds what a transition does with the tracks other than the
// main audio (extra audio tracks, video, packets), and the regridding of
// a Crossfader's main video onto the graph frame rate.

// xfPair is a track other than the main audio that one or both sides of a
// transition hold (a or b is nil where a side lacks it).
type xfPair struct {
	name string
	kind TrackKind
	a, b *xfExtra
}

// pairUp lists the tracks of both sides by name. A name that the two
// sides use for tracks of different kinds keeps the ending side's.
func (m *xfMix) pairUp() {
	for i := range m.a.extras {
		if e := &m.a.extras[i]; e.used {
			m.pairs = append(m.pairs, xfPair{name: e.name, kind: e.kind, a: e})
		}
	}
	for i := range m.b.extras {
		e := &m.b.extras[i]
		if !e.used {
			continue
		}
		j := slices.IndexFunc(m.pairs, func(p xfPair) bool { return p.name == e.name })
		switch {
		case j < 0:
			m.pairs = append(m.pairs, xfPair{name: e.name, kind: e.kind, b: e})
		case m.pairs[j].kind == e.kind:
			m.pairs[j].b = e
		}
	}
}

// extras writes output positions [m.pos, m.pos+n) of the other tracks to
// f at base (f was extended by n already).
func (m *xfMix) extras(f *Frame, base, n int) {
	for i := range m.pairs {
		p := &m.pairs[i]
		switch p.kind {
		case AudioTrack:
			var a, b [][]float32
			ch := 0
			if p.a != nil {
				a, ch = p.a.audio, len(p.a.audio)
			}
			if p.b != nil {
				b, ch = p.b.audio, max(ch, len(p.b.audio))
			}
			if dt := outTrack(f, p.name, AudioTrack, ch); dt != nil {
				m.mix(dt.Audio, base, n, a, b)
			}
		case VideoTrack:
			m.video(f, p, base, n)
		case PacketTrack:
			m.packets(f, p, base, n)
		}
	}
}

// packetLimit returns how many of the next n output samples can go into
// f with the packets of one stream per packet track: it stops before the
// first packet of the starting side whose stream differs from that of
// the packets f holds or of the first ones it takes.
func (m *xfMix) packetLimit(f *Frame, n int) int {
	for i := range m.pairs {
		p := &m.pairs[i]
		if p.kind != PacketTrack || p.b == nil {
			continue
		}
		var cur *StreamInfo
		if dt := f.Track(p.name); dt != nil && len(dt.Packets) > 0 {
			cur = dt.Stream
		}
		for _, pk := range p.b.pkts {
			t := m.offB + pk.p.Pos
			if t < m.pos || pk.s == nil {
				continue
			}
			if t >= m.pos+n {
				break
			}
			if cur == nil {
				cur = pk.s
			} else if pk.s != cur {
				n = t - m.pos
				break
			}
		}
	}
	return n
}

// packets passes the starting side's packets: the ending track's stop
// where the transition starts.
func (m *xfMix) packets(f *Frame, p *xfPair, base, n int) {
	if p.b == nil {
		return
	}
	var dt *Track
	for _, pk := range p.b.pkts {
		t := m.offB + pk.p.Pos
		if t < m.pos || t >= m.pos+n {
			continue
		}
		if dt == nil {
			if dt = outTrack(f, p.name, PacketTrack, 0); dt == nil {
				return
			}
		}
		if pk.s != nil {
			dt.Stream = pk.s
		}
		pk.p.Pos = base + t - m.pos
		dt.Packets = append(dt.Packets, pk.p)
	}
}

// weight returns the weight of the starting side's picture at output
// position t: 0 before the two sides overlap, rising linearly over the
// overlap, 1 after it (and from the start of the starting side when they
// do not overlap).
func (m *xfMix) weight(t int) float64 {
	s, e := m.offB, min(m.a.n, m.offB+m.b.n)
	switch {
	case t < s:
		return 0
	case t >= e:
		return 1
	}
	return float64(t-s) / float64(e-s)
}

// video writes the pictures of a video track for output positions
// [m.pos, m.pos+n). Pictures come where the sides have them: the
// starting side's over its span, the ending side's elsewhere (a side
// without pictures leaves them all to the other). Each is the blend of
// the two sides' pictures on screen at that moment, by weight.
func (m *xfMix) video(f *Frame, p *xfPair, base, n int) {
	var a, b []Picture
	if p.a != nil {
		a = p.a.pics
	}
	if p.b != nil {
		b = p.b.pics
	}
	if len(a) == 0 && len(b) == 0 {
		return
	}
	dt := outTrack(f, p.name, VideoTrack, 0)
	if dt == nil {
		return
	}
	from, to := m.pos, m.pos+n
	bStart, bEnd := m.offB, m.offB+m.b.n
	emit := func(t int) {
		pic := m.compose(a, b, t)
		pic.Pos = base + t - from
		dt.Pictures = append(dt.Pictures, pic)
	}
	for _, pa := range a {
		if t := pa.Pos; t >= from && t < to && (len(b) == 0 || t < bStart) {
			emit(t)
		}
	}
	for _, pb := range b {
		if t := m.offB + pb.Pos; t >= from && t < to {
			emit(t)
		}
	}
	if len(b) > 0 {
		for _, pa := range a {
			if t := pa.Pos; t >= from && t < to && t >= bEnd {
				emit(t)
			}
		}
	}
}

// compose returns the picture on screen at output position t: the
// ending side's, the starting side's, or their blend.
func (m *xfMix) compose(a, b []Picture, t int) Picture {
	switch {
	case len(b) == 0:
		return onScreen(a, t)
	case len(a) == 0:
		return onScreen(b, t-m.offB)
	}
	return blendPictures(onScreen(a, t), onScreen(b, t-m.offB), m.weight(t))
}

// onScreen returns the last picture of pics at or before position t (the
// first one before it starts). pics is not empty.
func onScreen(pics []Picture, t int) Picture {
	i := sort.Search(len(pics), func(i int) bool { return pics[i].Pos > t })
	return pics[max(i-1, 0)]
}

// blendPictures returns (1-w)·a + w·b, plane by plane, in new memory: a
// linear blend when the two pictures have the same layout in a pixel
// format of 8-bit components (see blendable), and otherwise a hard cut
// (a below w = 1/2, b from it).
func blendPictures(a, b Picture, w float64) Picture {
	wi := int(w*256 + 0.5)
	switch {
	case wi <= 0:
		return a
	case wi >= 256:
		return b
	case !sameLayout(&a, &b):
		if wi < 128 {
			return a
		}
		return b
	}
	total := 0
	for _, pl := range a.Planes {
		total += len(pl)
	}
	buf := make([]byte, total)
	out := a
	for i, pa := range a.Planes {
		if pa == nil {
			continue
		}
		pb := b.Planes[i]
		dst := buf[:len(pa):len(pa)]
		buf = buf[len(pa):]
		for k := range dst {
			dst[k] = byte((int(pa[k])*(256-wi) + int(pb[k])*wi + 128) >> 8)
		}
		out.Planes[i] = dst
	}
	return out
}

// sameLayout reports whether a and b can be blended byte by byte.
func sameLayout(a, b *Picture) bool {
	if a.Width != b.Width || a.Height != b.Height || a.PixelFormat != b.PixelFormat || a.Strides != b.Strides || !blendable(a.PixelFormat) {
		return false
	}
	for i := range a.Planes {
		if len(a.Planes[i]) != len(b.Planes[i]) {
			return false
		}
	}
	return true
}

// blendable reports whether every byte of a picture in pixel format pf
// is one 8-bit component, so that blending bytes blends pixels.
func blendable(pf string) bool {
	switch pf {
	case "yuv420p", "yuvj420p", "yuv422p", "yuvj422p", "yuv444p", "yuvj444p", "yuv440p", "yuvj440p",
		"yuv411p", "yuv410p", "yuva420p", "yuva422p", "yuva444p", "gray", "nv12", "nv21", "nv16", "nv24",
		"gbrp", "gbrap", "rgb24", "bgr24", "rgba", "bgra", "argb", "abgr", "rgb0", "bgr0", "0rgb", "0bgr":
		return true
	}
	return false
}
