package speaker

import "errors"

var (
	// ErrFormat reports a graph format the sound device cannot play: oto
	// plays mono or stereo audio only.
	ErrFormat = errors.New("speaker: unsupported format")
	// ErrFormatMismatch reports a speaker whose graph format differs from
	// the one the process's sound device context was opened with. oto
	// allows one context per process and fixes its sample rate and
	// channel count, so every speaker of a process must use the same ones.
	ErrFormatMismatch = errors.New("speaker: format differs from the process's sound device context")
	// ErrStalled reports a device that took no audio for
	// [Options.StallTimeout] while the output had audio waiting.
	ErrStalled = errors.New("speaker: sound device stalled")
	// ErrNoDevice reports that this build cannot open a sound device: on
	// Linux and other Unix systems oto needs cgo (and the ALSA headers,
	// libasound2-dev on Debian).
	ErrNoDevice = errors.New("speaker: no sound device support in this build")
)
