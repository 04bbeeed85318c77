package decode

import "testing"

func TestTitleOfPath(t *testing.T) {
	for _, tc := range []struct{ path, want string }{
		{"/music/Artist - Song.mp3", "Artist - Song"},
		{"relative/song.tar.ogg", "song.tar"},
		{"/music/no extension", "no extension"},
		{"/music/.hidden.flac", ".hidden"},
		{"/music/.flac", ".flac"},
		{"http://nas.local/music/Artist%20-%20Song.mp3?token=x#frag", "Artist - Song"},
		{"http://nas.local/", ""},
		{"http://nas.local", ""},
		{"/", ""},
	} {
		if got := titleOfPath(tc.path); got != tc.want {
			t.Errorf("titleOfPath(%q) = %q, want %q", tc.path, got, tc.want)
		}
	}
}
