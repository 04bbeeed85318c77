//go:build cgo || darwin || windows || js

package speaker

import (
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/ebitengine/oto/v3"
)

// otoContext is the process's one oto context.
//
// oto allows one context per process: a second oto.NewContext fails, even
// when the first one failed, and a context cannot be closed. So the
// package creates the context lazily, once, with the format of the first
// speaker that opens the default device, and every later speaker plays
// through a player of its own on that context (oto mixes the players).
// This is the package's only global state; it mirrors oto's own global
// and is guarded by the sync.Once. A failure to create or open the
// context is kept and returned to every later speaker of the process.
var otoContext struct {
	once  sync.Once
	cfg   DeviceConfig
	ctx   *oto.Context
	ready chan struct{}
	err   error
}

// openTimeout bounds the wait for oto to open the ALSA device.
const openTimeout = 10 * time.Second

// otoPeriod is the size, in samples, of oto's ALSA period with the
// driver's default buffer; a player's own buffer must hold at least one
// period, or the device gets short periods padded with silence.
const otoPeriod = 1024

// Default opens the default sound device through oto
// (github.com/ebitengine/oto/v3): ALSA on Linux, Core Audio on macOS,
// WASAPI on Windows. It is the default [OpenFunc].
//
// The first call of the process creates oto's context with cfg's format
// and waits (up to 10s) for the device to open; later calls share the
// context and get a player of their own, and fail with an error wrapping
// [ErrFormatMismatch] when cfg differs from the first format. A missing
// sound card or an ALSA error is returned as an error, and keeps being
// returned for the rest of the process (oto cannot retry). On Linux it
// needs cgo and libasound2-dev; without cgo it returns [ErrNoDevice].
func Default(cfg DeviceConfig) (Device, error) {
	if err := checkConfig(cfg); err != nil {
		return nil, err
	}
	c := &otoContext
	c.once.Do(func() {
		c.cfg = cfg
		ctx, ready, err := oto.NewContext(&oto.NewContextOptions{
			SampleRate:   cfg.SampleRate,
			ChannelCount: cfg.Channels,
			Format:       oto.FormatFloat32LE,
		})
		if err != nil {
			c.err = fmt.Errorf("speaker: create the oto context: %w", err)
			return
		}
		c.ctx, c.ready = ctx, ready
	})
	if c.err != nil {
		return nil, c.err
	}
	if cfg != c.cfg {
		return nil, fmt.Errorf("%w: it plays %d Hz, %d channel(s), this graph has %d Hz, %d channel(s) (oto allows one context per process: use one format for every speaker)",
			ErrFormatMismatch, c.cfg.SampleRate, c.cfg.Channels, cfg.SampleRate, cfg.Channels)
	}
	t := time.NewTimer(openTimeout)
	defer t.Stop()
	select {
	case <-c.ready:
	case <-t.C:
		return nil, fmt.Errorf("speaker: the sound device did not open within %v", openTimeout)
	}
	if err := c.ctx.Err(); err != nil {
		return nil, fmt.Errorf("speaker: open the default sound device: %w", err)
	}
	return &otoDevice{ctx: c.ctx, bufBytes: otoPeriod * cfg.Channels * 4}, nil
}

// otoDevice is a [Device] made of one oto player on the shared context.
type otoDevice struct {
	ctx      *oto.Context
	bufBytes int

	mu     sync.Mutex // guards p and closed
	p      *oto.Player
	closed bool
}

func (d *otoDevice) Play(r io.Reader) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return errClosed
	}
	if d.p != nil {
		return nil
	}
	d.p = d.ctx.NewPlayer(r)
	d.p.SetBufferSize(d.bufBytes)
	d.p.Play()
	return d.ctx.Err()
}

func (d *otoDevice) Err() error {
	if err := d.ctx.Err(); err != nil {
		return err
	}
	d.mu.Lock()
	p := d.p
	d.mu.Unlock()
	if p != nil {
		return p.Err()
	}
	return nil
}

func (d *otoDevice) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return nil
	}
	d.closed = true
	if d.p == nil {
		return nil
	}
	// oto's Player needs no Close since v3.4: pausing it stops the
	// sound, and dropping it lets the garbage collector release it.
	d.p.Pause()
	d.p = nil
	return nil
}
