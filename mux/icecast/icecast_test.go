package icecast_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/encode"
	"github.com/onair-go/onair/internal/peertest"
	"github.com/onair-go/onair/mux"
	"github.com/onair-go/onair/mux/icecast"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestStream streams each format to a real icecast2: the mount appears in
// /admin/stats with the right content type and ice-* headers, a title
// change is visible there (admin API for MP3/AAC, in band for Ogg), and
// FFmpeg reading the mount decodes it without a warning.
func TestStream(t *testing.T) {
	srv := peertest.StartIcecast(t, nil)
	cases := []struct {
		name   string
		enc    encode.AudioOptions
		mount  string
		method icecast.Method
		ctype  string
		title  string // stats title after the update; "" when icecast shows none
		artist string
	}{
		{name: "mp3-put", enc: encode.AudioOptions{Codec: "libmp3lame", BitRate: 128000}, mount: "/t.mp3",
			ctype: "audio/mpeg", title: "The Artist - Song Two"},
		{name: "aac-source", enc: encode.AudioOptions{Codec: "aac", BitRate: 96000}, mount: "/t.aac",
			method: icecast.MethodSource, ctype: "audio/aac", title: "The Artist - Song Two"},
		{name: "vorbis-inband", enc: encode.AudioOptions{Codec: "libvorbis", BitRate: 96000}, mount: "/t.ogg",
			ctype: "audio/ogg", title: "Song Two", artist: "The Artist"},
		// icecast 2.4.4 shows no title for Ogg/Opus: the content type
		// and the decode are checked.
		{name: "opus", enc: encode.AudioOptions{Codec: "libopus", BitRate: 64000}, mount: "/t.opus", ctype: "audio/ogg"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			enc := tc.enc
			enc.Track = "audio_enc"
			s := newStation(t, &enc, &icecast.Options{
				URL:         srv.URL(tc.mount),
				Password:    srv.SourcePassword,
				Method:      tc.method,
				Tracks:      []mux.Track{mux.CopyTrack("audio_enc")},
				Name:        "Test " + tc.name,
				Description: "a sine",
				Genre:       "test",
				StreamURL:   "http://example.com/",
			}, nil)
			// A title before the first frame: sent once connected.
			s.sine.InsertMetadata(onair.Metadata{"artist": "The Artist", "title": "Song One"}, false)
			s.run(t)

			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			// Icecast fills a new mount's stats field by field.
			m, err := srv.WaitMount(ctx, tc.mount, mountHas(func(m *peertest.IcecastMount) bool {
				return m.ServerType != "" && m.ServerName != "" && m.UserAgent != "" && m.AudioInfo != ""
			}, "stats filled"))
			require.NoError(t, err)
			assert.Equal(t, tc.ctype, m.ServerType)
			assert.Equal(t, "Test "+tc.name, m.ServerName)
			assert.Equal(t, "a sine", m.Description)
			assert.Equal(t, "test", m.Genre)
			assert.Equal(t, "http://example.com/", m.URL)
			assert.Contains(t, m.UserAgent, "onair")
			assert.Contains(t, m.AudioInfo, "channels=2")
			assert.Contains(t, m.AudioInfo, "samplerate=")
			if tc.title != "" {
				_, err = srv.WaitMount(ctx, tc.mount, mountHas(func(m *peertest.IcecastMount) bool {
					return strings.Contains(m.Title, "Song One")
				}, "first title"))
				require.NoError(t, err, "the title set before connecting")
				// The first title is in the first container: no chained
				// Ogg stream yet, so FFmpeg sees one clean stream.
				if tc.artist != "" {
					assert.Empty(t, ffmpegDecode(t, srv.URL(tc.mount), 3*time.Second, "warning"), "ffmpeg printed warnings or errors")
				}
				s.sine.InsertMetadata(onair.Metadata{"artist": "The Artist", "title": "Song Two"}, true)
				m, err = srv.WaitMount(ctx, tc.mount, mountHas(func(m *peertest.IcecastMount) bool {
					return m.Title == tc.title
				}, "title "+tc.title))
				require.NoError(t, err)
				assert.Equal(t, tc.artist, m.Artist)
			}
			// After a title change: across a chained Ogg boundary the
			// granule positions start again, which the ffmpeg program
			// reports as a timestamp discontinuity warning: no error.
			level := "warning"
			if tc.artist != "" {
				level = "error"
			}
			assert.Empty(t, ffmpegDecode(t, srv.URL(tc.mount), 3*time.Second, level), "ffmpeg printed warnings or errors")

			st := s.out.Status()
			assert.Equal(t, icecast.StateConnected, st.State)
			assert.Equal(t, 1, st.Connections)
			assert.Positive(t, st.BytesSent)
			assert.Zero(t, st.BytesDropped)
			if tc.title != "" && tc.artist == "" {
				assert.Equal(t, tc.title, st.Song)
				assert.GreaterOrEqual(t, st.MetadataSent, 2)
			}
			require.NoError(t, s.stop())
			assert.Equal(t, icecast.StateClosed, s.out.Status().State)
		})
	}
}

