package decode

// Reading a decoder: packets in, frames out, converted to the graph's
// format and delivered sample by sample (see decoder in decoder.go).

import (
	"errors"
	"fmt"
	"io"

	"github.com/asticode/go-astiav"
	"github.com/onair-go/onair/internal/av"
)

// read fills dst (one slice per channel, all of the same length) from the
// current position and returns the number of samples written. It returns
// io.EOF (with n possibly > 0) at the end of the track. With a trimmer it
// may return fewer samples than asked, even 0, before the end.
func (d *decoder) read(dst [][]float32) (int, error) {
	if d.trim != nil {
		return d.trim.read(d, dst)
	}
	return d.readRaw(dst)
}

// readRaw is read without the trimmer.
func (d *decoder) readRaw(dst [][]float32) (int, error) {
	want := len(dst[0])
	n := 0
	for n < want {
		if d.end > 0 && d.pos >= d.end {
			return n, io.EOF
		}
		avail := d.out.NbSamples() - d.off
		if avail <= 0 {
			if err := d.next(); err != nil {
				return n, err
			}
			continue
		}
		if d.drop > 0 {
			k := int(min(int64(avail), d.drop))
			d.off += k
			d.drop -= int64(k)
			d.pos += int64(k)
			continue
		}
		k := min(avail, want-n)
		if d.end > 0 {
			k = int(min(int64(k), d.end-d.pos))
		}
		for c := range dst {
			copy(dst[c][n:n+k], av.Float32Plane(d.out, c)[d.off:d.off+k])
		}
		d.off += k
		d.pos += int64(k)
		n += k
	}
	return n, nil
}

// next decodes and converts the next frame into d.out.
func (d *decoder) next() error {
	d.off = 0
	for spins := 0; ; spins++ {
		if spins > maxSpins {
			return &PathError{Op: "decode", Path: d.path, Err: errors.New("decoder makes no progress")}
		}
		if d.decEOF {
			// Drain the resampler.
			if err := d.convert(nil); err != nil {
				return err
			}
			if d.out.NbSamples() > 0 {
				return nil
			}
			return io.EOF
		}
		err := d.cc.ReceiveFrame(d.in)
		switch {
		case err == nil:
			d.bad = 0
			if r := d.in.SampleRate(); r < minRate || r > maxRate {
				d.in.Unref()
				return &PathError{Op: "decode", Path: d.path, Err: fmt.Errorf("%w: sample rate %d Hz", ErrUnsupportedCodec, r)}
			}
			if d.resync {
				d.resyncFrom(d.in)
			}
			err := d.convert(d.in)
			d.in.Unref()
			if err != nil {
				return err
			}
			if d.out.NbSamples() > 0 {
				return nil
			}
		case errors.Is(err, astiav.ErrEof):
			d.decEOF = true
		case errors.Is(err, astiav.ErrEagain):
			if err := d.feed(); err != nil {
				return err
			}
		default:
			if d.bad++; d.bad > maxBadPackets {
				return &PathError{Op: "decode", Path: d.path, Err: av.Wrap("avcodec_receive_frame", err)}
			}
		}
	}
}

// feed sends the next packet of the audio stream to the decoder.
func (d *decoder) feed() error {
	if d.demuxEOF {
		return &PathError{Op: "decode", Path: d.path, Err: errors.New("decoder wants input after the end")}
	}
	for !d.sendAgain {
		err := d.readPacket(d.packet)
		if errors.Is(err, astiav.ErrEof) {
			d.demuxEOF = true
			if err := d.cc.SendPacket(nil); err != nil && !errors.Is(err, astiav.ErrEof) {
				return &PathError{Op: "decode", Path: d.path, Err: av.Wrap("avcodec_send_packet", err)}
			}
			return nil
		}
		if err != nil {
			return &PathError{Op: "read", Path: d.path, Err: av.Wrap("av_read_frame", err)}
		}
		if d.packet.StreamIndex() == d.st.Index() {
			if d.onPacket != nil {
				d.onPacket(d.packet.Pos())
			}
			d.sendAgain = true
			break
		}
		d.packet.Unref()
	}
	err := d.cc.SendPacket(d.packet)
	if errors.Is(err, astiav.ErrEagain) {
		return nil // receive first, send the same packet again
	}
	d.sendAgain = false
	d.packet.Unref()
	if err != nil {
		if d.bad++; d.bad > maxBadPackets {
			return &PathError{Op: "decode", Path: d.path, Err: av.Wrap("avcodec_send_packet", err)}
		}
	}
	return nil
}

// resyncFrom sets the position from a frame's timestamp after a seek.
func (d *decoder) resyncFrom(fr *astiav.Frame) {
	d.resync = false
	target := d.pos
	pts := fr.Pts()
	if pts == astiav.NoPtsValue {
		return
	}
	if start := d.st.StartTime(); start != astiav.NoPtsValue {
		pts -= start
	}
	tb := d.st.TimeBase()
	at := rescale(pts, int64(tb.Num())*int64(d.rate), int64(tb.Den()))
	if at < target {
		d.pos = at
		d.drop = target - at
	}
}

// convert resamples in (nil to drain) into d.out.
func (d *decoder) convert(in *astiav.Frame) error {
	need := 4096
	if in != nil && in.SampleRate() > 0 {
		need = int(int64(in.NbSamples())*int64(d.rate)/int64(in.SampleRate())) + 256
	}
	if d.swrReady {
		need += int(d.swr.Delay(int64(d.rate)))
	}
	if need > d.outCap {
		if err := d.allocOut(max(need, 8192)); err != nil {
			return err
		}
	}
	d.out.SetNbSamples(d.outCap)
	if in != nil {
		defaultLayout(in, d.describe[:])
	}
	err := d.swr.ConvertFrame(in, d.out)
	if err == nil && in != nil {
		d.swrReady = true
	}
	if errors.Is(err, astiav.ErrInputChanged) && in != nil {
		// The stream changed format midway: start a new resampler.
		d.swrReady = false
		d.swr.Free()
		d.swr = astiav.AllocSoftwareResampleContext()
		d.out.SetNbSamples(d.outCap)
		err = d.swr.ConvertFrame(in, d.out)
		d.swrReady = err == nil
	}
	if err != nil {
		if in == nil {
			d.out.SetNbSamples(0)
			return nil // nothing to drain (resampler never configured)
		}
		return &PathError{Op: "resample", Path: d.path, Err: av.Wrap("swr_convert_frame", err)}
	}
	return nil
}

func (d *decoder) allocOut(n int) error {
	d.out.Unref()
	d.out.SetChannelLayout(d.layout)
	d.out.SetSampleFormat(astiav.SampleFormatFltp)
	d.out.SetSampleRate(d.rate)
	d.out.SetNbSamples(n)
	if err := d.out.AllocBuffer(0); err != nil {
		d.outCap = 0
		return &PathError{Op: "resample", Path: d.path, Err: av.Wrap("av_frame_get_buffer", err)}
	}
	d.outCap = n
	return nil
}
