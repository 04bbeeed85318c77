package hls

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"

	"github.com/asticode/go-astiav"
	"github.com/onair-go/onair"
	"github.com/onair-go/onair/internal/avmux"
	"github.com/onair-go/onair/mux"
)

// track is one encoded track of the source that at least one variant
// copies. Its timestamps are mapped once onto the output timeline, so
// that every variant copying it writes the same timestamps.
type track struct {
	name  string
	info  *onair.StreamInfo
	tb    onair.Rational
	video bool
	frame int64 // one codec frame in tb (audio), 0 if unknown
	uses  []use

	shift   int64 // added to the encoder's timestamps: a continuous timeline across new streams
	next    int64 // continuous end of the last packet
	hasNext bool
	passed  bool // reached the cut in progress (see segmenter.handle)
	holding bool // packets held while the cut time is not known yet
}

// use is one variant stream that copies a track.
type use struct {
	v *variant
	i int // stream index in the variant's muxer
}

func (t *track) setInfo(info *onair.StreamInfo) {
	t.info, t.tb = info, info.TimeBase
	t.video = info.MediaType == onair.VideoTrack
	t.frame = 0
	if cp, ok := info.Params.(*astiav.CodecParameters); ok && cp != nil && cp.FrameSize() > 0 && info.SampleRate > 0 {
		t.frame = astiav.RescaleQ(int64(cp.FrameSize()), astiav.NewRational(1, info.SampleRate), rat(info.TimeBase))
	}
}

// compatible reports whether packets of stream b can go on in a container
// set up for stream a.
func compatible(a, b *onair.StreamInfo) bool {
	return a.Codec == b.Codec && a.MediaType == b.MediaType && a.SampleRate == b.SampleRate &&
		a.Channels == b.Channels && a.Width == b.Width && a.Height == b.Height && bytes.Equal(a.Extradata, b.Extradata)
}

// variant is the muxing state of one rendition: a muxer that lives from
// one (re)start to the next, cut into segments.
type variant struct {
	spec   Variant
	index  int
	tracks []*track
	log    *slog.Logger

	m    *avmux.Muxer
	w    segWriter
	data bool // packets written since the last cut

	init        []byte // fMP4 initialization section of m
	initName    string
	initPending bool // init not yet handed to the writer
	disc        bool // the next segment starts a discontinuity

	keyed   []bool  // per stream: a keyframe was written (video)
	last    []int64 // per stream: last DTS written
	hasLast []bool
}

// segWriter collects what a muxer writes: the bytes of one segment.
type segWriter struct{ buf []byte }

func (w *segWriter) Write(p []byte) (int, error) {
	w.buf = append(w.buf, p...)
	return len(p), nil
}

// take returns the bytes written so far and starts a new buffer (the
// returned slice goes to the writer goroutine).
func (w *segWriter) take() []byte {
	b := w.buf
	w.buf = make([]byte, 0, len(b)+len(b)/8)
	return b
}

// Muxer options. MPEG-TS: FFmpeg's command-line muxing delay (audio
// frames gathered into PES packets of up to 0.35 s), PAT/PMT once per
// segment (Cut resends them). Fragmented MP4: one fragment per Cut, the
// empty moov written by the header being the initialization section, and
// absolute timestamps in tfdt (frag_discont without edit lists), so that
// segments of every variant carry the output timeline. Neither shifts
// timestamps on its own (they are never negative).
var (
	tsOptions = map[string]string{
		"max_delay": "700000", "pat_period": "3600", "sdt_period": "3600", "avoid_negative_ts": "disabled",
	}
	fmp4Options = map[string]string{
		"movflags":     "frag_custom+empty_moov+default_base_moof+frag_discont+skip_trailer",
		"use_editlist": "0", "avoid_negative_ts": "disabled",
	}
)

// tsDelayMicros is what the MPEG-TS muxer adds to every timestamp (twice
// max_delay): fMP4 variants get it too, so that variants of both
// containers share one timeline, as RFC 8216 §6.2.4 requires.
const tsDelayMicros = 1400000

// open starts the variant's muxer; seq names the initialization section
// of an fMP4 variant.
func (v *variant) open(seq int64) error {
	format, opts := "mpegts", tsOptions
	if v.spec.Container == FMP4 {
		format, opts = "mp4", fmp4Options
	}
	m, err := avmux.NewWriter(&v.w, format, &avmux.Options{MuxerOptions: opts, Logger: v.log})
	if err != nil {
		return err
	}
	for _, t := range v.tracks {
		if _, err := m.AddStream(t.info); err != nil {
			return errors.Join(fmt.Errorf("hls: variant %q: track %q: %w", v.spec.Name, t.name, err), m.Close())
		}
	}
	if err := m.WriteHeader(); err != nil {
		return errors.Join(fmt.Errorf("hls: variant %q: %w", v.spec.Name, err), m.Close())
	}
	if err := m.Flush(); err != nil {
		return errors.Join(err, m.Close())
	}
	v.m = m
	n := len(v.tracks)
	v.keyed, v.last, v.hasLast = make([]bool, n), make([]int64, n), make([]bool, n)
	if v.spec.Container == FMP4 {
		// A new muxer for the same streams writes the same init: keep
		// the one players have, so that no EXT-X-MAP change is needed.
		if init := v.w.take(); v.init == nil || !bytes.Equal(init, v.init) {
			v.init = init
			v.initName = fmt.Sprintf("%s_init%d.mp4", v.spec.Name, seq)
			v.initPending = true
		}
	}
	return nil
}

