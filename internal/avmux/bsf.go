package avmux

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"

	"github.com/asticode/go-astiav"
	"github.com/onair-go/onair/avlog"
	"github.com/onair-go/onair/internal/av"
)

// What FFmpeg 7.1 already does (AVFMT_FLAG_AUTO_BSF is on by default, and
// the muxers below read the out-of-band extradata that global-header
// encoders produce), checked by the tests of this package:
//
//   - adts: writes an ADTS header per raw AAC packet from the
//     AudioSpecificConfig in the extradata.
//   - mp4/mov/ipod, matroska, flv: store the extradata as esds / CodecPrivate
//     / sequence header; they add aac_adtstoasc for ADTS input, convert Annex B
//     H.264 extradata to avcC and Annex B NAL units to length-prefixed ones.
//   - mpegts: wraps raw AAC in ADTS itself (from the extradata), adds
//     h264_mp4toannexb / hevc_mp4toannexb for length-prefixed (AVCC) input,
//     and puts the Annex B extradata (SPS/PPS) in front of keyframes that
//     lack it.
//   - ogg: builds its header pages from the Opus/Vorbis/FLAC extradata.
//
// What is missing, and added here:
//
//   - H.264/HEVC with Annex B extradata (libx264 opened with the global
//     header flag) to the raw h264/hevc muxers: the packets already have
//     start codes, so the muxer adds no filter, and it writes no
//     extradata, so the SPS/PPS (VPS) never reach the file and no decoder
//     can start ("non-existing PPS 0 referenced"). dump_extra copies the
//     extradata in front of every keyframe.
//
// Only filters that leave timestamps and codec parameters unchanged are
// used, so packets can be rescaled to the stream's time base before
// filtering and the stream keeps the parameters it was given.

// inBand reports whether muxer format needs parameter sets in the
// bitstream and does not put them there itself.
func inBand(format string) bool {
	switch format {
	case "h264", "hevc":
		return true
	}
	return false
}

// bsfSpec names one filter and its options.
type bsfSpec struct {
	name string
	opts map[string]string
}

// filtersFor returns the filters stream parameters cp need for format.
func filtersFor(format string, cp *astiav.CodecParameters) []bsfSpec {
	id := cp.CodecID()
	if (id == astiav.CodecIDH264 || id == astiav.CodecIDHevc) && inBand(format) && isAnnexB(cp.ExtraData()) {
		return []bsfSpec{{name: "dump_extra", opts: map[string]string{"freq": "keyframe"}}}
	}
	return nil
}

// isAnnexB reports whether extradata starts with an Annex B start code
// (as opposed to an avcC/hvcC record, or nothing).
func isAnnexB(extradata []byte) bool {
	return bytes.HasPrefix(extradata, []byte{0, 0, 1}) || bytes.HasPrefix(extradata, []byte{0, 0, 0, 1})
}

// bsfChain runs packets through a list of bitstream filters.
type bsfChain struct {
	ctxs    []*astiav.BitStreamFilterContext
	pkts    []*astiav.Packet // output packet of each filter
	detachs []func()         // end the routing of each filter's FFmpeg messages
}

// newBSFChain returns the chain format needs for a stream with parameters
// cp and time base tb, or nil when FFmpeg needs no help.
func newBSFChain(format string, cp *astiav.CodecParameters, tb astiav.Rational, log *slog.Logger) (*bsfChain, error) {
	specs := filtersFor(format, cp)
	if len(specs) == 0 {
		return nil, nil
	}
	c := &bsfChain{}
	for _, sp := range specs {
		if err := c.add(sp, cp, tb, log); err != nil {
			c.free()
			return nil, err
		}
		log.Debug("bitstream filter added", "format", format, "codec", cp.CodecID().Name(), "filter", sp.name)
	}
	return c, nil
}

func (c *bsfChain) add(sp bsfSpec, cp *astiav.CodecParameters, tb astiav.Rational, log *slog.Logger) error {
	f := astiav.FindBitStreamFilterByName(sp.name)
	if f == nil {
		return fmt.Errorf("avmux: bitstream filter %q not in this FFmpeg build", sp.name)
	}
	ctx, err := astiav.AllocBitStreamFilterContext(f)
	if err != nil {
		return av.Wrap("av_bsf_alloc", err)
	}
	c.ctxs = append(c.ctxs, ctx)
	c.pkts = append(c.pkts, astiav.AllocPacket())
	c.detachs = append(c.detachs, avlog.Attach(ctx, log))
	for k, v := range sp.opts {
		if err := ctx.PrivateData().Options().Set(k, v, 0); err != nil {
			return av.Wrap("av_opt_set "+sp.name+"."+k, err)
		}
	}
	if err := cp.Copy(ctx.InputCodecParameters()); err != nil {
		return av.Wrap("avcodec_parameters_copy", err)
	}
	ctx.SetInputTimeBase(tb)
	return av.Wrap("av_bsf_init", ctx.Initialize())
}

// filter sends pkt (nil to drain) through the chain and calls emit with
// each packet that comes out. pkt is blank on return.
func (c *bsfChain) filter(pkt *astiav.Packet, emit func(*astiav.Packet) error) error {
	return c.run(0, pkt, emit)
}

func (c *bsfChain) run(i int, pkt *astiav.Packet, emit func(*astiav.Packet) error) error {
	if i == len(c.ctxs) {
		if pkt == nil {
			return nil
		}
		err := emit(pkt)
		pkt.Unref()
		return err
	}
	ctx, out := c.ctxs[i], c.pkts[i]
	err := ctx.SendPacket(pkt)
	if pkt != nil {
		pkt.Unref()
	}
	if err != nil && !errors.Is(err, astiav.ErrEagain) {
		return av.Wrap("av_bsf_send_packet", err)
	}
	for {
		err := ctx.ReceivePacket(out)
		if errors.Is(err, astiav.ErrEagain) || errors.Is(err, astiav.ErrEof) {
			break
		}
		if err != nil {
			return av.Wrap("av_bsf_receive_packet", err)
		}
		if err := c.run(i+1, out, emit); err != nil {
			return err
		}
	}
	if pkt == nil && i+1 < len(c.ctxs) {
		// Drain the next filters too.
		return c.run(i+1, nil, emit)
	}
	return nil
}

func (c *bsfChain) free() {
	for _, ctx := range c.ctxs {
		ctx.Free()
	}
	for _, p := range c.pkts {
		p.Free()
	}
	for _, d := range c.detachs {
		d()
	}
	c.ctxs, c.pkts, c.detachs = nil, nil, nil
}
