package onair

import (
	"fmt"
	"time"
)

// Rational is a fraction, used for frame rates and time bases.
type Rational struct {
	Num, Den int
}

// Float returns r as a float64 (0 when the denominator is 0).
func (r Rational) Float() float64 {
	if r.Den == 0 {
		return 0
	}
	return float64(r.Num) / float64(r.Den)
}

func (r Rational) String() string { return fmt.Sprintf("%d/%d", r.Num, r.Den) }

// Format is the graph format: what every frame of a graph carries.
// Positions inside a frame are counted in samples of SampleRate (the main
// rate), whether or not the frame holds audio.
//
// A zero Format consists entirely of default values; see [Format.Normalize].
type Format struct {
	// SampleRate is the audio sample rate and the main rate. It defaults to 44100.
	SampleRate int
	// Channels is the number of audio channels. It defaults to 2.
	Channels int
	// FrameDuration is the duration of one frame, i.e. of one clock tick.
	// It defaults to 20ms.
	FrameDuration time.Duration
	// Video, when not nil, adds a raw video track to the graph format.
	Video *VideoFormat
}

// VideoFormat describes the raw video of a graph.
type VideoFormat struct {
	// Width and Height are the picture size. They default to 1280x720.
	Width, Height int
	// FrameRate defaults to 25/1.
	FrameRate Rational
	// PixelFormat is an FFmpeg pixel format name. It defaults to "yuv420p".
	PixelFormat string
}

// Normalize returns f with defaults filled in, or an error naming the
// invalid field.
func (f Format) Normalize() (Format, error) {
	if f.SampleRate == 0 {
		f.SampleRate = 44100
	}
	if f.Channels == 0 {
		f.Channels = 2
	}
	if f.FrameDuration == 0 {
		f.FrameDuration = 20 * time.Millisecond
	}
	switch {
	case f.SampleRate < 0 || f.SampleRate > 768000:
		return f, fmt.Errorf("%w: sample rate %d", ErrInvalidFormat, f.SampleRate)
	case f.Channels < 0 || f.Channels > 64:
		return f, fmt.Errorf("%w: %d channels", ErrInvalidFormat, f.Channels)
	case f.FrameDuration < time.Millisecond || f.FrameDuration > 10*time.Second:
		return f, fmt.Errorf("%w: frame duration %v (want 1ms to 10s)", ErrInvalidFormat, f.FrameDuration)
	}
	if f.FrameSize() < 1 {
		return f, fmt.Errorf("%w: frame duration %v holds no sample at %d Hz", ErrInvalidFormat, f.FrameDuration, f.SampleRate)
	}
	if f.Video != nil {
		v := *f.Video
		if v.Width == 0 && v.Height == 0 {
			v.Width, v.Height = 1280, 720
		}
		if v.FrameRate.Num == 0 {
			v.FrameRate = Rational{25, 1}
		}
		if v.FrameRate.Den == 0 {
			v.FrameRate.Den = 1
		}
		if v.PixelFormat == "" {
			v.PixelFormat = "yuv420p"
		}
		if v.Width <= 0 || v.Height <= 0 || v.Width%2 != 0 || v.Height%2 != 0 {
			return f, fmt.Errorf("%w: video size %dx%d (want positive, even)", ErrInvalidFormat, v.Width, v.Height)
		}
		if v.FrameRate.Num <= 0 || v.FrameRate.Den <= 0 {
			return f, fmt.Errorf("%w: video frame rate %v", ErrInvalidFormat, v.FrameRate)
		}
		f.Video = &v
	}
	return f, nil
}

// FrameSize is the number of samples (of the main rate) in one frame.
func (f Format) FrameSize() int {
	return int(int64(f.SampleRate) * int64(f.FrameDuration) / int64(time.Second))
}

// Duration converts a number of samples of the main rate to a duration.
func (f Format) Duration(samples int) time.Duration {
	if f.SampleRate == 0 {
		return 0
	}
	return time.Duration(int64(samples) * int64(time.Second) / int64(f.SampleRate))
}

// Samples converts a duration to a number of samples of the main rate,
// rounding to the nearest sample.
func (f Format) Samples(d time.Duration) int {
	return int((int64(d)*int64(f.SampleRate) + int64(time.Second)/2) / int64(time.Second))
}
