package listen

import "encoding/binary"

// A framer follows a container's byte stream as the muxer writes it, in
// chunks of any size, and reports the offsets where a new listener can
// start: the start of an MP3 or ADTS frame, an MPEG-TS packet carrying the
// PAT, an Ogg page that starts a packet. For Ogg it also captures the
// header pages of each logical stream, which a listener starting later
// needs first. A framer runs on the clock goroutine only.
type framer interface {
	// feed scans p, the bytes of the stream from offset off on, and appends
	// what it found to ev.
	feed(p []byte, off int64, ev []event) []event
}

// event is a boundary found in the stream.
type event struct {
	off int64
	// bos marks the start of an Ogg logical stream (its header pages
	// follow): a listener starting here needs no header prefix.
	bos bool
	// header, when not nil, is a copy of the header pages of the Ogg
	// logical stream that started at off; it is final.
	header []byte
}

// minSyncGap is the smallest distance between two recorded start points
// (other than Ogg stream starts): listeners start within this many bytes
// of their burst target, and the list of start points stays short.
const minSyncGap = 1024

// newFramer returns the framer for an FFmpeg muxer name, or nil when the
// format is not one the server can start listeners in.
func newFramer(format string) framer {
	switch format {
	case "mp3":
		return &mp3Framer{last: -minSyncGap}
	case "adts":
		return &adtsFramer{last: -minSyncGap}
	case "mpegts":
		return &tsFramer{last: -minSyncGap}
	case "ogg":
		return &oggFramer{last: -minSyncGap}
	}
	return nil
}

// headerScanner collects the first n bytes of each unit (frame, packet,
// page) across chunk boundaries, then skips the rest of the unit. Its
// users set need and, once the bytes are in acc, either skip or resync.
type headerScanner struct {
	acc   [282]byte
	n     int   // bytes in acc
	need  int   // bytes wanted in acc
	skip  int64 // bytes of the current unit still to pass over
	start int64 // stream offset of acc[0]
}

// next feeds bytes until acc holds need bytes. It returns the bytes of p
// consumed and whether acc is complete.
func (h *headerScanner) next(p []byte, off int64) (int, bool) {
	i := 0
	if h.skip > 0 {
		k := int(min(h.skip, int64(len(p))))
		h.skip -= int64(k)
		i = k
		if h.skip > 0 {
			return i, false
		}
	}
	if h.n >= h.need {
		return i, true
	}
	if h.n == 0 {
		h.start = off + int64(i)
	}
	k := copy(h.acc[h.n:h.need], p[i:])
	h.n += k
	return i + k, h.n == h.need
}

// resync drops the first byte of acc (the unit did not parse) so that the
// scan goes on one byte further.
func (h *headerScanner) resync() {
	copy(h.acc[:], h.acc[1:h.n])
	h.n--
	h.start++
}

// unit accepts the unit in acc, of total length size: the rest is skipped.
func (h *headerScanner) unit(size int) {
	h.skip = int64(size - h.n)
	h.n = 0
}

// mp3Framer finds MPEG audio frames, passing over ID3v2 tags (FFmpeg's
// mp3 muxer writes one at the start of every container).
type mp3Framer struct {
	h    headerScanner
	last int64
}

func (f *mp3Framer) feed(p []byte, off int64, ev []event) []event {
	for len(p) > 0 {
		if f.h.need == 0 {
			f.h.need = 4
		}
		k, ok := f.h.next(p, off)
		p, off = p[k:], off+int64(k)
		if !ok {
			continue
		}
		a := f.h.acc[:]
		switch {
		case a[0] == 'I' && a[1] == 'D' && a[2] == '3':
			if f.h.need < 10 {
				f.h.need = 10
				continue
			}
			f.h.need = 4
			if size, ok := id3Size(a[:10]); ok {
				ev = f.mark(ev)
				f.h.unit(size)
			} else {
				f.h.resync()
			}
		default:
			f.h.need = 4
			if size := mp3FrameSize(a[:4]); size > 0 {
				ev = f.mark(ev)
				f.h.unit(size)
			} else {
				f.h.resync()
			}
		}
	}
	return ev
}