// write writes one packet of stream i of track t, with timestamps in tb;
// seq names the initialization section when the muxer opens.
func (v *variant) write(i int, t *track, tb onair.Rational, p onair.Packet, seq int64) error {
	if v.m == nil {
		if err := v.open(seq); err != nil {
			return err
		}
	}
	if t.video && !v.keyed[i] {
		if !p.Key {
			return nil // a decoder cannot start before a keyframe
		}
		v.keyed[i] = true
	}
	if v.spec.Container == FMP4 {
		d := astiav.RescaleQ(tsDelayMicros, astiav.NewRational(1, 1000000), rat(tb))
		p.PTS += d
		p.DTS += d
	}
	if v.hasLast[i] && p.DTS <= v.last[i] {
		v.log.Warn("dropping packet with non-monotonic DTS", "variant", v.spec.Name, "track", t.name, "dts", p.DTS, "last", v.last[i])
		return nil
	}
	v.last[i], v.hasLast[i] = p.DTS, true
	v.data = true
	return v.m.WritePacket(i, p, tb)
}

// cut ends the current segment and returns its bytes (nil when the
// variant wrote nothing since the last cut).
func (v *variant) cut() ([]byte, error) {
	if v.m == nil || !v.data {
		return nil, nil
	}
	err := v.m.Cut()
	v.data = false
	b := v.w.take()
	if err != nil {
		return nil, fmt.Errorf("hls: variant %q: %w", v.spec.Name, err)
	}
	return b, nil
}

// close drops the muxer (what it still holds was cut before; the trailer
// is not part of any segment).
func (v *variant) close() {
	if v.m == nil {
		return
	}
	if err := v.m.Close(); err != nil {
		v.log.Debug("closing muxer", "variant", v.spec.Name, "err", err)
	}
	v.m = nil
	v.w.buf = v.w.buf[:0]
	v.data = false
}

// resolveTracks maps the variants' copied tracks to the tracks of frame
// f. It reports false (and no error) while a copied track has not
// appeared yet with its stream parameters.
func resolveTracks(cfg *config, f *onair.Frame, warned *bool) ([]*track, []*variant, error) {
	var tracks []*track
	var variants []*variant
	byName := map[string]*track{}
	for vi, spec := range cfg.variants {
		v := &variant{spec: spec, index: vi, log: cfg.log}
		for _, sel := range spec.Tracks {
			if sel.Action != mux.Copy {
				continue
			}
			ft := f.Track(sel.Name)
			if ft != nil && ft.Kind != onair.PacketTrack {
				return nil, nil, fmt.Errorf("hls: variant %q: %w: track %q holds %v, not encoded packets (encode it first)", spec.Name, mux.ErrTrack, sel.Name, ft.Kind)
			}
			if ft == nil || ft.Stream == nil {
				if !*warned {
					*warned = true
					cfg.log.Warn("waiting for a selected track", "output", cfg.ID, "variant", spec.Name, "track", sel.Name)
				}
				return nil, nil, nil
			}
			t := byName[sel.Name]
			if t == nil {
				t = &track{name: sel.Name}
				t.setInfo(ft.Stream)
				byName[sel.Name] = t
				tracks = append(tracks, t)
			}
			t.uses = append(t.uses, use{v: v, i: len(v.tracks)})
			v.tracks = append(v.tracks, t)
		}
		variants = append(variants, v)
	}
	return tracks, variants, nil
}

// describe returns what the master playlist says of v.
func (v *variant) describe() variantInfo {
	vi := variantInfo{name: v.spec.Name, container: v.spec.Container, bandwidth: v.spec.Bandwidth, codecs: v.spec.Codecs}
	infos := make([]*onair.StreamInfo, len(v.tracks))
	for i, t := range v.tracks {
		infos[i] = t.info
		vi.bitRate += t.info.BitRate
		if t.video && vi.width == 0 {
			vi.width, vi.height = t.info.Width, t.info.Height
			vi.frameRate = t.info.FrameRate.Float()
		}
	}
	if vi.codecs == "" {
		c, err := variantCodecs(infos)
		if err != nil {
			v.log.Warn("CODECS left out of the master playlist", "variant", v.spec.Name, "err", err)
		}
		vi.codecs = c
	}
	return vi
}

func rat(r onair.Rational) astiav.Rational { return astiav.NewRational(r.Num, r.Den) }
