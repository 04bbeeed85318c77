package peertest

import (
	"context"
	"encoding/xml"
	"fmt"
	"net/http"
	"time"
)

// IcecastMount is what icecast's /admin/stats says about one source.
type IcecastMount struct {
	Mount          string `xml:"mount,attr"`
	ServerType     string `xml:"server_type"` // the source's Content-Type
	ServerName     string `xml:"server_name"`
	Description    string `xml:"server_description"`
	Genre          string `xml:"genre"`
	URL            string `xml:"server_url"`
	Public         int    `xml:"public"`
	AudioInfo      string `xml:"audio_info"`
	Title          string `xml:"title"`
	Artist         string `xml:"artist"`
	Subtype        string `xml:"subtype"`
	UserAgent      string `xml:"user_agent"`
	Listeners      int    `xml:"listeners"`
	TotalBytesRead int64  `xml:"total_bytes_read"`
	StreamStart    string `xml:"stream_start_iso8601"`
}

type icestats struct {
	Sources []IcecastMount `xml:"source"`
}

// Mount returns the stats of the source on mount ("/live.mp3"), or an
// error wrapping [ErrNoMount] when there is none.
func (s *Icecast) Mount(ctx context.Context, mount string) (*IcecastMount, error) {
	code, body, err := get(ctx, s.client, s.URL("/admin/stats"), s.AdminUser, s.AdminPassword)
	if err != nil {
		return nil, err
	}
	if code != http.StatusOK {
		return nil, fmt.Errorf("peertest: /admin/stats: status %d: %s", code, body)
	}
	var st icestats
	if err := xml.Unmarshal(body, &st); err != nil {
		return nil, fmt.Errorf("peertest: /admin/stats: %w", err)
	}
	for i := range st.Sources {
		if st.Sources[i].Mount == mount {
			return &st.Sources[i], nil
		}
	}
	return nil, fmt.Errorf("%w: %s", ErrNoMount, mount)
}

// WaitMount polls /admin/stats until the mount exists and cond (when not
// nil) returns nil for its stats, or ctx is done. Icecast fills a new
// mount's stats shortly after the source connects: wait for the field a
// test needs rather than reading it once.
func (s *Icecast) WaitMount(ctx context.Context, mount string, cond func(*IcecastMount) error) (*IcecastMount, error) {
	var got *IcecastMount
	err := Poll(ctx, 50*time.Millisecond, func() error {
		m, err := s.Mount(ctx, mount)
		if err != nil {
			return err
		}
		if cond != nil {
			if err := cond(m); err != nil {
				return err
			}
		}
		got = m
		return nil
	})
	return got, err
}
