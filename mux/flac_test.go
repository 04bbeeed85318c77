package mux_test

import (
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/encode"
	"github.com/onair-go/onair/internal/avmux/avmuxtest"
	"github.com/onair-go/onair/mux"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestFLACHeader: FLAC written through the graph, by a shared encoder
// copied into a file and by an encoder inside the output, has the final
// STREAMINFO the encoder gives with its last packet: the total sample
// count (what was written: 100 frames of 882 samples), a non-zero MD5
// that matches the decoded audio (flac -t), and a duration ffprobe reads
// from the header.
func TestFLACHeader(t *testing.T) {
	metaflac, err := exec.LookPath("metaflac")
	require.NoError(t, err, "metaflac is missing: run scripts/test-deps.sh (Debian package flac)")
	flac, err := exec.LookPath("flac")
	require.NoError(t, err, "flac is missing: run scripts/test-deps.sh (Debian package flac)")
	const ticks, want = 100, 100 * 882
	for _, tc := range []struct {
		name string
		out  func(path string) (onair.Source, error)
	}{
		{"shared", func(path string) (onair.Source, error) {
			enc, err := encode.Audio(onair.Sine(440, nil), &encode.AudioOptions{Codec: "flac", Track: "audio_flac"})
			if err != nil {
				return nil, err
			}
			return mux.File(enc, path, nil)
		}},
		{"inline", func(path string) (onair.Source, error) {
			return mux.File(onair.Sine(440, nil), path, &mux.FileOptions{Options: mux.Options{
				Tracks: []mux.Track{mux.EncodeTrack("audio", &encode.AudioOptions{Codec: "flac"})},
			}})
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "sine.flac")
			out, err := tc.out(path)
			require.NoError(t, err)
			run(t, ticks, out)

			p, err := avmuxtest.ProbeFile(path, false)
			require.NoError(t, err)
			assert.InDelta(t, 2.0, p.Duration(), 1e-6, "ffprobe duration from the header")
			info, err := exec.Command(metaflac, "--show-total-samples", "--show-md5sum", path).CombinedOutput()
			require.NoError(t, err, "%s", info)
			lines := strings.Fields(string(info))
			require.Len(t, lines, 2, "%s", info)
			n, err := strconv.Atoi(lines[0])
			require.NoError(t, err)
			assert.Equal(t, want, n, "total samples")
			assert.NotEqual(t, strings.Repeat("0", 32), lines[1], "MD5 set")
			check, err := exec.Command(flac, "-t", "-w", "-s", path).CombinedOutput()
			assert.NoError(t, err, "flac -t: the MD5 matches the decoded audio: %s", check)
			assert.InDelta(t, 2.0, decodedSeconds(t, path), 1e-9)
		})
	}
}
