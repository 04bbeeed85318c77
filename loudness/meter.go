package loudness

import (
	"fmt"
	"io"
	"sync/atomic"

	"github.com/onair-go/onair"
)

// MeterOptions configure [Meter]. A nil *MeterOptions is valid.
type MeterOptions struct {
	// ID names the operator. It defaults to "loudness".
	ID string
	// Track is the audio track measured. It defaults to the main audio
	// track, [onair.MainAudio].
	Track string
	// PerTrack starts the measurement again at each track mark, so that
	// Values are those of the current track. By default they are those of
	// the whole stream since the meter woke up.
	PerTrack bool
	// OnTrack, when set, is called with the values of each track that
	// ends (at a track mark, or when the source ends), whether or not
	// PerTrack is set (without PerTrack they cover the stream so far). It
	// runs on the clock goroutine and must return quickly.
	OnTrack func(v Values)
	// Analyzer configures the measurement.
	Analyzer *Options
}

// Metered is the source returned by [Meter]: its input, unchanged, and
// the input's loudness.
type Metered struct {
	node *onair.Node
	an   atomic.Pointer[Analyzer]
}

// Node returns the operator's graph node.
func (m *Metered) Node() *onair.Node { return m.node }

// Values returns the current measurements. Safe from any goroutine. Before
// the graph starts, every loudness is -Inf.
func (m *Metered) Values() Values {
	if a := m.an.Load(); a != nil {
		return a.Values()
	}
	return emptyValues()
}

// Meter returns a source that passes src through unchanged (audio, marks
// and metadata, sample for sample) and measures the loudness and peaks of
// its audio. It keeps the fallibility of src and does not propagate
// errors. opts may be nil. It returns an error wrapping
// [onair.ErrInvalidOption] when src is nil or the analyzer options are not
// valid for the graph format (then when the graph starts).
func Meter(src onair.Source, opts *MeterOptions) (*Metered, error) {
	var o MeterOptions
	if opts != nil {
		o = *opts
	}
	if o.ID == "" {
		o.ID = "loudness"
	}
	if o.Track == "" {
		o.Track = onair.MainAudio
	}
	if src == nil {
		return nil, fmt.Errorf("%w: %s: nil source", onair.ErrInvalidOption, o.ID)
	}
	if o.Analyzer != nil && o.Analyzer.Weights != nil {
		// Check what can be checked before the format is known.
		if _, err := NewAnalyzer(48000, len(o.Analyzer.Weights), o.Analyzer); err != nil {
			return nil, fmt.Errorf("%s: %w", o.ID, err)
		}
	}
	m := &Metered{}
	g := &meter{m: m, src: src, o: o}
	m.node = onair.NewNode(g, &onair.NodeOptions{ID: o.ID, Children: []onair.Source{src}, Fallible: src.Node().Fallible()})
	return m, nil
}

type meter struct {
	m        *Metered
	src      onair.Source
	o        MeterOptions
	a        *Analyzer
	done     int64 // samples measured since wake-up
	lastMark int64 // absolute position of the last mark handled
	inTrack  int64 // samples of the current track
	ended    bool
}

func (g *meter) WakeUp(f *onair.Format) error {
	if g.a == nil || g.a.Rate() != f.SampleRate || g.a.Channels() != f.Channels {
		a, err := NewAnalyzer(f.SampleRate, f.Channels, g.o.Analyzer)
		if err != nil {
			return fmt.Errorf("%s: %w", g.o.ID, err)
		}
		g.a = a
		g.m.an.Store(a)
	} else {
		g.a.Reset()
	}
	g.done, g.lastMark, g.inTrack, g.ended = 0, -1, 0, false
	return nil
}

func (g *meter) Generate(f *onair.Frame) error {
	cn := g.src.Node()
	in := cn.Peek()
	base := f.Len()
	k := f.Append(in, 0, in.Len())
	cn.Consume(k)
	g.measure(f, base, base+k)
	if cn.Ended() && k == in.Len() {
		if !g.ended {
			g.ended = true
			g.endTrack()
		}
		return io.EOF // the source ended: so do we
	}
	return nil
}

// measure analyses f's audio in [from, to), splitting at track marks.
func (g *meter) measure(f *onair.Frame, from, to int) {
	t := f.Track(g.o.Track)
	var audio [][]float32
	if t != nil && t.Kind == onair.AudioTrack && len(t.Audio) == g.a.Channels() {
		audio = t.Audio
	}
	pos := from
	for _, mk := range f.Marks() {
		if mk < from || mk > to {
			continue
		}
		abs := g.done + int64(mk-from)
		if abs == g.lastMark {
			continue
		}
		g.write(audio, pos, mk)
		g.done += int64(mk - pos)
		pos = mk
		g.lastMark = abs
		g.endTrack()
	}
	g.write(audio, pos, to)
	g.done += int64(to - pos)
}

func (g *meter) write(audio [][]float32, from, to int) {
	if audio == nil || from >= to {
		return
	}
	g.a.write(audio, from, to)
	g.inTrack += int64(to - from)
}

func (g *meter) endTrack() {
	if g.inTrack == 0 {
		return
	}
	g.inTrack = 0
	if g.o.OnTrack != nil {
		if g.o.PerTrack || g.ended {
			// Flushing inserts silence in the true-peak filter: only
			// where the measurement starts again anyway.
			g.a.Flush()
		}
		g.o.OnTrack(g.a.Values())
	}
	if g.o.PerTrack {
		g.a.Reset()
	}
}