func (f *mp3Framer) mark(ev []event) []event {
	if f.h.start-f.last >= minSyncGap {
		f.last = f.h.start
		ev = append(ev, event{off: f.h.start})
	}
	return ev
}

// id3Size returns the total size of the ID3v2 tag whose 10-byte header is
// b.
func id3Size(b []byte) (int, bool) {
	if b[3] == 0xFF || b[4] == 0xFF || (b[6]|b[7]|b[8]|b[9])&0x80 != 0 {
		return 0, false
	}
	size := 10 + (int(b[6])<<21 | int(b[7])<<14 | int(b[8])<<7 | int(b[9]))
	if b[5]&0x10 != 0 {
		size += 10 // footer
	}
	return size, true
}

var mp3Rates = [4][3]int{ // by version (MPEG 2.5, -, 2, 1) then by sample rate index
	{11025, 12000, 8000}, {}, {22050, 24000, 16000}, {44100, 48000, 32000},
}

var mp3BitRates = [5][16]int{ // kbit/s: V1 L1, V1 L2, V1 L3, V2 L1, V2 L2/L3
	{0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448},
	{0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384},
	{0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320},
	{0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256},
	{0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160},
}

// mp3FrameSize returns the length of the MPEG audio frame whose header is
// b, or 0 when b is not a valid header (free-format frames included).
func mp3FrameSize(b []byte) int {
	if b[0] != 0xFF || b[1]&0xE0 != 0xE0 {
		return 0
	}
	ver, layer := int(b[1]>>3)&3, int(b[1]>>1)&3
	bi, si, pad := int(b[2]>>4), int(b[2]>>2)&3, int(b[2]>>1)&1
	if ver == 1 || layer == 0 || bi == 0 || bi == 15 || si == 3 {
		return 0
	}
	sr := mp3Rates[ver][si]
	var table int
	switch {
	case ver == 3:
		table = 3 - layer // layer I -> 0, II -> 1, III -> 2
	case layer == 3:
		table = 3
	default:
		table = 4
	}
	br := mp3BitRates[table][bi] * 1000
	switch {
	case layer == 3: // layer I
		return (12*br/sr + pad) * 4
	case layer == 1 && ver != 3: // layer III, MPEG 2 and 2.5
		return 72*br/sr + pad
	default:
		return 144*br/sr + pad
	}
}

// adtsFramer finds ADTS frames (AAC with 7- or 9-byte headers).
type adtsFramer struct {
	h    headerScanner
	last int64
}

func (f *adtsFramer) feed(p []byte, off int64, ev []event) []event {
	for len(p) > 0 {
		f.h.need = 7
		k, ok := f.h.next(p, off)
		p, off = p[k:], off+int64(k)
		if !ok {
			continue
		}
		a := f.h.acc[:7]
		size := int(a[3]&3)<<11 | int(a[4])<<3 | int(a[5]>>5)
		if a[0] != 0xFF || a[1]&0xF6 != 0xF0 || size < 7 {
			f.h.resync()
			continue
		}
		if f.h.start-f.last >= minSyncGap {
			f.last = f.h.start
			ev = append(ev, event{off: f.h.start})
		}
		f.h.unit(size)
	}
	return ev
}

// tsFramer finds MPEG-TS packets that start a PAT section: a demuxer
// joining there finds the program tables at once. The stream's first
// packet is a start point too.
type tsFramer struct {
	h    headerScanner
	last int64
}

