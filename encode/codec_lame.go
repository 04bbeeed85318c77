package encode

import "github.com/onair-go/onair/internal/av"

// padTail pads the end of a libmp3lame stream with a few samples of
// silence when it would end 1 to tailGap samples past a codec frame
// boundary. LAME's flush always adds a whole frame (1152 samples) of
// delay after the last sample, but FFmpeg's wrapper reckons the delay as
// its initial padding (1105 samples at 44.1 kHz): a stream ending within
// the 47 samples in between gets one packet more from LAME than the
// wrapper queued samples for, which it sends without timestamps and with
// the warning "Trying to remove 1152 samples, but the queue is empty"
// (the ffmpeg program does the same with such inputs). Ending the stream
// at tailGap+1 samples past the boundary instead adds at most tailGap
// samples (about 1 ms) of silence to the end and keeps the wrapper's
// count right.
func (e *AudioEncoder) padTail() error {
	if e.tailGap == 0 {
		return nil
	}
	total := e.pts + int64(e.fifo.Size())
	r := int(total % int64(e.frameSize))
	if r == 0 || r > e.tailGap {
		return nil
	}
	n := e.tailGap + 1 - r
	e.frame.SetNbSamples(n)
	if err := e.frame.MakeWritable(); err != nil {
		return &av.Error{Op: "av_frame_make_writable", Err: err}
	}
	if err := e.frame.SamplesFillSilence(); err != nil {
		return &av.Error{Op: "av_samples_set_silence", Err: err}
	}
	if _, err := e.fifo.Write(e.frame); err != nil {
		return &av.Error{Op: "av_audio_fifo_write", Err: err}
	}
	return nil
}
