package page_test

import (
	"context"
	"encoding/binary"
	"io"
	"math"
	"net/http/httptest"
	"os/exec"
	"slices"
	"testing"
	"time"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/encode"
	"github.com/onair-go/onair/mux/listen"
	"github.com/stretchr/testify/require"
)

// TestIcecastLatency is TestBrowserLatency's comparison: the same bursts
// served as 128 kbit/s MP3 by the embedded Icecast-style listener server,
// decoded by FFmpeg as the bytes come (output flushed per packet) and
// "played" in real time from the first sample, stalling when data is late,
// with the default burst on connect (64 KiB, 4 s) and starting at the live
// edge. Real players add their own buffer. Numbers logged with go test -v
// -run TestIcecastLatency.
func TestIcecastLatency(t *testing.T) {
	ff, err := exec.LookPath("ffmpeg")
	if err != nil {
		t.Fatal("ffmpeg not found: run `eval \"$(scripts/ffmpeg.sh env)\"` or `make setup`")
	}
	for _, tc := range []struct {
		name  string
		burst int
	}{{"default burst", 0}, {"live edge", -1}} {
		t.Run(tc.name, func(t *testing.T) {
			b := &bursts{}
			enc, err := encode.Audio(onair.NewNode(b, &onair.NodeOptions{ID: "bursts"}),
				&encode.AudioOptions{Codec: "libmp3lame", BitRate: 128000})
			require.NoError(t, err)
			srv, err := listen.NewServer(nil)
			require.NoError(t, err)
			m, err := srv.Mount("/radio.mp3", enc, &listen.MountOptions{BurstSize: tc.burst})
			require.NoError(t, err)
			g, err := onair.NewGraph(&onair.GraphOptions{Format: onair.Format{SampleRate: rate, Channels: 2}})
			require.NoError(t, err)
			require.NoError(t, g.Add(m))
			hs := httptest.NewServer(srv)
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- g.Run(ctx) }()
			defer func() {
				cancel()
				<-done
				require.NoError(t, g.Close())
				require.NoError(t, srv.Close())
				hs.Close()
			}()
			time.Sleep(4500 * time.Millisecond) // a full burst's worth of stream
			cmd := exec.Command(ff, "-nostdin", "-v", "error", "-fflags", "nobuffer", "-i", hs.URL+"/radio.mp3",
				"-f", "f32le", "-ac", "1", "-ar", "48000", "-flush_packets", "1", "pipe:1")
			out, err := cmd.StdoutPipe()
			require.NoError(t, err)
			require.NoError(t, cmd.Start())
			defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
			// Each burst is told by its length (k mod 8): with a burst on
			// connect the listener is seconds late, more than the bursts'
			// period.
			type onset struct {
				at  time.Time
				len int // samples
			}
			var got []onset
			quiet := rate
			var idx, first, last int // sample index; the open burst's first and last loud samples
			open := false
			var play time.Time
			buf := make([]byte, 4096)
			end := time.Now().Add(8 * time.Second)
			for time.Now().Before(end) {
				n, err := io.ReadFull(out, buf)
				if err != nil {
					break
				}
				now := time.Now()
				for i := 0; i+4 <= n; i, idx = i+4, idx+1 {
					// A player plays each sample one sample period after
					// the previous one, or when it arrives if later (a
					// stall): what a burst on connect costs is heard.
					play = play.Add(time.Second / rate)
					if play.Before(now) {
						play = now
					}
					v := math.Float32frombits(binary.LittleEndian.Uint32(buf[i:]))
					if math.Abs(float64(v)) > 0.1 {
						if quiet >= rate/5 {
							got = append(got, onset{at: play})
							first, open = idx, true
						}
						last, quiet = idx, 0
						continue
					}
					quiet++
					if open && quiet > rate/100 {
						got[len(got)-1].len = last - first + 1
						open = false
					}
				}
			}
			gen := b.generated()
			var lat []time.Duration
			for _, o := range got {
				if o.len == 0 {
					continue
				}
				k8 := int(math.Round(float64(o.len-rate/20) / float64(rate/100)))
				var best time.Duration = -1
				for k, g := range gen {
					if d := o.at.Sub(g); k%8 == k8 && d >= 0 && (best < 0 || d < best) {
						best = d
					}
				}
				if best >= 0 {
					lat = append(lat, best)
				}
			}
			require.GreaterOrEqual(t, len(lat), 5, "bursts detected")
			steady := slices.Clone(lat[len(lat)-5:])
			slices.Sort(steady)
			t.Logf("%s: graph-to-FFmpeg over the MP3 mount, the last %d bursts: median %v, worst %v (all in order: %v)",
				tc.name, len(steady), steady[len(steady)/2].Round(time.Millisecond), steady[len(steady)-1].Round(time.Millisecond), lat)
		})
	}
}