func (f *tsFramer) feed(p []byte, off int64, ev []event) []event {
	for len(p) > 0 {
		f.h.need = 4
		k, ok := f.h.next(p, off)
		p, off = p[k:], off+int64(k)
		if !ok {
			continue
		}
		a := f.h.acc[:4]
		if a[0] != 0x47 {
			f.h.resync()
			continue
		}
		// The stream's first packet (FFmpeg writes the SDT before the PAT)
		// and later packets that start a PAT.
		pid := int(a[1]&0x1F)<<8 | int(a[2])
		if (f.h.start == 0 || pid == 0 && a[1]&0x40 != 0) && f.h.start-f.last >= minSyncGap {
			f.last = f.h.start
			ev = append(ev, event{off: f.h.start})
		}
		f.h.unit(188)
	}
	return ev
}

// maxOggHeader bounds the header pages kept for one Ogg logical stream
// (Vorbis comments may hold cover art). A larger header is not kept:
// listeners then start at the logical stream's first page.
const maxOggHeader = 1 << 20

// oggFramer finds Ogg pages. A logical stream starts with BOS pages and
// header pages (granule position 0, or -1 for a page that ends no
// packet); they are copied so that a listener joining later can get them
// first. Later pages that start with a new packet are start points.
type oggFramer struct {
	h    headerScanner
	last int64

	capturing bool   // inside the header pages of a logical stream
	hdrOK     bool   // hdr holds every header page so far (not too large)
	bos       int64  // offset of the current logical stream's first page
	hdr       []byte // header pages so far
	copyBody  bool   // the body of the current page belongs to hdr
	noHeader  bool   // the current stream's header was too large to keep
}

func (f *oggFramer) feed(p []byte, off int64, ev []event) []event {
	for len(p) > 0 {
		if f.copyBody && f.h.skip > 0 {
			f.keep(p[:min(f.h.skip, int64(len(p)))])
		}
		if f.h.need == 0 {
			f.h.need = 27
		}
		k, ok := f.h.next(p, off)
		p, off = p[k:], off+int64(k)
		if !ok {
			continue
		}
		f.copyBody = false
		a := f.h.acc[:f.h.need]
		if string(a[:4]) != "OggS" || a[4] != 0 {
			f.h.need = 27
			f.h.resync()
			continue
		}
		nseg := int(a[26])
		if f.h.need == 27 && nseg > 0 {
			f.h.need = 27 + nseg
			continue
		}
		body := 0
		for _, s := range a[27 : 27+nseg] {
			body += int(s)
		}
		granule := int64(binary.LittleEndian.Uint64(a[6:14]))
		start, size := f.h.start, 27+nseg+body
		ev = f.page(ev, a, start, a[5], granule)
		f.h.need = 27
		f.h.unit(size)
	}
	return ev
}

// page handles a page starting at start whose header (with its segment
// table) is hdr.
func (f *oggFramer) page(ev []event, hdr []byte, start int64, flags byte, granule int64) []event {
	const continued, bos = 0x01, 0x02
	if flags&bos != 0 && !f.capturing {
		f.capturing, f.hdrOK, f.bos, f.hdr = true, true, start, make([]byte, 0, 8<<10)
		f.last = start
		ev = append(ev, event{off: start, bos: true})
	}
	if f.capturing {
		if flags&bos != 0 || granule == 0 || granule == -1 {
			f.keep(hdr)
			f.copyBody = true
			return ev
		}
		// The first data page: the header is complete.
		f.capturing, f.noHeader = false, !f.hdrOK
		if f.hdrOK {
			ev = append(ev, event{off: f.bos, header: f.hdr})
		}
		f.hdr = nil
	}
	// Without its header, a listener can only start at the stream's BOS.
	if flags&continued == 0 && !f.noHeader && start-f.last >= minSyncGap {
		f.last = start
		ev = append(ev, event{off: start})
	}
	return ev
}

// keep appends b to the header being captured, giving up on headers
// larger than maxOggHeader.
func (f *oggFramer) keep(b []byte) {
	if !f.hdrOK {
		return
	}
	if len(f.hdr)+len(b) > maxOggHeader {
		f.hdrOK, f.hdr = false, nil
		return
	}
	f.hdr = append(f.hdr, b...)
}
