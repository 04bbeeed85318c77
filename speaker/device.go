package speaker

import (
	"fmt"
	"io"
)

// DeviceConfig describes the stream a [Device] plays.
type DeviceConfig struct {
	// SampleRate is the graph's sample rate in Hz.
	SampleRate int
	// Channels is the number of interleaved channels: 1 or 2.
	Channels int
}

// A Device is a sound device as the speaker output sees it: it plays
// interleaved little-endian float32 PCM that it pulls, at the pace of its
// own hardware clock, from the reader it is given. Its pulls are what
// pace the output's clock.
//
// The reader r given to Play is safe to read from any one goroutine. Its
// Read never blocks: it fills p with whole samples (Channels × 4 bytes
// each) as far as the output has audio queued, returns 0, nil when it has
// none (an underrun: the device should play silence), and io.EOF once the
// output closed.
//
// Play is called once, on the clock goroutine, when the output has filled
// its queue; Err may be called from the clock goroutine at any time after
// the device is opened; Close may be called from any goroutine, more than
// once, and concurrently with the device's own reading.
type Device interface {
	// Play starts playback: from now on the device reads r on a
	// goroutine of its own. An error means the device cannot play.
	Play(r io.Reader) error
	// Err returns the error that stopped the device while it played, or
	// nil while it works.
	Err() error
	// Close stops reading r and releases the device without waiting for
	// queued audio to play. Calls after the first do nothing and return
	// nil.
	Close() error
}

// OpenFunc opens a [Device] for a stream. [Default] is the OpenFunc for
// the default sound device; tests use fake devices.
type OpenFunc func(cfg DeviceConfig) (Device, error)

// checkConfig refuses formats oto cannot play.
func checkConfig(cfg DeviceConfig) error {
	switch {
	case cfg.SampleRate <= 0:
		return fmt.Errorf("%w: sample rate %d", ErrFormat, cfg.SampleRate)
	case cfg.Channels < 1 || cfg.Channels > 2:
		return fmt.Errorf("%w: %d channels (the sound device plays mono or stereo)", ErrFormat, cfg.Channels)
	}
	return nil
}