// TestWrongPassword: icecast answers 401; the error names it, the policy
// gives up, and the output reports the error.
func TestWrongPassword(t *testing.T) {
	srv := peertest.StartIcecast(t, nil)
	var got []error
	clk := onair.NewClock("main", &onair.ClockOptions{Kind: onair.Manual})
	s := newStation(t, &encode.AudioOptions{Codec: "libmp3lame"}, &icecast.Options{
		URL: srv.URL("/auth.mp3"), Password: "not-" + srv.SourcePassword,
		OnError: func(err error, attempt int, backoff time.Duration) time.Duration {
			got = append(got, err) // the network goroutine, then Status synchronises
			if errors.Is(err, icecast.ErrAuth) {
				return icecast.GiveUp
			}
			return backoff
		},
	}, clk)
	require.NoError(t, s.g.Start())
	defer s.g.Close()
	for range 5 {
		clk.Tick()
	}
	st := waitStatus(t, s.out, 10*time.Second, "failed", func(st icecast.Status) bool { return st.State == icecast.StateFailed })
	require.Len(t, got, 1)
	err := s.out.Err()
	require.ErrorIs(t, err, icecast.ErrAuth)
	assert.Equal(t, err, st.Err)
	var ie *icecast.Error
	require.ErrorAs(t, err, &ie)
	assert.Equal(t, 401, ie.Status)
	assert.Contains(t, err.Error(), "HTTP 401")
	assert.Contains(t, err.Error(), "wrong user or password")
	assert.NotContains(t, err.Error(), srv.SourcePassword, "the password is never shown")
	// The graph goes on: frames are dropped, not queued.
	for range 5 {
		clk.Tick()
	}
	assert.Zero(t, s.out.Status().BytesQueued)
	require.NoError(t, s.g.Close())
}

// TestMountInUse: a second source on a busy mount gets 403, reported as
// ErrMountInUse; it retries with backoff.
func TestMountInUse(t *testing.T) {
	srv := peertest.StartIcecast(t, nil)
	first := newStation(t, &encode.AudioOptions{Codec: "libmp3lame"}, &icecast.Options{URL: srv.URL("/busy.mp3"), Password: srv.SourcePassword}, nil)
	first.run(t)
	waitStatus(t, first.out, 10*time.Second, "connected", func(st icecast.Status) bool { return st.State == icecast.StateConnected })

	errs := make(chan error, 10)
	clk := onair.NewClock("second", &onair.ClockOptions{Kind: onair.Manual})
	second := newStation(t, &encode.AudioOptions{Codec: "libmp3lame"}, &icecast.Options{
		URL: srv.URL("/busy.mp3"), Password: srv.SourcePassword, MinRetryDelay: 10 * time.Millisecond, MaxRetryDelay: 40 * time.Millisecond,
		OnError: func(err error, attempt int, backoff time.Duration) time.Duration {
			errs <- fmt.Errorf("attempt %d, backoff %v: %w", attempt, backoff, err)
			if attempt == 3 {
				return icecast.GiveUp
			}
			return backoff
		},
	}, clk)
	require.NoError(t, second.g.Start())
	defer second.g.Close()
	clk.Tick()
	waitStatus(t, second.out, 10*time.Second, "failed", func(st icecast.Status) bool { return st.State == icecast.StateFailed })
	close(errs)
	var all []string
	for err := range errs {
		require.ErrorIs(t, err, icecast.ErrMountInUse)
		require.ErrorIs(t, err, icecast.ErrRefused)
		all = append(all, err.Error())
	}
	require.Len(t, all, 3)
	assert.Contains(t, all[0], "attempt 1, backoff 10ms")
	assert.Contains(t, all[1], "attempt 2, backoff 20ms")
	assert.Contains(t, all[2], "attempt 3, backoff 40ms")
	assert.Contains(t, all[0], "HTTP 403")
	assert.Contains(t, all[0], "Mountpoint in use")
	assert.Equal(t, icecast.StateConnected, first.out.Status().State, "the first source keeps the mount")
}
