package page_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/asticode/go-astiav"
	"github.com/onair-go/onair"
	"github.com/onair-go/onair/decode/whip"
	"github.com/onair-go/onair/encode"
	"github.com/onair-go/onair/internal/logtest"
	"github.com/onair-go/onair/internal/rtc/page"
	"github.com/onair-go/onair/internal/tonetest"
	"github.com/onair-go/onair/mux/whep"
	"github.com/stretchr/testify/require"
)

const waitTimeout = 30 * time.Second

func init() { astiav.SetLogLevel(astiav.LogLevelError) }

// station is the example's station: a WHIP mount /dj (token "dj") cutting
// into a 220 Hz tone, encoded once to Opus and served by the WHEP mount
// /live, with the pages at /; the show's audio is recorded.
type station struct {
	url  string
	whip *whip.Mount
	whep *whep.Mount
	logs *logtest.Buffer

	mu     sync.Mutex
	out    []float32 // left channel of the show
	frames int       // frames recorded
	g      *onair.Graph
	ran    error // why Run returned, once it has
	done   bool
}

const rate = 48000

func startStation(t *testing.T) *station {
	t.Helper()
	return startStationWith(t, onair.Sine(220, &onair.GenOptions{Amplitude: 0.2}))
}

// startStationWith is startStation with music as the fallback.
func startStationWith(t *testing.T, music onair.Source) *station {
	t.Helper()
	st := &station{logs: &logtest.Buffer{}}
	log := slog.New(slog.NewTextHandler(st.logs, nil))
	ice := whep.ICE{Loopback: true}
	in, err := whip.NewServer(&whip.Options{ICE: ice, Token: "dj", Logger: log})
	require.NoError(t, err)
	st.whip, err = in.Mount("/dj", nil)
	require.NoError(t, err)
	show, err := onair.Fallback([]onair.Source{st.whip, music},
		&onair.SwitchOptions{Immediate: true})
	require.NoError(t, err)
	enc, err := encode.Audio(show, &encode.AudioOptions{Codec: "libopus", BitRate: 96000})
	require.NoError(t, err)
	out, err := whep.NewServer(&whep.Options{ICE: ice, Logger: log})
	require.NoError(t, err)
	st.whep, err = out.Mount("/live", enc, nil)
	require.NoError(t, err)
	rec := onair.Sink(show, func(f *onair.Frame) error {
		st.mu.Lock()
		st.out = append(st.out, f.Audio()[0]...)
		st.frames++
		st.mu.Unlock()
		return nil
	}, &onair.OutputOptions{ID: "recorder"})
	g, err := onair.NewGraph(&onair.GraphOptions{Format: onair.Format{SampleRate: rate, Channels: 2}, Logger: log})
	require.NoError(t, err)
	require.NoError(t, g.Add(st.whep, rec))
	st.g = g

	mux := http.NewServeMux()
	mux.Handle("/", page.Handler())
	mux.Handle("/live", out)
	mux.Handle("/live/", out)
	mux.Handle("/dj", in)
	mux.Handle("/dj/", in)
	hs := httptest.NewServer(mux)
	st.url = hs.URL
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		err := g.Run(ctx)
		st.mu.Lock()
		st.ran, st.done = err, true
		st.mu.Unlock()
		done <- err
	}()
	t.Cleanup(func() {
		require.NoError(t, in.Close())
		cancel()
		<-done
		require.NoError(t, g.Close())
		require.NoError(t, out.Close())
		hs.Close()
		if t.Failed() {
			t.Logf("station log:\n%s", st.logs)
		}
	})
	return st
}

// state describes the graph for failure messages: frames recorded, and
// whether Run returned.
func (st *station) state() string {
	clocks := fmt.Sprintf("; clocks %+v", st.g.Status())
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.done {
		return fmt.Sprintf("%d frames recorded; Run returned: %v", st.frames, st.ran) + clocks
	}
	return fmt.Sprintf("%d frames recorded; Run is running", st.frames) + clocks
}

func (st *station) output() []float32 {
	st.mu.Lock()
	defer st.mu.Unlock()
	return append([]float32(nil), st.out...)
}

// toneWAV writes a 48 kHz mono 16-bit WAV of a freq Hz sine, for
// Chromium's fake microphone (which loops it).
func toneWAV(t *testing.T, freq float64, d time.Duration) string {
	t.Helper()
	n := int(d.Seconds() * rate)
	var b bytes.Buffer
	le := binary.LittleEndian
	b.WriteString("RIFF")
	_ = binary.Write(&b, le, uint32(36+2*n))
	b.WriteString("WAVEfmt ")
	for _, v := range []any{uint32(16), uint16(1), uint16(1), uint32(rate), uint32(2 * rate), uint16(2), uint16(16)} {
		_ = binary.Write(&b, le, v)
	}
	b.WriteString("data")
	_ = binary.Write(&b, le, uint32(2*n))
	for i := range n {
		_ = binary.Write(&b, le, int16(0.5*32767*math.Sin(2*math.Pi*freq*float64(i)/rate)))
	}
	p := filepath.Join(t.TempDir(), "tone.wav")
	require.NoError(t, os.WriteFile(p, b.Bytes(), 0o644))
	return p
}

// freqOf measures the RMS level and the frequency of x.
func freqOf(x []float32) (rms, freq float64) { return tonetest.Measure(x, rate) }

// liveWindows counts the 50 ms windows of x that carry a freq Hz tone.
func liveWindows(x []float32, freq float64) int {
	n, w := 0, rate/20
	for i := 0; i+w <= len(x); i += w {
		rms, f := freqOf(x[i : i+w])
		if rms > 0.05 && math.Abs(f-freq) < freq*0.03 {
			n++
		}
	}
	return n
}
