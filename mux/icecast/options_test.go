package icecast_test

import (
	"testing"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/encode"
	"github.com/onair-go/onair/mux"
	"github.com/onair-go/onair/mux/icecast"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestOptions(t *testing.T) {
	src, err := encode.Audio(onair.Sine(440, nil), &encode.AudioOptions{Codec: "libmp3lame", Track: "audio_mp3"})
	require.NoError(t, err)
	cases := []struct {
		name  string
		opts  icecast.Options
		url   string
		ctype string
		err   string
	}{
		{name: "url", opts: icecast.Options{URL: "http://u:p@radio.example:8123/live.mp3"},
			url: "http://radio.example:8123/live.mp3", ctype: "audio/mpeg"},
		{name: "icecast-scheme", opts: icecast.Options{URL: "icecast://radio.example/a.aac"},
			url: "http://radio.example:8000/a.aac", ctype: "audio/aac"},
		{name: "fields", opts: icecast.Options{Host: "10.0.0.1", Port: 8001, Mount: "stream.ogg"},
			url: "http://10.0.0.1:8001/stream.ogg", ctype: "audio/ogg"},
		{name: "defaults", opts: icecast.Options{Mount: "/x.opus"}, url: "http://localhost:8000/x.opus", ctype: "audio/ogg"},
		{name: "ipv6", opts: icecast.Options{Host: "::1", Mount: "/x.mp3"}, url: "http://[::1]:8000/x.mp3", ctype: "audio/mpeg"},
		{name: "format-overrides", opts: icecast.Options{Mount: "/live", Format: "adts"}, url: "http://localhost:8000/live", ctype: "audio/aac"},
		{name: "content-type", opts: icecast.Options{Mount: "/live", Format: "mp3", ContentType: "audio/mp3"}, url: "http://localhost:8000/live", ctype: "audio/mp3"},
		{name: "tracks", opts: icecast.Options{Mount: "/a.mp3", Tracks: []mux.Track{mux.CopyTrack("audio_mp3")}}, url: "http://localhost:8000/a.mp3", ctype: "audio/mpeg"},

		{name: "no-mount", opts: icecast.Options{Host: "h"}, err: "no mount"},
		{name: "nil", err: "no mount"},
		{name: "both", opts: icecast.Options{URL: "http://h/a.mp3", Mount: "b.mp3"}, err: "not both"},
		{name: "https", opts: icecast.Options{URL: "https://h/a.mp3"}, err: `scheme "https"`},
		{name: "unknown-extension", opts: icecast.Options{Mount: "/live"}, err: "no Format given"},
		{name: "unknown-format", opts: icecast.Options{Mount: "/live", Format: "nope", ContentType: "x/y"}, err: `"nope"`},
		{name: "no-content-type", opts: icecast.Options{Mount: "/live", Format: "wav"}, err: "no ContentType"},
		{name: "header-injection", opts: icecast.Options{Mount: "/a.mp3", Name: "a\r\nX-Evil: 1"}, err: "Name has a line break"},
		{name: "bad-header", opts: icecast.Options{Mount: "/a.mp3", Headers: map[string]string{"a b": "c"}}, err: `header "a b"`},
		{name: "method", opts: icecast.Options{Mount: "/a.mp3", Method: 7}, err: "unknown method"},
		{name: "mount-query", opts: icecast.Options{Mount: "/a.mp3?x"}, err: "mount"},
		{name: "duplicate-track", opts: icecast.Options{Mount: "/a.mp3", Tracks: []mux.Track{mux.CopyTrack("a"), mux.CopyTrack("a")}}, err: "selected twice"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var opts *icecast.Options
			if tc.name != "nil" {
				opts = &tc.opts
			}
			out, err := icecast.New(src, opts)
			if tc.err != "" {
				require.ErrorIs(t, err, icecast.ErrOption)
				assert.Contains(t, err.Error(), tc.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.url, out.URL())
			assert.Equal(t, tc.ctype, out.ContentType())
			assert.Equal(t, icecast.StateIdle, out.Status().State)
		})
	}
}
