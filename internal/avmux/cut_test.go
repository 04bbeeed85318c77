package avmux_test

import (
	"bytes"
	"testing"

	"github.com/onair-go/onair/internal/avmux"
	"github.com/onair-go/onair/internal/avmux/avmuxtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCut cuts one AAC stream in two: with MPEG-TS each part starts with
// a PAT and decodes on its own; with fragmented MP4 (frag_custom) the
// header is an init section and each part is one fragment.
func TestCut(t *testing.T) {
	aac := encodeAudio(t, "aac", 44100, 64000)
	half := len(aac.pkts) / 2
	for _, c := range []struct {
		format string
		opts   map[string]string
	}{
		{"mpegts", map[string]string{"pat_period": "3600", "sdt_period": "3600"}}, // tables only where Cut puts them
		{"mp4", map[string]string{"movflags": "frag_custom+empty_moov+default_base_moof"}},
	} {
		t.Run(c.format, func(t *testing.T) {
			var w bytes.Buffer
			m, err := avmux.NewWriter(&w, c.format, &avmux.Options{MuxerOptions: c.opts})
			require.NoError(t, err)
			require.ErrorIs(t, m.Cut(), avmux.ErrState, "no cut before the header")
			_, err = m.AddStream(aac.info)
			require.NoError(t, err)
			require.NoError(t, m.WriteHeader())
			require.NoError(t, m.Flush())
			head := bytes.Clone(w.Bytes())
			w.Reset()
			var parts [][]byte
			for i, p := range aac.pkts {
				require.NoError(t, m.WritePacket(0, p, aac.info.TimeBase))
				if i == half || i == len(aac.pkts)-1 {
					require.NoError(t, m.Cut())
					parts = append(parts, bytes.Clone(w.Bytes()))
					w.Reset()
				}
			}
			require.NoError(t, m.Close())
			require.ErrorIs(t, m.Cut(), avmux.ErrState, "no cut after Close")
			for i, part := range parts {
				require.NotEmpty(t, part, "part %d", i)
				var data []byte
				switch c.format {
				case "mpegts":
					require.Zero(t, len(part)%188, "part %d: whole TS packets", i)
					assert.True(t, hasPAT(part[:min(len(part), 3*188)]), "part %d starts with the tables (SDT, PAT, PMT)", i)
					if i == 0 {
						data = append(head, part...)
					} else {
						data = part
					}
				case "mp4":
					assert.Equal(t, "ftyp", string(head[4:8]), "the header is an init section")
					assert.Equal(t, "moof", string(part[4:8]), "part %d is a fragment", i)
					data = append(bytes.Clone(head), part...)
				}
				out, err := avmuxtest.DecodeErrors("", data)
				require.NoError(t, err)
				assert.Empty(t, out, "part %d decodes on its own", i)
			}
		})
	}
}

// hasPAT reports whether MPEG-TS data holds a packet of PID 0 that starts
// a section (payload unit start).
func hasPAT(ts []byte) bool {
	for i := 0; i+3 <= len(ts); i += 188 {
		if ts[i] == 0x47 && ts[i+1] == 0x40 && ts[i+2] == 0x00 {
			return true
		}
	}
	return false
}
