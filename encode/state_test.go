package encode_test

import (
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/onair-go/onair/encode"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// lifecycleAt returns an encoder (with one audio stream when the state
// has streams) brought to state s.
func lifecycleAt(t *testing.T, s encode.State) (*encode.Encoder, *encode.AudioStream) {
	t.Helper()
	enc := encode.New(nil)
	if s == encode.StateCreated {
		return enc, nil
	}
	a, err := enc.AddAudio(44100, 2, &encode.AudioOptions{Codec: "pcm_s16le"})
	require.NoError(t, err)
	switch s {
	case encode.StateInitialized:
	case encode.StateHeaderWritten:
		require.NoError(t, enc.OpenWriter(io.Discard, "wav"))
	case encode.StateEncoding:
		require.NoError(t, enc.OpenWriter(io.Discard, "wav"))
		require.NoError(t, a.AddSamples(sine(44100, 2, 100, 440)))
	case encode.StateFailed:
		err := enc.Open(filepath.Join(t.TempDir(), "no", "such", "dir", "x.wav"), "")
		require.Error(t, err)
	case encode.StateClosed:
		require.NoError(t, enc.Close())
	}
	require.Equal(t, s, enc.State())
	return enc, a
}

// TestLifecycleTransitions walks the whole transition table of seed 002:
// every operation from every observable state, with the resulting state
// and, for transitions not allowed, the typed error.
func TestLifecycleTransitions(t *testing.T) {
	type op struct {
		name string
		do   func(t *testing.T, e *encode.Encoder, a *encode.AudioStream) error
	}
	add := op{"add", func(t *testing.T, e *encode.Encoder, _ *encode.AudioStream) error {
		_, err := e.AddAudio(44100, 1, &encode.AudioOptions{Codec: "pcm_s16le"})
		return err
	}}
	open := op{"open", func(t *testing.T, e *encode.Encoder, _ *encode.AudioStream) error {
		return e.OpenWriter(io.Discard, "matroska")
	}}
	write := op{"write", func(t *testing.T, e *encode.Encoder, a *encode.AudioStream) error {
		return a.AddSamples(sine(44100, 2, 10, 440))
	}}
	closeOp := op{"close", func(t *testing.T, e *encode.Encoder, _ *encode.AudioStream) error { return e.Close() }}

	const ok, denied = true, false
	table := []struct {
		from    encode.State
		op      op
		allowed bool
		to      encode.State
	}{
		{encode.StateCreated, add, ok, encode.StateInitialized},
		{encode.StateCreated, open, denied, encode.StateCreated},
		{encode.StateCreated, closeOp, ok, encode.StateClosed},

		{encode.StateInitialized, add, ok, encode.StateInitialized},
		{encode.StateInitialized, open, ok, encode.StateHeaderWritten},
		{encode.StateInitialized, write, denied, encode.StateInitialized},
		{encode.StateInitialized, closeOp, ok, encode.StateClosed},

		{encode.StateHeaderWritten, add, denied, encode.StateHeaderWritten},
		{encode.StateHeaderWritten, open, denied, encode.StateHeaderWritten},
		{encode.StateHeaderWritten, write, ok, encode.StateEncoding},
		{encode.StateHeaderWritten, closeOp, ok, encode.StateClosed},

		{encode.StateEncoding, add, denied, encode.StateEncoding},
		{encode.StateEncoding, open, denied, encode.StateEncoding},
		{encode.StateEncoding, write, ok, encode.StateEncoding},
		{encode.StateEncoding, closeOp, ok, encode.StateClosed},

		{encode.StateFailed, add, denied, encode.StateFailed},
		{encode.StateFailed, open, denied, encode.StateFailed},
		{encode.StateFailed, write, denied, encode.StateFailed},
		{encode.StateFailed, closeOp, ok, encode.StateClosed}, // Close after an error works

		{encode.StateClosed, add, denied, encode.StateClosed},
		{encode.StateClosed, open, denied, encode.StateClosed},
		{encode.StateClosed, write, denied, encode.StateClosed},
		{encode.StateClosed, closeOp, ok, encode.StateClosed}, // Close twice
	}
	for _, tc := range table {
		t.Run(tc.from.String()+"/"+tc.op.name, func(t *testing.T) {
			enc, a := lifecycleAt(t, tc.from)
			defer enc.Close()
			err := tc.op.do(t, enc, a)
			if tc.allowed {
				require.NoError(t, err)
			} else {
				var se *encode.StateError
				require.ErrorAs(t, err, &se)
				assert.Equal(t, tc.from, se.State)
				assert.Contains(t, err.Error(), tc.from.String())
				if tc.from == encode.StateFailed {
					assert.Error(t, se.Err, "the error state carries its cause")
				}
			}
			assert.Equal(t, tc.to, enc.State())
		})
	}
}

func TestCloseDrainsAndWritesTrailer(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out.m4a")
	enc := encode.New(nil)
	a, err := enc.AddAudio(44100, 2, nil)
	require.NoError(t, err)
	require.NoError(t, enc.Open(path, ""))
	require.NoError(t, a.AddSamples(sine(44100, 2, 44100, 440)))
	require.NoError(t, enc.Close())
	require.NoError(t, enc.Close())
	p := ffprobe(t, path, nil)
	require.Len(t, p.Streams, 1)
	// Without draining the last ~2 AAC frames would be missing; without the
	// trailer the MP4 would have no moov and not open at all.
	assert.InDelta(t, 1.0, p.duration(), 0.03)
}

// TestOpenCloseCyclesMemoryFlat runs 1,000 encoder lifecycles and checks
// that neither the Go heap nor the process RSS (which sees FFmpeg's C
// allocations) grows.
func TestOpenCloseCyclesMemoryFlat(t *testing.T) {
	if testing.Short() {
		t.Skip("1,000 cycles")
	}
	pcm := sine(44100, 2, 4096, 440)
	cycle := func() {
		enc := encode.New(nil)
		a, err := enc.AddAudio(44100, 2, &encode.AudioOptions{Codec: "aac", SampleRate: 48000})
		require.NoError(t, err)
		require.NoError(t, enc.OpenWriter(io.Discard, "adts"))
		require.NoError(t, a.AddSamples(pcm))
		require.NoError(t, enc.Close())
	}
	for range 50 { // warm up allocator pools
		cycle()
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	rssBefore := vmRSS(t)
	for range 1000 {
		cycle()
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	rssAfter := vmRSS(t)
	t.Logf("heap %d -> %d KiB, VmRSS %d -> %d KiB", before.HeapAlloc>>10, after.HeapAlloc>>10, rssBefore, rssAfter)
	assert.Less(t, int64(after.HeapAlloc)-int64(before.HeapAlloc), int64(2<<20), "Go heap grew")
	// A leaked AAC encoder context alone is over 100 KiB: 1,000 leaks
	// would add 100 MiB.
	assert.Less(t, rssAfter-rssBefore, int64(24<<10), "RSS grew by more than 24 MiB")
}

// vmRSS returns the process's resident set size in KiB.
func vmRSS(t *testing.T) int64 {
	b, err := os.ReadFile("/proc/self/status")
	require.NoError(t, err)
	for line := range strings.SplitSeq(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			n, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			require.NoError(t, err)
			return n
		}
	}
	t.Fatal("no VmRSS in /proc/self/status")
	return 0
}
